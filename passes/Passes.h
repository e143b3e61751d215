//===- Passes.h - awq model-IR passes ----------------------------*- C++ -*-===//
//
// Declarations and registration of the awq pipeline passes.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_PASSES_PASSES_H
#define AWQ_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::awq {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace mlir::awq

#endif // AWQ_PASSES_PASSES_H
