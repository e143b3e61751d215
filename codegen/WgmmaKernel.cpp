//===- WgmmaKernel.cpp - INT4-dequant GEMM on Hopper warpgroup MMA --------===//
//
// Builds the sm_90a kernel for large M. A block computes a tileM x tileN
// output tile with `warpgroups` warpgroups (128 threads each), warpgroup g
// owning rows [g, g + 1) · tileM / warpgroups. Per K tile of 64:
//   cp.async   x[tileM, 64] into a shared stage in the 128-byte swizzle
//              wgmma reads (16-byte chunk c of row r at chunk c xor r mod 8)
//              and the packed weights [tileN, 8 words] into a staging
//              buffer, stages - 2 tiles ahead;
//   dequant    each thread turns the 16-byte chunk it copied into four
//              16-byte rows of eight weights of the swizzled weight tile
//              (the same magic-number dequantization as the other kernels);
//   wgmma      m64 x tileN x k16 from both shared tiles through matrix
//              descriptors, f32 accumulators in registers; one group stays
//              in flight while the next tile is dequantized.
// Why stages - 2 ahead and three weight tiles: a warpgroup only knows that
// its own wgmma group of step k - 2 finished (wait_group 1 at the end of
// step k - 1). The barrier of step k tells every thread that all
// warpgroups are past that point, so the copies issued after it may refill
// the stage of tile k - 2. Weight tile k mod 3 is written before that
// barrier: barrier k - 1 already tells that every warpgroup finished step
// k - 3's wgmma, its last reader.
// Several K tiles per step (tilesPerStep = u > 1): the same argument with
// a step of u tiles: stages - 2u tiles ahead, 3u weight tiles, one barrier
// and one wgmma group per step. A block's last step may run past its last
// tile; those tiles re-fetch the last one and get scale 0, so they add 0.
// Rows of x past M are zero-filled by cp.async, rows of W past N read
// clamped, and their outputs never stored, so any M >= 1 and N are served.
// Split K (splitK > 1): the splitK blocks of a cluster (grid.z) each run the
// loop above over their share of the K tiles, leave their f32 tile in their
// own shared memory, and after a cluster barrier rank r adds slice r of
// every rank's tile, in rank order, through distributed shared memory
// (mapa), and stores it: one launch, no workspace, no atomics, the same
// sum on every run. A second cluster barrier keeps each tile alive until
// all ranks have read it.
// Warp specialisation (warpSpecialized): one more warpgroup, the producer,
// runs the copies (stages - 1 tiles ahead) and the dequantization into one
// weight tile per stage, and hands each stage to the consumer warpgroups
// through a "full" mbarrier; they issue the wgmma groups and hand the
// stage back through an "empty" one. No block-wide barrier in the loop,
// so the dequantization of tile k + 1 overlaps the MMAs of tile k on
// every warp scheduler instead of within each warp's program order.
// Weights as A (weightsAsA): the weights are wgmma's A operand in
// registers and x's stage its B operand, so warpgroups split the weight
// rows and the tokens are wgmma's N. Nothing is dequantized into shared
// memory: each thread reads its A fragments' packed words from the packed
// stage after the step's barrier (or the "full" mbarrier, where the
// producer then only copies) and dequantizes them in registers.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelBuilders.h"
#include "codegen/KernelEmitter.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::awq;

namespace {
/// K per pipeline step: one 128-byte swizzle row of f16/bf16.
constexpr int64_t kTileK = 64;
constexpr int64_t kRowBytes = 128;
constexpr int64_t kWarpgroupThreads = 128;
/// Rows per wgmma instruction.
constexpr int64_t kWgmmaM = 64;
/// Dequantized weight tiles in flight (see the file comment).
constexpr int64_t kWeightTiles = 3;
/// Threads that copy and dequantize: all of them, or the producer
/// warpgroup of the warp-specialised kernel.
int64_t copyThreadCount(const WgmmaConfig &config) {
  return config.warpSpecialized ? kWarpgroupThreads
                                : kWarpgroupThreads * config.warpgroups;
}

/// Threads of a block: the warpgroups, and the producer warpgroup of the
/// warp-specialised kernel.
int64_t blockThreadCount(const WgmmaConfig &config) {
  return kWarpgroupThreads *
         (config.warpgroups + (config.warpSpecialized ? 1 : 0));
}

/// Dequantized weight tiles: one per stage where the producer hands them
/// over through mbarriers, else three steps' worth.
int64_t weightTileCount(const WgmmaConfig &config) {
  if (config.weightsAsA)
    return 0;
  return config.warpSpecialized ? config.stages
                                : kWeightTiles * config.tilesPerStep;
}

/// Output columns per wgmma (its N): tokens where the weights are A.
int64_t wgmmaN(const WgmmaConfig &config) {
  return config.weightsAsA ? config.tileM : config.tileN;
}

/// Rows of the tile each warpgroup owns as wgmma's M: tokens, or weight
/// rows where the weights are A.
int64_t warpgroupRows(const WgmmaConfig &config) {
  return (config.weightsAsA ? config.tileN : config.tileM) / config.warpgroups;
}

/// K tiles whose copies are in flight ahead of the step that uses them
/// (see the file comment: two steps' stages are still being read).
int64_t tilesAhead(const WgmmaConfig &config) {
  return config.warpSpecialized ? config.stages - 1
                                : config.stages - 2 * config.tilesPerStep;
}

/// Register-A steps per K-loop iteration. A step's fragment registers may
/// not be written again until the `wait_group 1` of the following step has
/// retired the group that reads them (PTX: an in-flight wgmma's A registers
/// are off limits; with one register set per loop, ptxas handed them to
/// the next step's loads while the group ran, and the H100 computed
/// garbage, docs/perf.md session 13). So two steps alternate two sets.
int64_t stepsPerIteration(const WgmmaConfig &config) {
  return config.weightsAsA ? 2 : 1;
}

/// Whether the loop may run past the block's last K tile (several tiles per
/// step or per iteration); those tiles re-fetch the last one, scale 0.
bool padsLastStep(const WgmmaConfig &config) {
  return config.tilesPerStep * stepsPerIteration(config) > 1;
}

/// Whether the outputs go through an f32 tile in shared memory: split K
/// sums the cluster's tiles there, and the weights-as-A tile (yᵀ in
/// registers) is transposed there into runs of four.
bool stagesOutputs(const WgmmaConfig &config) {
  return config.splitK > 1 || config.weightsAsA;
}

/// The warp-specialised kernel's mbarriers: "full" and "empty" per stage,
/// a spare "empty" one, and where the weights are A a "drained" one (the
/// producer's last copies have landed, so the consumers may write the
/// output tile over the stages).
int64_t mbarrierCount(const WgmmaConfig &config) {
  if (!config.warpSpecialized)
    return 0;
  return 2 * config.stages + 1 + (config.weightsAsA ? 1 : 0);
}

/// Byte sizes of the shared buffers, in their order in dynamic shared
/// memory: activation stages, dequantized weight tiles (both 1024-byte
/// aligned, as the swizzle needs), packed weight stages, and for the
/// warp-specialised kernel the stages' "full" and "empty" mbarriers.
/// The f32 output tile (stagesOutputs) reuses the buffers from offset 0
/// once the K loop is done: tileM rows of `partialPitch` f32, 8 more than
/// tileN so that the accumulator pairs of a half-warp's four rows fall in
/// distinct banks; where the weights are A, 4 more, so that a warp's
/// transposed stores (8 columns of 4 rows 2 apart) do.
struct WgmmaShared {
  int64_t xStageBytes, wTileBytes, packedStageBytes;
  int64_t xBytes, wBytes, barrierOffset, barrierBytes, partialPitch;
  int64_t partialBytes, total;

