//===- KernelSelection.h - which kernel serves which M ----------*- C++ -*-===//
//
// Policy: for a linear's shape and the target, the kernel of every M range
// (GEMV for the smallest M, tensor-core kernels above), from the defaults
// or from the user's --gemm-tiles / --gemv-tile. The awq-select-kernels
// pass records the result as #awq.kernel_choice attributes; the lowering
// (convert-awq-to-gpu) builds what they say (KernelFamilies.h).
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_KERNELSELECTION_H
#define AWQ_CODEGEN_KERNELSELECTION_H

#include "codegen/KernelFamilies.h"

#include "llvm/ADT/StringMap.h"

#include <memory>
#include <optional>

namespace mlir::awq {

/// Variants cover M up to this (the runtime passes M as a 64-bit size, but
/// a grid dimension holds at most 2^31 - 1 tiles).
constexpr int64_t kMaxM = (int64_t(1) << 31) - 1;

/// Measured winners per shape (scripts/tune.py writes them from tile
/// sweeps on one GPU; tuning/*.json): for a shape's tag, the kernel of some
/// M ranges, which need not be the default plan's (each is carved into it).
struct TuningTable {
  /// The GPU it was measured on, as the CUDA driver names it.
  std::string device;
  /// The chip its kernels were compiled for ("sm_90a").
  std::string chip;
  llvm::StringMap<SmallVector<KernelChoice>> byTag;
};

/// Reads a tuning table; the error names the file and the entry.
FailureOr<TuningTable> readTuningTable(StringRef path, std::string &error);

/// Parses a tuning table's JSON `text`; `origin` names it in errors.
FailureOr<TuningTable> parseTuningTable(StringRef text, StringRef origin,
                                        std::string &error);

/// The tuning table built into the compiler (tuning/*.json of the source
/// tree, codegen/BuiltinTuning.cpp) that was measured on the GPU named
/// `device` (as cuDeviceGetName reports it) for `chip`; null if none.
std::shared_ptr<const TuningTable> builtinTuningTable(StringRef device,
                                                      StringRef chip);

struct SelectionOptions {
  /// Target chip ("sm_90a"), for messages.
  std::string chip;
  /// Whether warpgroup-MMA kernels may be used (sm_90a and the option on).
  bool wgmma = false;
  /// --gemm-tiles, parsed: the tensor-core kernels replacing the defaults.
  std::optional<SmallVector<KernelChoice>> gemmTiles;
  /// --gemv-tile: the M = 1 GEMV's tiling.
  std::optional<GemvConfig> gemvTile;
  /// Measured choices that replace the defaults for the shapes they list.
  std::shared_ptr<const TuningTable> tuning;
};

/// Parses --gemm-tiles entries "MMIN-MMAX:SPEC" (MMAX may be "max"; SPEC as
/// parseKernelSpec reads it); they must tile M from the first MMIN (2 to 5)
/// to kMaxM in order.
FailureOr<SmallVector<KernelChoice>>
parseGemmTiles(ArrayRef<std::string> entries, std::string &error);

/// Parses --gemv-tile ROWSxWARPSxUNROLL[xGROUPS[xMINBLOCKS]].
FailureOr<GemvConfig> parseGemvTile(StringRef text, std::string &error);

/// Why `choice` cannot serve `shape` on the target of `options` ("cannot
/// use warpgroup-MMA tile 64x64: ..."), or empty.
std::string checkChoice(const LinearShape &shape,
                        const SelectionOptions &options,
                        const KernelChoice &choice);

/// The kernel of every M range from 1 to kMaxM for `shape`; on failure
/// `error` names the kernel that cannot serve the shape and why.
FailureOr<SmallVector<KernelChoice>>
selectKernels(const LinearShape &shape, const SelectionOptions &options,
              std::string &error);

} // namespace mlir::awq

#endif // AWQ_CODEGEN_KERNELSELECTION_H
