//===- AwqDialect.h - awq dialect --------------------------------*- C++ -*-===//
//
// The awq dialect: declarations generated from AwqDialect.td.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_DIALECT_AWQ_AWQDIALECT_H
#define AWQ_DIALECT_AWQ_AWQDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialects/Awq/AwqOpsDialect.h.inc"

#endif // AWQ_DIALECT_AWQ_AWQDIALECT_H