  explicit WgmmaShared(const WgmmaConfig &config)
      : xStageBytes(config.tileM * kRowBytes),
        wTileBytes(config.tileN * kRowBytes),
        packedStageBytes(config.tileN * kTileK / 2),
        xBytes(config.stages * xStageBytes),
        wBytes(weightTileCount(config) * wTileBytes),
        barrierOffset(xBytes + wBytes + config.stages * packedStageBytes),
        barrierBytes(mbarrierCount(config) * 8),
        partialPitch(config.tileN + (config.weightsAsA ? 4 : 8)),
        partialBytes(stagesOutputs(config) ? config.tileM * partialPitch * 4
                                           : 0),
        total(std::max(barrierOffset + barrierBytes, partialBytes)) {}
};

/// Why the tile does not split into m64 blocks per warpgroup and one
/// wgmma's N, or empty. Weights as A swap the roles of tileM and tileN.
std::string checkOperandTiles(const WgmmaConfig &config) {
  const bool weightsAsA = config.weightsAsA;
  const int64_t mSide = weightsAsA ? config.tileN : config.tileM;
  const char *mName = weightsAsA ? "tileN" : "tileM";
  if (mSide < kWgmmaM * config.warpgroups ||
      mSide % (kWgmmaM * config.warpgroups) != 0)
    return llvm::formatv("{0} = {1} must be a positive multiple of {2} (64 "
                         "{3} per warpgroup)",
                         mName, mSide, kWgmmaM * config.warpgroups,
                         weightsAsA ? "weight rows" : "rows")
        .str();
  const int64_t nSide = wgmmaN(config);
  if (nSide % 16 != 0 || nSide < 16 || nSide > 256)
    return llvm::formatv("{0} = {1} must be a multiple of 16 from 16 to "
                         "256 (one wgmma)",
                         weightsAsA ? "tileM" : "tileN", nSide)
        .str();
  // f32 accumulators per thread: (M side / warpgroups) · N / 128.
  int64_t accumulators = warpgroupRows(config) * nSide / kWarpgroupThreads;
  if (accumulators > 128)
    return llvm::formatv("{0} accumulators per thread: at most 128",
                         accumulators)
        .str();
  return "";
}

/// K tiles per rank of a split-K cluster (the last rank may get fewer).
int64_t kTilesPerRank(const LinearShape &shape, const WgmmaConfig &config) {
  int64_t kTiles = shape.k / kTileK;
  return (kTiles + config.splitK - 1) / config.splitK;
}

/// Why `config.splitK` cannot split `shape`'s K, or empty.
std::string checkSplitK(const LinearShape &shape, const WgmmaConfig &config) {
  const int64_t splitK = config.splitK;
  if (splitK != 1 && splitK != 2 && splitK != 4 && splitK != 8)
    return llvm::formatv("split K over {0} blocks: 1, 2, 4 or 8 (a portable "
                         "cluster) are supported",
                         splitK)
        .str();
  if ((splitK - 1) * kTilesPerRank(shape, config) >= shape.k / kTileK)
    return llvm::formatv("K = {0} has {1} tiles of {2}: too few to split "
                         "over {3} blocks",
                         shape.k, shape.k / kTileK, kTileK, splitK)
        .str();
  if (splitK > 1 && config.warpSpecialized)
    return "split K and a producer warpgroup (xws) do not combine yet";
  int64_t threads = kWarpgroupThreads * config.warpgroups;
  if (config.tileM * config.tileN / 4 % (splitK * threads) != 0)
    return llvm::formatv("a {0}x{1} tile's 16-byte pieces do not divide "
                         "among {2} blocks of {3} threads",
                         config.tileM, config.tileN, splitK, threads)
        .str();
  return "";
}
} // namespace

std::string awq::checkWgmmaSupport(const LinearShape &shape,
                                   const WgmmaConfig &config) {
  if (shape.k % kTileK != 0 || shape.groupSize % kChunk != 0)
    return llvm::formatv("K = {0} must be a multiple of {1} and the group "
                         "size {2} of {3}",
                         shape.k, kTileK, shape.groupSize, kChunk)
        .str();
  if (config.warpgroups < 1 || config.warpgroups > 4)
    return llvm::formatv("{0} warpgroups per block: 1 to 4 are supported",
                         config.warpgroups)
        .str();
  if (std::string why = checkOperandTiles(config); !why.empty())
    return why;
  const int64_t copyThreads = copyThreadCount(config);
  if (config.tileN * 2 % copyThreads != 0)
    return "the weight tile's 16-byte chunks (2 per row) do not divide "
           "among the threads that copy them";
  if (config.tileM * (kTileK / 8) % copyThreads != 0)
    return "the activation tile's 16-byte chunks do not divide among the "
           "threads that copy them";
  const int64_t tilesPerStep = config.tilesPerStep;
  if (tilesPerStep < 1 || tilesPerStep > 4)
    return llvm::formatv("{0} K tiles per step: 1 to 4 are supported",
                         tilesPerStep)
        .str();
  if (tilesPerStep > 1 && config.warpSpecialized)
    return "several K tiles per step and a producer warpgroup (xws) do not "
           "combine yet";
  // At least one step's tiles in flight ahead of the two being read.
  const int64_t minStages = config.warpSpecialized ? 2 : 3 * tilesPerStep;
  if (config.stages < minStages || config.stages > 16)
    return llvm::formatv("{0} stages: {1} to 16 are supported with {2} K "
                         "tile(s) per step",
                         config.stages, minStages, tilesPerStep)
        .str();
  if (std::string why = checkSplitK(shape, config); !why.empty())
    return why;
  return checkSharedBytes(shape, WgmmaShared(config).total);
}

KernelLaunch awq::wgmmaLaunch(const LinearShape &shape,
                              const WgmmaConfig &config) {
  KernelLaunch launch;
  launch.family = "gemm";
  launch.mTile = config.tileM;
  launch.grid = {(shape.n + config.tileN - 1) / config.tileN, 1, config.splitK};
  launch.block = {blockThreadCount(config), 1, 1};
  // Always dynamic: the swizzled tiles are views of the 1024-byte-aligned
  // dynamic shared memory, even where they would fit statically.
  launch.sharedBytes = WgmmaShared(config).total;
  return launch;
}

namespace {
/// Builds one warpgroup-MMA kernel: the function and its indices
/// (setUp*), the copy and scale streams (issueCopies, loadScaleZeros), one
/// K step (dequantizeTile, issueMmas) inside the pipelined loop
/// (buildKLoop), then the epilogue (finish). Members hold what every step
/// reads, so that each step is a short method rather than a lambda inside
/// one long function.
class WgmmaKernelBuilder : KernelBuilderBase<WgmmaConfig> {
public:
  WgmmaKernelBuilder(OpBuilder &builder, Location loc, gpu::GPUModuleOp module,
                     const LinearShape &shape, const WgmmaConfig &config)
      : KernelBuilderBase(builder, loc, module, shape, config),
        stages(config.stages), ahead(tilesAhead(config)),
        tilesPerStep(config.tilesPerStep),
        threads(kWarpgroupThreads * config.warpgroups),
        copyThreads(copyThreadCount(config)),
        groupRows(warpgroupRows(config)),
        mBlocks(groupRows / kWgmmaM), numKTiles(shape.k / kTileK),
        xCopies(config.tileM * (kTileK / 8) / copyThreads),
        wChunks(config.tileN * 2 / copyThreads), layout(config) {}

  KernelLaunch build(StringRef name) {
    setUpFunction(name);
    setUpSharedViews();
    setUpThreadIndices();
    Value nTile = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    Value mTile = gpu::BlockIdOp::create(b, gpu::Dimension::y);
    setUpTile(nTile, mTile);
    setUpRows();
    setUpKRange();
    setUpWeightChunks();
    if (config.weightsAsA)
      setUpFragmentRows();
    setUpScaleSources();
    setUpDescriptorBase();
    if (config.warpSpecialized) {
      buildSpecialized();
    } else {
      scf::ForOp loop = buildKLoop();
      finish(loop);
    }
    return wgmmaLaunch(shape, config);
  }

private:
  Type i32() { return b.getI32Type(); }
  Type i64() { return b.getI64Type(); }
  Value i64Const(ImplicitLocOpBuilder &ib, int64_t v) {
    return arith::ConstantOp::create(ib, ib.getI64IntegerAttr(v));
  }
  MemRefType shared(ArrayRef<int64_t> dims, Type type) {
    return MemRefType::get(
        dims, type, MemRefLayoutAttrInterface{},
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  }

  /// The kernel function (a cluster of splitK blocks along z) and its
  /// arguments.
  void setUpFunction(StringRef name) {
    auto func = createKernelFunction(name, TypeRange{});
    if (config.splitK > 1)
      func->setAttr(
          NVVM::NVVMDialect::getClusterDimAttrName(),
          b.getDenseI32ArrayAttr({1, 1, static_cast<int32_t>(config.splitK)}));
    // The block size as a launch bound. Warp-specialised, with one block
    // per SM: ptxas starts every thread at 64K / block threads registers (a
    // multiple of 8); setmaxnreg may then move them from producer to
    // consumers (registerSplit). Weights as A: ptxas fits the two fragment
    // sets (stepsPerIteration) into what a thread of the block may have
    // (without it the 512-thread tile took more than 128 registers and
    // could not launch). Not set for the other kernels, whose PTX ran as
    // it is.
    if (config.warpSpecialized || config.weightsAsA)
      func->setAttr(
          NVVM::NVVMDialect::getMaxntidAttrName(),
          b.getDenseI32ArrayAttr({int32_t(blockThreadCount(config)), 1, 1}));
    if (config.warpSpecialized)
      func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                    b.getI32IntegerAttr(1));
    Block &entry = func.getBody().front();
    b.setInsertionPointToStart(&entry);
    waitForPrerequisiteGrids(b, shape.gridDependencyControl);
    args.emplace(entry, shape.hasZeros, shape.hasBias);
  }

  /// Activation stages, dequantized weight tiles and packed weight stages
  /// in dynamic shared memory, 1024-byte aligned for the swizzle.
  void setUpSharedViews() {
    constexpr int64_t kSwizzleAlign = 1024;
    std::tie(xStages, elemBase) = dynamicSharedView(
        b, module, shared({stages, config.tileM, kTileK}, elemType), 0,
        kSwizzleAlign);
    if (!config.weightsAsA)
      wTiles = dynamicSharedView(b, module,
                                 shared({weightTileCount(config), config.tileN,
                                         kTileK},
                                        elemType),
                                 layout.xBytes, kSwizzleAlign)
                   .first;
    packedStages =
        dynamicSharedView(b, module,
                          shared({stages, config.tileN, kTileK / 8}, i32()),
                          layout.xBytes + layout.wBytes, kSwizzleAlign)
            .first;
  }

