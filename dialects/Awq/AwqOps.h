//===- AwqOps.h - awq dialect operations -------------------------*- C++ -*-===//
//
// Operations, attributes and enums of the awq dialect.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_DIALECT_AWQ_AWQOPS_H
#define AWQ_DIALECT_AWQ_AWQOPS_H

#include "dialects/Awq/AwqDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Awq/AwqEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Awq/AwqAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/Awq/AwqOps.h.inc"

#endif // AWQ_DIALECT_AWQ_AWQOPS_H
