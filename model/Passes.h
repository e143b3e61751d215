//===- Passes.h - whole-model passes ----------------------------*- C++ -*-===//

#ifndef AWQ_MODEL_PASSES_H
#define AWQ_MODEL_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::awq {

#define GEN_PASS_DECL
#include "model/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "model/Passes.h.inc"

} // namespace mlir::awq

#endif // AWQ_MODEL_PASSES_H