  /// The thread's and its warpgroup's positions in the block.
  void setUpThreadIndices() {
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    // The producer warpgroup comes after the consumers.
    copyTid = config.warpSpecialized
                  ? arith::SubIOp::create(b, tid, e.index(threads)).getResult()
                  : tid;
    lane = arith::RemUIOp::create(b, tid, e.index(mlir::awq::kWarpSize));
    Value warpgroup =
        arith::DivUIOp::create(b, tid, e.index(kWarpgroupThreads));
    warpInGroup = arith::RemUIOp::create(
        b, arith::DivUIOp::create(b, tid, e.index(mlir::awq::kWarpSize)),
        e.index(4));
    groupRow0 = e.mul(warpgroup, groupRows);
  }

  /// The output tile this block computes: column tile `nTile` of N, row
  /// tile `mTile` of M (a block's grid position; docs/design-stream-k.md
  /// would take several per block).
  void setUpTile(Value nTile, Value mTile) {
    blockN0 = e.mul(nTile, config.tileN);
    blockM0 = e.mul(mTile, config.tileM);
  }

  /// M, from x's rows.
  void setUpRows() {
    m = memref::DimOp::create(b, args->x, 0);
    lastM = arith::SubIOp::create(b, m, e.index(1));
  }

  /// This block's K tiles [kBegin, kBegin + kCount) as rank `rank` of its
  /// split-K cluster (all of them without split).
  void setUpKRange() {
    rank = gpu::BlockIdOp::create(b, gpu::Dimension::z);
    kBegin = e.index(0);
    kCount = e.index(numKTiles);
    if (config.splitK > 1) {
      int64_t perRank = kTilesPerRank(shape, config);
      kBegin = e.mul(rank, perRank);
      kCount = e.minIndex(e.index(perRank),
                          arith::SubIOp::create(b, e.index(numKTiles), kBegin));
    }
    kLast = arith::SubIOp::create(b, kCount, e.index(1));
  }

  /// The warp-specialised loops' tile count: kCount rounded up to whole
  /// consumer iterations, so that producer and consumers agree on every
  /// stage's uses (the extra tile re-fetches the last, scale 0).
  Value specializedTileCount() {
    const int64_t steps = stepsPerIteration(config);
    return e.mul(arith::DivUIOp::create(b, e.add(kCount, e.index(steps - 1)),
                                        e.index(steps)),
                 steps);
  }

  /// Weight row `row` of this block's tile in the layer, clamped to the
  /// last (a ragged last tile loads a valid row and stores nothing).
  Value globalWeightRow(Value row) {
    return e.minIndex(e.add(blockN0, row), e.index(shape.n - 1));
  }

  /// This thread's weight chunks: unit u = copyTid + i · copyThreads is
  /// row u / 2, 32-weight chunk u mod 2 of the K tile. It copies and
  /// dequantizes them.
  void setUpWeightChunks() {
    for (int64_t i = 0; i < wChunks; ++i) {
      Value unit = e.add(copyTid, e.index(i * copyThreads));
      wRows.push_back(arith::DivUIOp::create(b, unit, e.index(2)));
      wHalves.push_back(arith::RemUIOp::create(b, unit, e.index(2)));
      wRowsGlobal.push_back(globalWeightRow(wRows.back()));
    }
  }

  /// Where the weights are A: this thread's fragment rows, rows g and
  /// g + 8 (g = lane / 4) of its warp's 16 in each m64 block of its
  /// warpgroup, block-local and clamped global; it reads word lane mod 4
  /// of each of their 32-weight chunks, which the kernel layout
  /// (docs/artifact-format.md) makes exactly its A fragment's pairs.
  void setUpFragmentRows() {
    Value warpRow0 =
        e.add(groupRow0,
              e.add(e.mul(warpInGroup, 16),
                    arith::DivUIOp::create(b, lane, e.index(4)).getResult()));
    fragWord = arith::RemUIOp::create(b, lane, e.index(4));
    for (int64_t mb = 0; mb < mBlocks; ++mb)
      for (int64_t r = 0; r < 2; ++r) {
        fragRows.push_back(e.add(warpRow0, e.index(mb * kWgmmaM + 8 * r)));
        fragRowsGlobal.push_back(globalWeightRow(fragRows.back()));
      }
  }

  /// The (row, K offset in the tile) pairs whose scale and zero point this
  /// thread needs per K tile: its copied chunks, which it dequantizes, or
  /// where the weights are A its fragment rows' chunks (one per row where
  /// a group spans the tile).
  void setUpScaleSources() {
    if (!config.weightsAsA) {
      for (int64_t i = 0; i < wChunks; ++i)
        scaleSources.push_back({wRowsGlobal[i], e.mul(wHalves[i], kChunk)});
      return;
    }
    for (Value row : fragRowsGlobal)
      for (int64_t c = 0; c < chunkGroups(); ++c)
        scaleSources.push_back({row, e.index(c * kChunk)});
  }

  /// Groups a thread's fragment row can meet in one K tile's two chunks.
  int64_t chunkGroups() const {
    return shape.groupSize % kTileK == 0 ? 1 : 2;
  }

  /// The word column of 32-weight chunk `half` (0, 1) of `row` in a packed
  /// stage. Where the weights are A, the chunks of rows 4..7 mod 8 swap
  /// places, so that the eight fragment rows of a warp's word loads fall
  /// in distinct banks (rows are 8 words apart).
  Value packedWord(ImplicitLocOpBuilder &ib, Value row, Value half) {
    KernelEmitter ie{ib, elemType};
    if (!config.weightsAsA)
      return ie.mul(half, 4);
    Value swap = arith::AndIOp::create(
        ib, arith::ShRUIOp::create(ib, row, ie.index(2)), ie.index(1));
    return ie.mul(arith::XOrIOp::create(ib, half, swap), 4);
  }

  /// Element column of 16-byte chunk `chunk` of `row` in a swizzled tile.
  Value swizzle(ImplicitLocOpBuilder &ib, Value row, Value chunk) {
    KernelEmitter ie{ib, elemType};
    Value rowMod8 = arith::RemUIOp::create(ib, row, ie.index(8));
    return ie.mul(arith::XOrIOp::create(ib, chunk, rowMod8), 8);
  }

  /// The global K tile of this block's tile `kTile`, clamped to its last
  /// (so the tail re-fetches instead of branching).
  Value globalTile(KernelEmitter &ie, Value kTile) {
    return ie.add(kBegin, ie.minIndex(kTile, kLast));
  }

