//===- KernelFamilies.h - one interface over the kernel families -*- C++ -*-===//
//
// The mechanism side of kernel choice: a KernelConfig is one family's
// tiling (GEMV, shared-memory GEMM, stream, warpgroup MMA), and every
// family answers the same questions through the functions below: can it
// serve a shape, what is its kernel called, how is it launched, build it,
// and how is it spelled in a kernel spec (the --gemm-tiles grammar, which
// #awq.kernel_choice records). Which config serves which M is policy:
// KernelSelection.h.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_KERNELFAMILIES_H
#define AWQ_CODEGEN_KERNELFAMILIES_H

#include "codegen/KernelBuilders.h"

#include <variant>

namespace mlir::awq {

/// One kernel family's tiling.
using KernelConfig =
    std::variant<GemvConfig, GemmConfig, StreamConfig, WgmmaConfig>;

/// A kernel serving M in [mMin, mMax].
struct KernelChoice {
  int64_t mMin = 1, mMax = 1;
  KernelConfig config;
};

/// Why `config` cannot serve `shape`, or empty. (Whether the target has
/// wgmma is the caller's to check.)
std::string checkKernel(const LinearShape &shape, const KernelConfig &config);

/// The kernel's symbol: the shape's tag and every tiling choice, so that
/// linears of one specialisation share kernels.
std::string kernelName(const LinearShape &shape, const KernelConfig &config);

/// What an error message calls the kernel ("warpgroup-MMA tile 64x64").
std::string describeKernel(const KernelConfig &config);

/// Launch geometry without building the kernel.
KernelLaunch kernelLaunch(const LinearShape &shape, const KernelConfig &config);

/// Builds the kernel `name` into `module`. Precondition: checkKernel passed.
KernelLaunch buildKernel(OpBuilder &builder, Location loc,
                         gpu::GPUModuleOp module, StringRef name,
                         const LinearShape &shape, const KernelConfig &config);

/// The spec of `config`: "w64x64x1x6xk4" (warpgroup MMA),
/// "s1x4x8x1x1xp" (stream), "64x32x2x1x2x2x1xr" (GEMM), "v1x4x4x1xg2"
/// (GEMV: mTile x rows x warps x unroll [x gROWGROUPS] [x bMINBLOCKS]).
std::string formatKernelSpec(const KernelConfig &config);

/// Inverse of formatKernelSpec (it also accepts every --gemm-tiles tile);
/// on failure `error` says what was expected.
FailureOr<KernelConfig> parseKernelSpec(StringRef spec, std::string &error);

} // namespace mlir::awq

#endif // AWQ_CODEGEN_KERNELFAMILIES_H
