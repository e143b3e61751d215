//===- ModelBuilder.h - model IR for a whole decoder-only model -*- C++ -*-===//
//
// Turns a ModelDescription (Checkpoint.h) into model IR: `@forward(tokens,
// positions) -> logits` calls one function per decoder layer,
// `@layer_<i>(hidden, positions) -> hidden`, so that a 7B model's IR reads
// like its structure. Weights stay in their files, referenced by
// `awq.weight`; the module records the architecture and the tokenizer's
// file in its attributes (docs/model-ir.md).
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_MODELBUILDER_H
#define AWQ_MODEL_MODELBUILDER_H

#include "model/Checkpoint.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace awq::model {

/// Names of the model IR's entry points and module attributes.
inline constexpr llvm::StringLiteral kForwardFunction = "forward";
inline constexpr llvm::StringLiteral kModelAttr = "awq.model";
inline constexpr llvm::StringLiteral kTokenizerAttr = "awq.tokenizer";

/// Builds the model IR of `description`. File references are written
/// relative to `irDirectory` when the file lies inside it (a model's IR can
/// then move with its weights), absolute otherwise.
mlir::OwningOpRef<mlir::ModuleOp>
buildModelIR(mlir::MLIRContext &context, const ModelDescription &description,
             llvm::StringRef irDirectory);

} // namespace awq::model

#endif // AWQ_MODEL_MODELBUILDER_H
