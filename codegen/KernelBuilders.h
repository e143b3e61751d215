//===- KernelBuilders.h - builders for the generated kernels -----*- C++ -*-===//
//
// The kernel generators: each builds one specialised gpu.func (in the gpu,
// nvgpu, nvvm, vector, scf, arith and memref dialects) for one quantized
// linear shape. The lowering pass picks variants and records them.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_KERNELBUILDERS_H
#define AWQ_CODEGEN_KERNELBUILDERS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include <array>
#include <string>

namespace mlir::awq {

/// Static shared memory a block may have; above it, only dynamic shared
/// memory after the kernel opts in.
constexpr int64_t kStaticSharedBytes = 48 * 1024;

/// Everything a kernel is specialised on, apart from the M range.
struct LinearShape {
  int64_t n = 0, k = 0, groupSize = 0;
  bool bf16 = false;   ///< activation/scale/output type bf16 (else f16)
  bool hasZeros = true;
  bool hasBias = false;
  /// Shared memory one block may use on the target: above 48 KiB it is
  /// dynamic shared memory (convert-awq-to-gpu sets it from the chip).
  int64_t maxSharedBytes = kStaticSharedBytes;
  /// Programmatic dependent launch (sm_90+, convert-awq-to-gpu sets it from
  /// the chip): kernels wait for the previous kernel (griddepcontrol.wait)
  /// before they read x or write y (weights they may load before), and let
  /// the stream's next kernel be scheduled (at their start or after their K
  /// loop, per kernel).
  bool gridDependencyControl = false;