  /// Issues the copies of this block's K tile `kTile` into `stage`.
  Value issueCopies(ImplicitLocOpBuilder &ib, Value kTile, Value stage) {
    KernelEmitter ie{ib, elemType};
    auto tokenType = nvgpu::DeviceAsyncTokenType::get(ctx);
    Value tile = globalTile(ie, kTile);
    Value k0 = ie.mul(tile, kTileK);
    SmallVector<Value> tokens;
    for (int64_t i = 0; i < xCopies; ++i) {
      Value unit = ie.add(copyTid, ie.index(i * copyThreads));
      Value row = arith::DivUIOp::create(ib, unit, ie.index(kTileK / 8));
      Value chunk = arith::RemUIOp::create(ib, unit, ie.index(kTileK / 8));
      Value globalRow = ie.add(blockM0, row);
      // Rows past M read row M-1 with zero bytes taken: zero-filled.
      Value srcElems = arith::SelectOp::create(ib, ie.ult(globalRow, m),
                                               ie.index(8), ie.index(0));
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          ib, tokenType, xStages,
          ValueRange{stage, row, swizzle(ib, row, chunk)}, args->x,
          ValueRange{ie.minIndex(globalRow, lastM),
                     ie.add(k0, ie.mul(chunk, 8))},
          ib.getIndexAttr(8), srcElems, ib.getUnitAttr()));
    }
    for (int64_t i = 0; i < wChunks; ++i) {
      Value word = ie.mul(wHalves[i], 4);
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          ib, tokenType, packedStages,
          ValueRange{stage, wRows[i], packedWord(ib, wRows[i], wHalves[i])},
          args->qweight,
          ValueRange{wRowsGlobal[i], ie.add(ie.mul(tile, kTileK / 8), word)},
          ib.getIndexAttr(4), /*srcElements=*/Value(), ib.getUnitAttr()));
    }
    return nvgpu::DeviceAsyncCreateGroupOp::create(ib, tokenType, tokens)
        .getResult();
  }

  /// Scale and zero point of each of this thread's scale sources in K tile
  /// `kTile`. With several tiles per step or steps per iteration
  /// (padsLastStep) the loop may run past this block's last tile: those
  /// tiles get scale 0, so their (re-fetched) weights dequantize to 0 and
  /// add nothing, without a branch around the wgmma group.
  SmallVector<Value> loadScaleZeros(ImplicitLocOpBuilder &ib, Value kTile) {
    KernelEmitter ie{ib, elemType};
    Value tile = globalTile(ie, kTile);
    Value pastLast =
        padsLastStep(config)
            ? arith::CmpIOp::create(ib, arith::CmpIPredicate::ugt, kTile, kLast)
                  .getResult()
            : Value();
    SmallVector<Value> values;
    for (const ScaleSource &source : scaleSources) {
      Value group = arith::DivUIOp::create(
          ib, ie.add(ie.mul(tile, kTileK), source.kOffset),
          ie.index(shape.groupSize));
      Value scale = memref::LoadOp::create(ib, args->scales,
                                           ValueRange{source.row, group});
      if (pastLast)
        scale = arith::SelectOp::create(ib, pastLast, ie.scalar(0.0), scale);
      values.push_back(scale);
      values.push_back(args->zeros
                           ? memref::LoadOp::create(ib, args->zeros,
                                                    ValueRange{source.row,
                                                               group})
                                 .getResult()
                           : ie.scalar(kSymmetricZero));
    }
    return values;
  }

  /// Matrix descriptors (PTX ISA, "matrix descriptor format"): start
  /// address >> 4 in bits 0-13, leading-dimension offset 1 (unused for
  /// K-major swizzled tiles), stride between 8-row core-matrix groups 1024
  /// bytes >> 4 in bits 32-45, 128-byte swizzle (1) in bits 62-63. Every
  /// tile starts 1024-byte aligned below 256 KiB, so offsets added to the
  /// address field never carry out of it.
  void setUpDescriptorBase() {
    sharedBase = sharedAddress(elemBase);
    descriptorBase = arith::OrIOp::create(
        b,
        arith::ShRUIOp::create(
            b, arith::AndIOp::create(b, sharedBase, i64Const(b, 0x3FFFF)),
            i64Const(b, 4)),
        i64Const(b, (int64_t(1) << 62) | (int64_t(1024 >> 4) << 32) |
                        (int64_t(1) << 16)));
  }

  /// The shared-window address (i64) of the workgroup memref `view`.
  Value sharedAddress(Value view) {
    return arith::IndexCastOp::create(
        b, i64(), memref::ExtractAlignedPointerAsIndexOp::create(b, view));
  }

  /// The descriptor of the tile at `byteOffset` (an index) plus `extra`.
  Value descriptor(ImplicitLocOpBuilder &ib, Value byteOffset, int64_t extra) {
    Value offset = arith::AddIOp::create(
        ib, arith::IndexCastOp::create(ib, i64(), byteOffset),
        i64Const(ib, extra));
    return arith::AddIOp::create(
        ib, descriptorBase,
        arith::ShRUIOp::create(ib, offset, i64Const(ib, 4)));
  }

  /// Dequantizes this thread's packed chunks of `stage` into weight tile
  /// `wTile` with the scales and zero points in `scaleZeros`.
  void dequantizeTile(ImplicitLocOpBuilder &lb, Value stage, Value wTile,
                      ValueRange scaleZeros) {
    KernelEmitter le{lb, elemType};
    for (int64_t i = 0; i < wChunks; ++i) {
      Value words = vector::LoadOp::create(
          lb, VectorType::get({4}, lb.getI32Type()), packedStages,
          ValueRange{stage, wRows[i], le.mul(wHalves[i], 4)},
          /*nontemporal=*/false, llvm::MaybeAlign(16));
      std::array<Value, 4> eighths =
          le.dequantize(words, scaleZeros[2 * i], scaleZeros[2 * i + 1]);
      for (int64_t j = 0; j < 4; ++j) {
        Value chunk = le.add(le.mul(wHalves[i], 4), le.index(j));
        vector::StoreOp::create(
            lb, eighths[j], wTiles,
            ValueRange{wTile, wRows[i], swizzle(lb, wRows[i], chunk)},
            /*nontemporal=*/false, llvm::MaybeAlign(16));
      }
    }
  }

  /// A K tile's activation stage and dequantized weight tile.
  struct TileSlots {
    Value stage, wTile;
  };

  /// The step's wgmma group: m64 x tileN x k16 per K tile, m64 block and
  /// k16 step, both operands from shared memory through descriptors.
  SmallVector<Value> issueMmas(ImplicitLocOpBuilder &lb,
                               ArrayRef<TileSlots> tiles,
                               ValueRange accumulators) {
    NVVM::WgmmaFenceAlignedOp::create(lb);
    SmallVector<Value> accs(accumulators.begin(), accumulators.end());
    for (const TileSlots &tile : tiles)
      issueTileMmas(lb, tile, accs);
    NVVM::WgmmaGroupSyncAlignedOp::create(lb);
    NVVM::WgmmaWaitGroupSyncOp::create(lb, 1);
    return accs;
  }

  /// The wgmma instructions of one K tile, accumulating into `accs`.
  void issueTileMmas(ImplicitLocOpBuilder &lb, const TileSlots &tile,
                     SmallVector<Value> &accs) {
    KernelEmitter le{lb, elemType};
    NVVM::WGMMATypes operandType =
        shape.bf16 ? NVVM::WGMMATypes::bf16 : NVVM::WGMMATypes::f16;
    Value xOffset = le.add(le.mul(tile.stage, layout.xStageBytes),
                           le.mul(groupRow0, kRowBytes));
    Value wOffset =
        le.add(le.index(layout.xBytes), le.mul(tile.wTile, layout.wTileBytes));
    for (int64_t mb = 0; mb < mBlocks; ++mb)
      for (int64_t kk = 0; kk < kTileK / 16; ++kk) {
        // k16 steps advance 32 bytes inside the swizzled rows; the
        // hardware applies the swizzle to the advanced address.
        Value descA =
            descriptor(lb, xOffset, mb * kWgmmaM * kRowBytes + kk * 32);
        Value descB = descriptor(lb, wOffset, kk * 32);
        accs[mb] = NVVM::WgmmaMmaAsyncOp::create(
            lb, accs[mb].getType(), accs[mb], descA, descB,
            NVVM::MMAShapeAttr::get(ctx, kWgmmaM, config.tileN, 16),
            NVVM::WGMMATypesAttr::get(ctx, operandType),
            NVVM::WGMMATypesAttr::get(ctx, operandType),
            NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::f32),
            NVVM::WGMMAScaleOutAttr::get(ctx, NVVM::WGMMAScaleOut::one),
            NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one),
            NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one),
            // Both operands K-major: A row-major, B (= W) "col".
            NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::row),
            NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::col),
            NVVM::MMAIntOverflowAttr());
      }
  }

  /// One K step of tiles kTile .. kTile + tilesPerStep - 1: wait for their
  /// copies, dequantize them, refill the stages of the step two back with
  /// the tiles `ahead` further on, issue the MMAs as one group. Carries the
  /// accumulators, then `ahead` tiles' scales and zeros (oldest first).
  void buildKStep(ImplicitLocOpBuilder &lb, Value kTile, ValueRange carried,
                  Value prologueToken) {
    KernelEmitter le{lb, elemType};
    const int64_t perTile = scaleZerosPerTile();
    // The step's last tile's copies (this thread's) have landed once at
    // most ahead - tilesPerStep younger groups (one per tile) are pending.
    nvgpu::DeviceAsyncWaitOp::create(
        lb, prologueToken, lb.getI32IntegerAttr(ahead - tilesPerStep));
    SmallVector<Value> next;
    SmallVector<TileSlots> tiles;
    for (int64_t t = 0; t < tilesPerStep; ++t) {
      Value tile = le.add(kTile, le.index(t));
      llvm::append_range(next,
                         loadScaleZeros(lb, le.add(tile, le.index(ahead))));
      TileSlots slots{arith::RemUIOp::create(lb, tile, le.index(stages)),
                      arith::RemUIOp::create(
                          lb, tile, le.index(weightTileCount(config)))};
      dequantizeTile(lb, slots.stage, slots.wTile,
                     carried.slice(mBlocks + t * perTile, perTile));
      tiles.push_back(slots);
    }
    publishAndRefill(lb, kTile);
    SmallVector<Value> yielded =
        issueMmas(lb, tiles, carried.take_front(mBlocks));
    llvm::append_range(yielded,
                       carried.drop_front(mBlocks + tilesPerStep * perTile));
    llvm::append_range(yielded, next);
    scf::YieldOp::create(lb, yielded);
  }

  /// Orders this thread's generic-proxy writes (cp.async, st.shared)
  /// before the async proxy's wgmma reads (CODEGEN-NOTES P12).
  void fenceForAsyncProxy(ImplicitLocOpBuilder &lb) {
    NVVM::FenceProxyOp::create(
        lb, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
  }

  /// The step's stages to every thread (fence, barrier), then the copies of
  /// the tiles `ahead` on into the stages of the step two back.
  void publishAndRefill(ImplicitLocOpBuilder &lb, Value kTile) {
    KernelEmitter le{lb, elemType};
    fenceForAsyncProxy(lb);
    gpu::BarrierOp::create(lb);
    for (int64_t t = 0; t < tilesPerStep; ++t) {
      Value aheadTile = le.add(kTile, le.index(ahead + t));
      issueCopies(lb, aheadTile,
                  arith::RemUIOp::create(lb, aheadTile, le.index(stages)));
    }
  }

  /// Scales and zero points carried per K tile.
  int64_t scaleZerosPerTile() const { return 2 * int64_t(scaleSources.size()); }

  //===--- Weights as A (config.weightsAsA) ------------------------------===//
  //
  // Every thread copies like the kernel above, but no thread dequantizes
  // what it copied: after the step's barrier each reads, from the packed
  // stage, word lane mod 4 of both chunks of its fragment rows, and the
  // dequantized pairs are its A fragments of the tile's four k16 steps in
  // K's natural order (docs/artifact-format.md), so x's stage serves as B
  // unchanged. One group stays in flight across the next step, whose
  // fragments therefore go to the other of two register sets: the loop
  // runs two steps per iteration (stepsPerIteration), and a set is
  // written again only after the `wait_group 1` that retired its group.

  /// A loop iteration of stepsPerIteration steps, `stride` K tiles apart
  /// from kTile on: each `step` takes the values the previous one returned
  /// (the loop's carried values first); the last one's are yielded. Where
  /// the weights are A each step thus has its own fragment registers.
  void buildIteration(
      ImplicitLocOpBuilder &lb, Value kTile, ValueRange carried, int64_t stride,
      llvm::function_ref<SmallVector<Value>(Value, ValueRange)> step) {
    KernelEmitter le{lb, elemType};
    SmallVector<Value> state(carried.begin(), carried.end());
    for (int64_t s = 0; s < stepsPerIteration(config); ++s)
      state = step(le.add(kTile, le.index(s * stride)), state);
    scf::YieldOp::create(lb, state);
  }

  /// Step `kTile` where the weights are A: wait for the step's copies,
  /// publish them, refill the stages of the step two back, then per K
  /// tile load and dequantize the fragments and issue the MMAs as one
  /// group. Takes and returns what buildKStep carries.
  SmallVector<Value> buildRegisterAStep(ImplicitLocOpBuilder &lb, Value kTile,
                                        ValueRange carried,
                                        Value prologueToken) {
    KernelEmitter le{lb, elemType};
    const int64_t perTile = scaleZerosPerTile();
    nvgpu::DeviceAsyncWaitOp::create(
        lb, prologueToken, lb.getI32IntegerAttr(ahead - tilesPerStep));
    // Here the barrier also publishes the packed words to the threads that
    // read them, which are not those that copied them.
    publishAndRefill(lb, kTile);
    SmallVector<Value> next, tileStages;
    SmallVector<SmallVector<Value>> fragments;
    for (int64_t t = 0; t < tilesPerStep; ++t) {
      Value tile = le.add(kTile, le.index(t));
      llvm::append_range(next,
                         loadScaleZeros(lb, le.add(tile, le.index(ahead))));
      tileStages.push_back(arith::RemUIOp::create(lb, tile, le.index(stages)));
      fragments.push_back(
          loadFragments(lb, tileStages.back(),
                        carried.slice(mBlocks + t * perTile, perTile)));
    }
    SmallVector<Value> yielded = issueRegisterAMmas(
        lb, tileStages, fragments, carried.take_front(mBlocks));
    llvm::append_range(yielded,
                       carried.drop_front(mBlocks + tilesPerStep * perTile));
    llvm::append_range(yielded, next);
    return yielded;
  }

  /// The A fragments of the K tile in `stage`: per m64 block and k16 step
  /// s, four i32 of f16/bf16 pairs (rows g, g + 8 at K 16s + 2t, then at
  /// 16s + 8 + 2t), in the order wgmma's register A takes them.
  SmallVector<Value> loadFragments(ImplicitLocOpBuilder &lb, Value stage,
                                   ValueRange scaleZeros) {
    KernelEmitter le{lb, elemType};
    // pairs[i][c][j]: fragment row i, chunk c, pair j (K 8j + 2t of it).
    SmallVector<std::array<std::array<Value, 4>, 2>> pairs(fragRows.size());
    for (auto [i, row] : llvm::enumerate(fragRows))
      for (int64_t c = 0; c < 2; ++c) {
        Value word = memref::LoadOp::create(
            lb, packedStages,
            ValueRange{stage, row,
                       le.add(packedWord(lb, row, le.index(c)), fragWord)});
        int64_t source = i * chunkGroups() + (chunkGroups() == 2 ? c : 0);
        pairs[i][c] = le.dequantize(
            vector::FromElementsOp::create(
                lb, VectorType::get({1}, lb.getI32Type()), ValueRange{word}),
            scaleZeros[2 * source], scaleZeros[2 * source + 1]);
      }
    SmallVector<Value> regs;
    for (int64_t mb = 0; mb < mBlocks; ++mb)
      for (int64_t step = 0; step < kTileK / 16; ++step) {
        int64_t c = step / 2, j = 2 * (step % 2);
        for (int64_t half = 0; half < 2; ++half)
          for (int64_t r = 0; r < 2; ++r)
            regs.push_back(asWord(lb, pairs[2 * mb + r][c][j + half]));
      }
    return regs;
  }

  /// A vector<2 x elem> as the i32 register wgmma reads.
  Value asWord(ImplicitLocOpBuilder &lb, Value pair) {
    Value bits = vector::BitCastOp::create(
        lb, VectorType::get({1}, lb.getI32Type()), pair);
    return vector::ExtractOp::create(lb, bits, ArrayRef<int64_t>{0});
  }

  /// The step's wgmma group where the weights are A: per K tile, m64 block
  /// and k16 step one register-A wgmma reading x's stage as B.
  SmallVector<Value> issueRegisterAMmas(ImplicitLocOpBuilder &lb,
                                        ArrayRef<Value> tileStages,
                                        ArrayRef<SmallVector<Value>> fragments,
                                        ValueRange accumulators) {
    KernelEmitter le{lb, elemType};
    NVVM::WgmmaFenceAlignedOp::create(lb);
    SmallVector<Value> accs(accumulators.begin(), accumulators.end());
    for (auto [stage, regs] : llvm::zip(tileStages, fragments)) {
      Value xOffset = le.mul(stage, layout.xStageBytes);
      for (int64_t mb = 0; mb < mBlocks; ++mb)
        for (int64_t step = 0; step < kTileK / 16; ++step) {
          ArrayRef<Value> a = ArrayRef<Value>(regs).slice(
              (mb * (kTileK / 16) + step) * 4, 4);
          accs[mb] = registerAMma(lb, accs[mb], a,
                                  descriptor(lb, xOffset, step * 32));
        }
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(lb);
    NVVM::WgmmaWaitGroupSyncOp::create(lb, 1);
    return accs;
  }

  /// One `wgmma.mma_async` m64 x N x k16 with A in registers (inline PTX:
  /// MLIR 22 has no op for this form, CODEGEN-NOTES P10), accumulating
  /// into `acc`; B K-major through `descB`.
  Value registerAMma(ImplicitLocOpBuilder &lb, Value acc, ArrayRef<Value> a,
                     Value descB) {
    const int64_t n = wgmmaN(config), fields = n / 2;
    std::string d, constraints;
    for (int64_t f = 0; f < fields; ++f) {
      d += (f ? ", $" : "$") + std::to_string(f);
      constraints += "=f,";
    }
    constraints += "r,r,r,r,l";
    SmallVector<Value> operands(a.begin(), a.end());
    operands.push_back(descB);
    for (int64_t f = 0; f < fields; ++f) {
      constraints += "," + std::to_string(f);
      operands.push_back(
          LLVM::ExtractValueOp::create(lb, acc, ArrayRef<int64_t>{f}));
    }
    const char *type = shape.bf16 ? "bf16" : "f16";
    std::string ptx = llvm::formatv(
        "{{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n{0}k16.f32.{1}.{1} {{{2}}, "
        "{{${3}, ${4}, ${5}, ${6}}, ${7}, p, 1, 1, 0;\n}",
        n, type, d, fields, fields + 1, fields + 2, fields + 3, fields + 4);
    return LLVM::InlineAsmOp::create(
               lb, acc.getType(), operands, ptx, constraints,
               /*has_side_effects=*/true, /*is_align_stack=*/false,
               LLVM::tailcallkind::TailCallKind::None,
               /*asm_dialect=*/LLVM::AsmDialectAttr(),
               /*operand_attrs=*/ArrayAttr())
        .getResult(0);
  }

  /// Prologue (`ahead` tiles and their scales in flight, zero
  /// accumulators) and the K loop over this block's tiles.
  scf::ForOp buildKLoop() {
    Value prologueToken = issuePrologueCopies();
    SmallVector<Value> init = zeroAccumulators();
    llvm::append_range(init, prologueScaleZeros());
    const int64_t tilesPerIteration = tilesPerStep * stepsPerIteration(config);
    return scf::ForOp::create(b, e.index(0), kCount,
                              e.index(tilesPerIteration), init,
                              [&](OpBuilder &nested, Location nestedLoc,
                                  Value kTile, ValueRange carried) {
                                ImplicitLocOpBuilder lb(nestedLoc, nested);
                                buildKIteration(lb, kTile, carried,
                                                prologueToken);
                              });
  }

  /// One iteration of the K loop: a step, or where the weights are A
  /// stepsPerIteration register-A steps.
  void buildKIteration(ImplicitLocOpBuilder &lb, Value kTile,
                       ValueRange carried, Value prologueToken) {
    if (!config.weightsAsA)
      return buildKStep(lb, kTile, carried, prologueToken);
    buildIteration(lb, kTile, carried, tilesPerStep,
                   [&](Value tile, ValueRange state) {
                     return buildRegisterAStep(lb, tile, state, prologueToken);
                   });
  }

  /// The copies of the first `ahead` tiles; returns the last group's token.
  Value issuePrologueCopies() {
    Value token;
    for (int64_t t = 0; t < ahead; ++t)
      token = issueCopies(b, e.index(t), e.index(t));
    return token;
  }

  /// One zero f32 accumulator struct per m64 block.
  SmallVector<Value> zeroAccumulators() {
    SmallVector<Type> accFields(wgmmaN(config) / 2, b.getF32Type());
    auto accType = LLVM::LLVMStructType::getLiteral(ctx, accFields);
    SmallVector<Value> accs;
    for (int64_t mb = 0; mb < mBlocks; ++mb)
      accs.push_back(LLVM::ZeroOp::create(b, accType));
    return accs;
  }

  /// Scales and zero points travel `ahead` tiles ahead, like the copies:
  /// loaded one step ahead, their latency stalled every step's
  /// dequantization (H100: 0.6 us per K step on small grids).
  SmallVector<Value> prologueScaleZeros() {
    SmallVector<Value> values;
    for (int64_t t = 0; t < ahead; ++t)
      llvm::append_range(values, loadScaleZeros(b, e.index(t)));
    return values;
  }

  /// Waits for the copies still in flight (re-fetched tiles) before the
  /// thread exits.
  void drainCopies() {
    auto tokenType = nvgpu::DeviceAsyncTokenType::get(ctx);
    Value drained =
        nvgpu::DeviceAsyncCreateGroupOp::create(b, tokenType, ValueRange{});
    nvgpu::DeviceAsyncWaitOp::create(b, drained, b.getI32IntegerAttr(0));
  }

  /// After the loop: the last wgmma group, the drained copies, then the
  /// outputs (straight from registers, or through shared memory: summed
  /// across the cluster, or transposed where the weights are A).
  void finish(scf::ForOp loop) {
    NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
    // The next kernel may be scheduled once the K loop is done (see
    // GemmKernel.cpp).
    allowDependentLaunch(b, shape.gridDependencyControl);
    drainCopies();

    setUpOutputPositions(loop);
    if (stagesOutputs(config))
      storeThroughSharedTile();
    else
      storeFromRegisters();
    gpu::ReturnOp::create(b);
  }

  /// The loop's accumulators and where this thread's first one sits:
  /// accumulator 4j + 2r + c of a thread is at row 16 · (warp in group) +
  /// lane / 4 + 8r, column 8j + 2 · (lane mod 4) + c of its m64 block (the
  /// mma.sync m16n8 layout, repeated along N). Where the weights are A,
  /// rows are weight rows and columns tokens.
  void setUpOutputPositions(scf::ForOp loop) {
    accumulators = loop.getResults().take_front(mBlocks);
    threadRow =
        e.add(groupRow0, e.add(e.mul(warpInGroup, 16),
                               arith::DivUIOp::create(b, lane, e.index(4))));
    threadCol = e.mul(arith::RemUIOp::create(b, lane, e.index(4)), 2);
  }

  //===--- Warp specialisation (config.warpSpecialized) -----------------===//
  //
  // Warpgroups 0..warpgroups-1 consume, the last one produces. Stage s has
  // a "full" mbarrier (the producer's 128 threads arrive once tile k's
  // activations have landed and its weights are dequantized into weight
  // tile s = k mod stages) and an "empty" one (every consumer thread
  // arrives once its wgmma group reading the stage has completed). Use u
  // of a barrier completes its phase u, so waiters wait for parity u mod 2;
  // a fresh barrier counts its phase -1 (parity 1) as complete, which lets
  // the producer's first round through without a wait.

  /// The address of full barrier `stage` (empty: stage + stages; the
  /// last one, 2 · stages, is released but never waited on).
  Value barrierAt(ImplicitLocOpBuilder &ib, Value index) {
    return LLVM::GEPOp::create(
        ib, barrierBase.getType(), i64(), barrierBase,
        ValueRange{arith::IndexCastOp::create(ib, i64(), index)});
  }
  Value fullBarrier(ImplicitLocOpBuilder &ib, Value stage) {
    return barrierAt(ib, stage);
  }
  Value emptyBarrier(ImplicitLocOpBuilder &ib, Value stage) {
    KernelEmitter ie{ib, elemType};
    return barrierAt(ib, ie.add(stage, ie.index(stages)));
  }
  Value drainedBarrier(ImplicitLocOpBuilder &ib) {
    KernelEmitter ie{ib, elemType};
    return barrierAt(ib, ie.index(2 * stages + 1));
  }

  /// Waits until barrier `address` has completed its use `use` (an index;
  /// only its parity counts).
  void waitForUse(ImplicitLocOpBuilder &ib, Value address, Value use) {
    Value parity = arith::IndexCastOp::create(
        ib, i32(),
        arith::AndIOp::create(ib, use, arith::ConstantIndexOp::create(ib, 1)));
    // Suspend-time hint (ns): the thread wakes when the phase completes.
    Value ticks = arith::ConstantOp::create(ib, ib.getI32IntegerAttr(1000000));
    NVVM::MBarrierTryWaitParityOp::create(ib, address, parity, ticks);
  }

  void arrive(ImplicitLocOpBuilder &ib, Value address) {
    NVVM::MBarrierArriveOp::create(ib, Type(), address, Value());
  }

  /// The barriers live after the packed stages; thread 0 initialises them
  /// and the block barrier publishes that to every thread.
  void setUpBarriers() {
    Value address =
        arith::AddIOp::create(b, sharedBase, i64Const(b, layout.barrierOffset));
    barrierBase = LLVM::IntToPtrOp::create(
        b, LLVM::LLVMPointerType::get(ctx, 3), address);
    auto first = scf::IfOp::create(
        b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, e.index(0)),
        /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(first.thenBlock());
      Value producers =
          arith::ConstantOp::create(b, b.getI32IntegerAttr(copyThreads));
      Value consumers =
          arith::ConstantOp::create(b, b.getI32IntegerAttr(threads));
      for (int64_t st = 0; st < stages; ++st)
        NVVM::MBarrierInitOp::create(b, fullBarrier(b, e.index(st)), producers,
                                     Value());
      for (int64_t st = 0; st <= stages; ++st)
        NVVM::MBarrierInitOp::create(b, emptyBarrier(b, e.index(st)), consumers,
                                     Value());
      if (config.weightsAsA)
        NVVM::MBarrierInitOp::create(b, drainedBarrier(b), producers, Value());
    }
    gpu::BarrierOp::create(b);
  }

  /// Barriers, then the producer and consumer warpgroups' programs. The
  /// producer ends in `exit`, so the two paths never join again: LLVM
  /// merged their returns, and across that join ptxas ignored setmaxnreg
  /// while it was tried (buildProducer says why it is not used).
  void buildSpecialized() {
    setUpBarriers();
    Region &body = *b.getInsertionBlock()->getParent();
    Block *producer = b.createBlock(&body, body.end());
    Block *consumer = b.createBlock(&body, body.end());
    b.setInsertionPointToEnd(&body.front());
    cf::CondBranchOp::create(b,
                             arith::CmpIOp::create(b, arith::CmpIPredicate::uge,
                                                   tid, e.index(threads)),
                             producer, consumer);
    std::optional<RegisterSplit> split = registerSplit();
    b.setInsertionPointToStart(producer);
    if (split)
      NVVM::SetMaxRegisterOp::create(b, split->producer,
                                     NVVM::SetMaxRegisterAction::decrease);
    buildProducer();
    // `exit`, not a return that LLVM would merge with the consumers'.
    NVVM::Exit::create(b);
    gpu::ReturnOp::create(b);
    b.setInsertionPointToStart(consumer);
    if (split)
      NVVM::SetMaxRegisterOp::create(b, split->consumer,
                                     NVVM::SetMaxRegisterAction::increase);
    buildConsumer();
    gpu::ReturnOp::create(b);
  }

  /// Registers per thread after `setmaxnreg` in the producer and consumer
  /// warpgroups.
  struct RegisterSplit {
    int32_t producer, consumer;
  };

  /// Where the weights are A the producer only copies, so it can hand
  /// registers to the consumers (accumulators of 64 weight rows by up to
  /// 256 tokens). `setmaxnreg.inc` draws on the block's own pool, the
  /// registers it launched with: every thread starts at 64K / block
  /// threads rounded down to a multiple of 8 (the launch bound), so the
  /// producer keeps kProducerRegisters and the consumers get what that
  /// frees, in multiples of 8 (asking for more would wait forever). None
  /// where that gains nothing (four consumers), with one consumer (256
  /// threads get 255 registers anyway) or without `xt` (the dequantizing
  /// producer spilled at 104, buildProducer). 96 (two consumers: 200
  /// each): the copying producer spilled at 56 and 88 (ptxas 13.0, 256x128
  /// tile: 240 and 24 bytes), at 96 neither role does, where without
  /// setmaxnreg the consumers spilled 74-130 bytes.
  std::optional<RegisterSplit> registerSplit() const {
    if (!config.weightsAsA || config.warpgroups < 2)
      return std::nullopt;
    constexpr int64_t kProducerRegisters = 96;
    const int64_t blockThreads = blockThreadCount(config);
    const int64_t start = std::min<int64_t>(65536 / blockThreads / 8 * 8, 256);
    const int64_t pool = start * blockThreads;
    const int64_t consumer = std::min<int64_t>(
        (pool - kWarpgroupThreads * kProducerRegisters) / threads / 8 * 8, 256);
    if (consumer <= start || kProducerRegisters >= start)
      return std::nullopt;
    return RegisterSplit{int32_t(kProducerRegisters), int32_t(consumer)};
  }

  /// The producer: `ahead` tiles in flight, then per K tile: dequantize
  /// (unless the weights are A), hand over, refill the stage the consumers
  /// released last. No setmaxnreg where it dequantizes: the consumers fit
  /// in the 168 registers a thread of 384 gets, while the producer, which
  /// keeps its copies' addresses in registers, still spilled at 104.
  void buildProducer() {
    Value prologueToken = issuePrologueCopies();
    // Where the weights are A the consumers dequantize (and load scales).
    SmallVector<Value> init =
        config.weightsAsA ? SmallVector<Value>() : prologueScaleZeros();
    scf::ForOp::create(b, e.index(0), specializedTileCount(), e.index(1), init,
                       [&](OpBuilder &nested, Location nestedLoc, Value kTile,
                           ValueRange carried) {
                         ImplicitLocOpBuilder lb(nestedLoc, nested);
                         buildProducerStep(lb, kTile, carried, prologueToken);
                       });
    allowDependentLaunch(b, shape.gridDependencyControl);
    drainCopies();
    // The stages are free for the consumers' output tile.
    if (config.weightsAsA)
      arrive(b, drainedBarrier(b));
  }

  /// Producer step `kTile`: its copies (this thread's) have landed once at
  /// most ahead - 1 younger groups are pending; dequantize into weight
  /// tile `stage`, publish the stage, then wait for the consumers to
  /// release tile kTile - 1's stage and load tile kTile + ahead into it.
  void buildProducerStep(ImplicitLocOpBuilder &lb, Value kTile,
                         ValueRange carried, Value prologueToken) {
    KernelEmitter le{lb, elemType};
    Value stage = arith::RemUIOp::create(lb, kTile, le.index(stages));
    nvgpu::DeviceAsyncWaitOp::create(lb, prologueToken,
                                     lb.getI32IntegerAttr(ahead - 1));
    Value aheadTile = le.add(kTile, le.index(ahead));
    SmallVector<Value> next;
    if (!config.weightsAsA) {
      next = loadScaleZeros(lb, aheadTile);
      dequantizeTile(lb, stage, stage, carried.take_front(2 * wChunks));
    }
    // The consumers' wgmma reads what cp.async and st.shared wrote.
    fenceForAsyncProxy(lb);
    arrive(lb, fullBarrier(lb, stage));
    // Tile aheadTile - stages last used the stage: wait for its release,
    // use aheadTile / stages - 1 of the barrier (+ 2 instead of - 1: the
    // same parity, and for the first round the fresh barrier's use -1).
    Value aheadStage = arith::RemUIOp::create(lb, aheadTile, le.index(stages));
    waitForUse(lb, emptyBarrier(lb, aheadStage),
               le.add(arith::DivUIOp::create(lb, aheadTile, le.index(stages)),
                      le.index(1)));
    issueCopies(lb, aheadTile, aheadStage);
    SmallVector<Value> yielded(carried.drop_front(next.size()));
    llvm::append_range(yielded, next);
    scf::YieldOp::create(lb, yielded);
  }

  /// The consumers: per K tile, wait for its stage, issue the wgmma group,
  /// release the previous tile's stage (stepsPerIteration tiles per
  /// iteration); then store the outputs.
  void buildConsumer() {
    SmallVector<Value> init = zeroAccumulators();
    if (config.weightsAsA)
      llvm::append_range(init, prologueScaleZeros());
    auto loop = scf::ForOp::create(
        b, e.index(0), specializedTileCount(),
        e.index(stepsPerIteration(config)), init,
        [&](OpBuilder &nested, Location nestedLoc, Value kTile,
            ValueRange carried) {
          ImplicitLocOpBuilder lb(nestedLoc, nested);
          buildIteration(lb, kTile, carried, 1,
                         [&](Value tile, ValueRange state) {
                           return buildConsumerStep(lb, tile, state);
                         });
        });
    NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
    allowDependentLaunch(b, shape.gridDependencyControl);
    setUpOutputPositions(loop);
    if (!config.weightsAsA)
      return storeFromRegisters();
    // Its only use: the producer's copies have all landed.
    waitForUse(b, drainedBarrier(b), e.index(0));
    storeThroughSharedTile();
  }

  SmallVector<Value> buildConsumerStep(ImplicitLocOpBuilder &lb, Value kTile,
                                       ValueRange carried) {
    KernelEmitter le{lb, elemType};
    Value stage = arith::RemUIOp::create(lb, kTile, le.index(stages));
    waitForUse(lb, fullBarrier(lb, stage),
               arith::DivUIOp::create(lb, kTile, le.index(stages)));
    SmallVector<Value> next;
    SmallVector<Value> accs =
        config.weightsAsA
            ? issueConsumerRegisterAMmas(lb, kTile, stage, carried, next)
            : issueMmas(lb, {{stage, stage}}, carried);
    // wait_group 1 in issueMmas: tile kTile - 1's group has completed, so
    // its stage may be refilled. Tile 0 releases the spare barrier instead
    // of branching: with a branch here ptxas serialised the wgmma
    // instructions (C7520, "WG.AR in divergent path").
    Value previous = arith::RemUIOp::create(
        lb, le.add(kTile, le.index(stages - 1)), le.index(stages));
    Value released = arith::SelectOp::create(
        lb,
        arith::CmpIOp::create(lb, arith::CmpIPredicate::eq, kTile, le.index(0)),
        le.index(stages), previous);
    arrive(lb, emptyBarrier(lb, released));
    llvm::append_range(accs, next);
    return accs;
  }

  /// A consumer's MMAs of tile `kTile` where the weights are A: its
  /// fragments from the published stage, scaled by the carried scales of
  /// the tile; `next` gets tile kTile + ahead's scales, so that the loop
  /// carries the accumulators, then `ahead` tiles' scales (oldest first).
  SmallVector<Value> issueConsumerRegisterAMmas(ImplicitLocOpBuilder &lb,
                                                Value kTile, Value stage,
                                                ValueRange carried,
                                                SmallVector<Value> &next) {
    KernelEmitter le{lb, elemType};
    const int64_t perTile = scaleZerosPerTile();
    SmallVector<Value> fragments =
        loadFragments(lb, stage, carried.slice(mBlocks, perTile));
    SmallVector<Value> accs =
        issueRegisterAMmas(lb, {stage}, {fragments}, carried.take_front(mBlocks));
    llvm::append_range(next, carried.drop_front(mBlocks + perTile));
    llvm::append_range(next,
                       loadScaleZeros(lb, le.add(kTile, le.index(ahead))));
    return accs;
  }

  /// Accumulator 4j + 2r + c of m64 block `mb`.
  Value accumulator(int64_t mb, int64_t j, int64_t r, int64_t c) {
    return LLVM::ExtractValueOp::create(b, accumulators[mb],
                                        ArrayRef<int64_t>{4 * j + 2 * r + c});
  }

  /// Stores f32 `values` (consecutive columns from `col`, bias added,
  /// rounded to the element type) to y[row, col...], skipping those past M
  /// or N. Pairs and quads go as one store where N's parity allows.
  void storeOutputs(Value row, Value col, ArrayRef<Value> values) {
    const int64_t n = shape.n, count = int64_t(values.size());
    SmallVector<Value> rounded;
    for (int64_t c = 0; c < count; ++c) {
      Value v = values[c];
      if (args->bias)
        v = arith::AddFOp::create(
            b, v, e.biasAt(args->bias, e.add(col, e.index(c)), n));
      rounded.push_back(arith::TruncFOp::create(b, elemType, v));
    }
    Value rowValid = e.ult(row, m);
    // Columns start at a multiple of `count`: with N a multiple of it, the
    // whole run is in range or none of it is.
    if (n % count == 0) {
      auto ifOp = scf::IfOp::create(
          b, arith::AndIOp::create(b, e.ult(col, e.index(n)), rowValid),
          /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value run = vector::FromElementsOp::create(
          b, VectorType::get({count}, elemType), rounded);
      vector::StoreOp::create(b, run, args->y, ValueRange{row, col},
                              /*nontemporal=*/false,
                              llvm::MaybeAlign(2 * count));
      return;
    }
    for (int64_t c = 0; c < count; ++c) {
      Value colC = e.add(col, e.index(c));
      auto ifOp = scf::IfOp::create(
          b, arith::AndIOp::create(b, e.ult(colC, e.index(n)), rowValid),
          /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      memref::StoreOp::create(b, rounded[c], args->y, ValueRange{row, colC});
    }
  }

  /// One block holds the whole K sum: each thread stores its accumulator
  /// pairs straight from registers. (Not where the weights are A: their
  /// registers hold yᵀ, which goes through shared memory, stagesOutputs.)
  void storeFromRegisters() {
    for (int64_t j = 0; j < config.tileN / 8; ++j) {
      Value col = e.add(e.add(blockN0, e.index(8 * j)), threadCol);
      for (int64_t mb = 0; mb < mBlocks; ++mb)
        for (int64_t r = 0; r < 2; ++r) {
          Value row =
              e.add(e.add(blockM0, threadRow), e.index(mb * kWgmmaM + 8 * r));
          storeOutputs(row, col,
                       {accumulator(mb, j, r, 0), accumulator(mb, j, r, 1)});
        }
    }
  }

  /// This block's f32 partial tile into `partial` [tileM tokens, pitch]:
  /// accumulator pairs, or single accumulators transposed where the
  /// weights are A.
  void writePartialTile(Value partial) {
    Type f32 = b.getF32Type();
    for (int64_t j = 0; j < wgmmaN(config) / 8; ++j)
      for (int64_t mb = 0; mb < mBlocks; ++mb)
        for (int64_t r = 0; r < 2; ++r) {
          Value row = e.add(threadRow, e.index(mb * kWgmmaM + 8 * r));
          Value col = e.add(threadCol, e.index(8 * j));
          if (config.weightsAsA) {
            for (int64_t c = 0; c < 2; ++c)
              memref::StoreOp::create(b, accumulator(mb, j, r, c), partial,
                                      ValueRange{e.add(col, e.index(c)), row});
            continue;
          }
          Value pair = vector::FromElementsOp::create(
              b, VectorType::get({2}, f32),
              ValueRange{accumulator(mb, j, r, 0), accumulator(mb, j, r, 1)});
          vector::StoreOp::create(b, pair, partial, ValueRange{row, col});
        }
  }

  /// Outputs through shared memory: the f32 tile goes to this block's
  /// shared memory (over the drained stages), then rank `rank` of the
  /// split-K cluster sums its slice of the tile over all ranks (rank order;
  /// the whole tile from this block alone without split) 16 bytes at a
  /// time and stores it. Without split this is for the weights-as-A tile,
  /// whose registers hold yᵀ: the slice's stores are then runs of four
  /// outputs instead of single elements. In the warp-specialised kernel
  /// only the consumers run this, after the producer's copies drained.
  void storeThroughSharedTile() {
    const bool cluster = config.splitK > 1;
    // Every warpgroup's wgmma reads of the stages are over (wait_group 0).
    outputTileBarrier();
    auto partialType = MemRefType::get(
        {config.tileM, layout.partialPitch}, b.getF32Type(),
        MemRefLayoutAttrInterface{},
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
    Value partial = dynamicSharedView(b, module, partialType, 0).first;
    writePartialTile(partial);
    // Arrive releases this block's partial tile, wait acquires the others'.
    if (cluster)
      clusterBarrier();
    else
      outputTileBarrier();
    sumAndStoreSlice(partialTileBases(partial));
    // No block may exit while another still reads its shared memory.
    if (cluster)
      clusterBarrier();
  }

  /// Every thread of the cluster arrives, then waits for all the others.
  void clusterBarrier() {
    NVVM::ClusterArriveOp::create(b, /*aligned=*/b.getUnitAttr());
    NVVM::ClusterWaitOp::create(b, /*aligned=*/b.getUnitAttr());
  }

  /// A barrier among the threads that hold outputs: all of the block's, or
  /// the consumers' alone (named barrier 1) where the producer has exited.
  void outputTileBarrier() {
    if (!config.warpSpecialized) {
      gpu::BarrierOp::create(b);
      return;
    }
    NVVM::BarrierOp::create(
        b, Type(), arith::ConstantOp::create(b, b.getI32IntegerAttr(1)),
        arith::ConstantOp::create(b, b.getI32IntegerAttr(int32_t(threads))),
        NVVM::BarrierReductionAttr(), Value());
  }

  /// Generic addresses of the partial tile `partial` in every rank of the
  /// cluster (mapa), or of this block's alone without split.
  SmallVector<Value> partialTileBases(Value partial) {
    auto genericPtr = LLVM::LLVMPointerType::get(ctx);
    Value sharedPtr = LLVM::IntToPtrOp::create(
        b, LLVM::LLVMPointerType::get(ctx, 3), sharedAddress(partial));
    Value local = LLVM::AddrSpaceCastOp::create(b, genericPtr, sharedPtr);
    if (config.splitK == 1)
      return {local};
    SmallVector<Value> rankBases;
    for (int64_t q = 0; q < config.splitK; ++q)
      rankBases.push_back(NVVM::MapaOp::create(
          b, genericPtr, local,
          arith::ConstantOp::create(b, b.getI32IntegerAttr(q))));
    return rankBases;
  }

  /// This rank's slice of the tile: each 16-byte quad summed over `bases`
  /// in order, then stored.
  void sumAndStoreSlice(ArrayRef<Value> bases) {
    const int64_t pitch = layout.partialPitch, tileN = config.tileN;
    Type f32 = b.getF32Type();
    auto genericPtr = LLVM::LLVMPointerType::get(ctx);
    const int64_t quadsPerRank = config.tileM * tileN / 4 / config.splitK;
    auto quadType = VectorType::get({4}, f32);
    for (int64_t i = 0; i < quadsPerRank / threads; ++i) {
      Value quad =
          e.add(e.mul(rank, quadsPerRank), e.add(tid, e.index(i * threads)));
      Value row = arith::DivUIOp::create(b, quad, e.index(tileN / 4));
      Value col = e.mul(arith::RemUIOp::create(b, quad, e.index(tileN / 4)), 4);
      Value element = arith::IndexCastOp::create(b, b.getI64Type(),
                                                 e.add(e.mul(row, pitch), col));
      Value sum;
      for (Value base : bases) {
        Value address =
            LLVM::GEPOp::create(b, genericPtr, f32, base, ValueRange{element});
        Value part =
            LLVM::LoadOp::create(b, quadType, address, /*alignment=*/16);
        sum = sum ? arith::AddFOp::create(b, sum, part).getResult() : part;
      }
      SmallVector<Value> values;
      for (int64_t c = 0; c < 4; ++c)
        values.push_back(
            vector::ExtractOp::create(b, sum, ArrayRef<int64_t>{c}));
      storeOutputs(e.add(blockM0, row), e.add(blockN0, col), values);
    }
  }

  const int64_t stages, ahead, tilesPerStep, threads, copyThreads, groupRows,
      mBlocks;
  const int64_t numKTiles;
  const int64_t xCopies, wChunks;
  const WgmmaShared layout;

  Value xStages, elemBase, wTiles, packedStages;
  Value tid, copyTid, lane, warpInGroup, groupRow0, blockN0, blockM0, m, lastM;
  Value rank, kBegin, kCount, kLast;
  /// The dynamic shared memory's base address (i64) and the wgmma matrix
  /// descriptor of it.
  Value sharedBase, descriptorBase;
  /// The warp-specialised kernel's mbarriers (a shared-space pointer).
  Value barrierBase;
  /// The epilogue's: the loop's accumulator structs (one per m64 block) and
  /// the tile row and column of this thread's first accumulator.
  ValueRange accumulators;
  Value threadRow, threadCol;
  SmallVector<Value> wRows, wRowsGlobal, wHalves;
  /// Where the weights are A: the word of each chunk this thread reads
  /// (lane mod 4) and its fragment rows (setUpFragmentRows).
  Value fragWord;
  SmallVector<Value> fragRows, fragRowsGlobal;
  /// A weight row (clamped, global) and a K offset in the tile whose group
  /// this thread needs the scale and zero point of, per K tile.
  struct ScaleSource {
    Value row, kOffset;
  };
  SmallVector<ScaleSource> scaleSources;
};
} // namespace

KernelLaunch awq::buildWgmmaKernel(OpBuilder &builder, Location loc,
                                   gpu::GPUModuleOp module, StringRef name,
                                   const LinearShape &shape,
                                   const WgmmaConfig &config) {
  return WgmmaKernelBuilder(builder, loc, module, shape, config).build(name);
}
