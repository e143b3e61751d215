//===- SelectKernels.h - kernel choice on model IR --------------*- C++ -*-===//
//
// What awq-select-kernels and convert-awq-to-gpu share: a linear's shape as
// the kernels see it, the selection options from the passes' options, and
// the #awq.kernel_choice attributes in both directions.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_SELECTKERNELS_H
#define AWQ_CODEGEN_SELECTKERNELS_H

#include "codegen/KernelSelection.h"
#include "dialects/Awq/AwqOps.h"

namespace mlir::awq {

/// The shape `op`'s kernels are specialised on for `chip`, shared memory
/// capped at `maxSharedBytes` if positive; an error at the op where no
/// kernel can exist (bits, activation or scale types).
FailureOr<LinearShape> linearShapeOf(QLinearOp op, StringRef chip,
                                     int64_t maxSharedBytes);

/// Selection options from the passes' options; an error at `module` for a
/// malformed chip, gemm-tiles, gemv-tile or tuning table. Without a
/// tuning table, the built-in one of `device` (a GPU's name), if any.
FailureOr<SelectionOptions> selectionOptionsOf(ModuleOp module, StringRef chip,
                                               bool wgmma, StringRef gemvTile,
                                               ArrayRef<std::string> gemmTiles,
                                               StringRef tuningPath,
                                               StringRef device);

/// Records `choices` on `op` as kernel_choices.
void setKernelChoices(QLinearOp op, ArrayRef<KernelChoice> choices);

/// `op`'s kernel_choices, each checked against `shape` and the target; an
/// error at the op naming the entry that cannot serve it.
FailureOr<SmallVector<KernelChoice>>
readKernelChoices(QLinearOp op, const LinearShape &shape,
                  const SelectionOptions &options);

} // namespace mlir::awq

#endif // AWQ_CODEGEN_SELECTKERNELS_H