  int64_t numGroups() const { return k / groupSize; }
  /// The activation/scale/output element type.
  Type elementType(MLIRContext *ctx) const {
    return bf16 ? Type(BFloat16Type::get(ctx)) : Type(Float16Type::get(ctx));
  }
  /// A short, stable tag for kernel names: n4096_k14336_g128_f16_z.
  std::string tag() const;
};

/// Why a tile needing `bytes` of shared memory cannot run on the target
/// (more than shape.maxSharedBytes per block), or empty.
std::string checkSharedBytes(const LinearShape &shape, int64_t bytes);

/// What the runtime needs to launch one generated kernel.
struct KernelLaunch {
  std::string family; ///< "gemv" or "gemm"
  int64_t mTile = 1;  ///< grid.y is multiplied by ceil(M / mTile)
  std::array<int64_t, 3> grid = {1, 1, 1};
  std::array<int64_t, 3> block = {1, 1, 1};
  int64_t sharedBytes = 0;
};

/// Tiling of the GEMV kernel: each warp computes `rowsPerWarp` output
/// channels for `mTile` rows of x, streaming one 16-byte word group
/// (32 weights) per lane per step.
struct GemvConfig {
  int64_t mTile = 1;
  int64_t rowsPerWarp = 4;
  int64_t warpsPerBlock = 4;
  /// Chunks per thread whose loads are issued together before any math.
  int64_t unroll = 1;
  /// Groups of rowsPerWarp rows a block computes one after the other, the
  /// next group's weights loading while the current one is reduced (only
  /// where a thread's chunks cover K in one step).
  int64_t rowGroups = 1;
  /// Blocks per SM ptxas must make room for (`.maxntid` + `.minnctapersm`,
  /// which caps registers); 0: no hint.
  int64_t minBlocksPerSM = 0;
};

/// Tiling of the tensor-core GEMM kernel: a BM x BN output tile per block,
/// K in steps of 32 · kChunks, `stages` cp.async buffers in flight, warps
/// arranged warpsM x warpsN x warpsK.
struct GemmConfig {
  int64_t tileM = 64, tileN = 128;
  int64_t warpsM = 2, warpsN = 2;
  int64_t stages = 3;
  int64_t minBlocksPerSM = 1; ///< occupancy hint for ptxas (.minnctapersm)
  /// K tile = 32 · kChunks; warpsK warps split it and add their partial
  /// sums through shared memory at the end (split-K within the block).
  int64_t kChunks = 1;
  int64_t warpsK = 1;
  /// Two dequantized weight tiles in shared memory: step k+1 writes one
  /// while step k's MMAs read the other, which saves a barrier per K step
  /// (the refill is then issued after the step's first barrier).
  bool doubleBufferW = false;
  /// Each warp reads its packed words straight from the staged tile and
  /// dequantizes them into mma B fragments in registers: the kernel
  /// layout's word t of a chunk is exactly the fragment of lane 4g + t
  /// (docs/artifact-format.md), so there is no dequantized tile, no
  /// ldmatrix for B and a single barrier per K step.
  bool dequantInRegisters = false;
};

/// Launch geometry of the GEMM kernel.
KernelLaunch gemmLaunch(const LinearShape &shape, const GemmConfig &config);

/// Why the GEMM kernel cannot serve `shape` with `config`, or empty.
std::string checkGemmSupport(const LinearShape &shape,
                             const GemmConfig &config);

/// Builds the fused INT4-dequant tensor-core GEMM kernel `name`: activations
/// and packed weights stream through shared memory with cp.async; weights
/// are dequantized either once per tile into shared memory (mma.sync
/// m16n8k16 then reads both operands through ldmatrix) or, with
/// `dequantInRegisters`, by each warp straight into its B fragments.
/// Precondition: `checkGemmSupport(shape, config)` succeeded.
KernelLaunch buildGemmKernel(OpBuilder &builder, Location loc,
                             gpu::GPUModuleOp module, StringRef name,
                             const LinearShape &shape,
                             const GemmConfig &config);

/// Tiling of the small-M streaming tensor-core kernel (StreamKernel.cpp):
/// a block computes 16 · mTiles rows of x against 8 · nTiles · warpsN
/// weight rows with warpsN groups of `warps` warps; a group's warps split K
/// in 128-wide units and each issues the loads of `unroll` units before any
/// math; the groups share the activations they load.
struct StreamConfig {
  int64_t mTiles = 1;
  int64_t nTiles = 4;
  int64_t warps = 4;
  int64_t unroll = 2;
  int64_t warpsN = 1;
  /// Carry the next step's loads through the K loop (software pipelining).
  bool prefetch = false;
  /// Weights are the MMA's A operand (two n8 tiles as its 16 rows) and x
  /// rows its B operand: activations then need no register moves, and
  /// where a 128-wide K unit lies in one group (one 16-row x tile) the MMAs
  /// multiply the integers q - z and the unit's sums are scaled in f32.
  bool weightsAsA = false;
  /// Activations reach the warps through two shared buffers the block
  /// fills with coalesced loads (needs weightsAsA): warpsN groups share
  /// them, and a warp's piece loads cost a quarter of the L1 wavefronts.
  bool stageActivations = false;
};

/// Why the stream kernel cannot serve `shape` with `config`, or empty.
std::string checkStreamSupport(const LinearShape &shape,
                               const StreamConfig &config);

/// Launch geometry of the stream kernel.
KernelLaunch streamLaunch(const LinearShape &shape, const StreamConfig &config);

/// Builds the small-M tensor-core kernel `name`: weights go straight from
/// global memory to registers with 16-byte loads and are dequantized into
/// mma.sync operands (B, or A with `weightsAsA`); activations take the same
/// path, or with `stageActivations` a shared buffer per K step; otherwise
/// the only barrier is the final split-K sum.
/// Precondition: `checkStreamSupport(shape, config)` succeeded.
KernelLaunch buildStreamKernel(OpBuilder &builder, Location loc,
                               gpu::GPUModuleOp module, StringRef name,
                               const LinearShape &shape,
                               const StreamConfig &config);

/// Tiling of the Hopper (sm_90a) warpgroup-MMA kernel (WgmmaKernel.cpp): a
/// tileM x tileN output tile per block, `warpgroups` groups of 128 threads
/// each owning tileM / warpgroups rows, K in steps of 64, `stages` cp.async
/// buffers of which stages - 2 are in flight ahead of the MMAs.
struct WgmmaConfig {
  int64_t tileM = 256, tileN = 128;
  int64_t warpgroups = 2;
  int64_t stages = 4;
  /// Blocks of a thread block cluster (grid.z) that split K among them and
  /// add their partial tiles through distributed shared memory, in rank
  /// order (deterministic): more blocks for grids that leave SMs idle.
  int64_t splitK = 1;
  /// One more warpgroup, the producer, copies and dequantizes the tiles
  /// while the `warpgroups` consumers only issue wgmma, the two handing
  /// stages over through mbarriers instead of block-wide barriers.
  bool warpSpecialized = false;
  /// K tiles of 64 per pipeline step (one barrier, one wgmma group): more
  /// dequantization in flight per step where the step's fixed latency
  /// (copy wait, barrier, wgmma issue) dominates, i.e. small tiles.
  int64_t tilesPerStep = 1;
  /// Weights are wgmma's A operand, dequantized straight into registers
  /// (the register-A form), and x its B operand from the swizzled stage:
  /// warpgroups then split tileN (64 weight rows per m64 block) and tileM
  /// tokens are wgmma's N, so there is no dequantized tile in shared
  /// memory, no store into it and no bank conflicts on it.
  bool weightsAsA = false;
};

/// Why the warpgroup-MMA kernel cannot serve `shape` with `config`, or
/// empty. (Whether the target has wgmma is the caller's to check.)
std::string checkWgmmaSupport(const LinearShape &shape,
                              const WgmmaConfig &config);

/// Launch geometry of the warpgroup-MMA kernel.
KernelLaunch wgmmaLaunch(const LinearShape &shape, const WgmmaConfig &config);

/// Builds the sm_90a kernel `name`: activations (cp.async) and dequantized
/// weights go into 128-byte-swizzled shared tiles that `wgmma.mma_async`
/// reads through matrix descriptors, with f32 accumulators in registers.
/// Precondition: `checkWgmmaSupport(shape, config)` succeeded.
KernelLaunch buildWgmmaKernel(OpBuilder &builder, Location loc,
                              gpu::GPUModuleOp module, StringRef name,
                              const LinearShape &shape,
                              const WgmmaConfig &config);

/// Launch geometry of the GEMV kernel for `shape` and `config`.
KernelLaunch gemvLaunch(const LinearShape &shape, const GemvConfig &config);

/// Builds the fused INT4-dequant GEMV kernel `name` into `module`.
/// Precondition: `checkGemvSupport(shape)` succeeded.
KernelLaunch buildGemvKernel(OpBuilder &builder, Location loc,
                             gpu::GPUModuleOp module, StringRef name,
                             const LinearShape &shape,
                             const GemvConfig &config);

/// Why the GEMV kernel cannot serve `shape`, or empty if it can.
std::string checkGemvSupport(const LinearShape &shape);

/// Why the GEMV kernel cannot serve `shape` with `config`, or empty.
std::string checkGemvConfig(const LinearShape &shape, const GemvConfig &config);

} // namespace mlir::awq

#endif // AWQ_CODEGEN_KERNELBUILDERS_H
