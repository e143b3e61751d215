//===- KernelSelection.cpp - which kernel serves which M -------------------===//
//
// The policy side of kernel choice (the mechanism is KernelFamilies.cpp):
// default kernels per M range for a shape, each rule tagged (V1-V3 GEMV,
// S1-S4 stream, G1-G4 mma.sync GEMM, W1-W7 wgmma) with the measurements
// behind it in docs/perf.md, "Default kernels"; the --gemm-tiles /
// --gemv-tile overrides and tuning tables.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelSelection.h"
#include "codegen/KernelEmitter.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::awq;

namespace {
/// The first M tensor cores serve by default; M = 1 is the GEMV's.
constexpr int64_t kDefaultGemmMin = 2;
/// The first M a --gemm-tiles override may start at without also
/// covering the GEMV's M = 2..4 variants.
constexpr int64_t kLatestGemmMin = 5;
/// The largest M the stream kernel serves by default.
constexpr int64_t kStreamMax = 32;

bool isTensorCoreGemm(const KernelChoice &choice) {
  return !std::holds_alternative<StreamConfig>(choice.config);
}
} // namespace

/// Shared-memory GEMM tiles (M above the stream kernel's range) grow with
/// M. Up to M = 64 narrow N tiles give many blocks, and the warps of a
/// block split a wide K tile (split-K, partial sums added in shared
/// memory). Above, larger tiles amortize each weight tile's dequantization
/// and shared-memory traffic over more rows of x; 64x64 warp tiles win
/// there, but spill when a short K loop is unrolled completely. Each range
/// lists candidates in order of preference; the first that fits the shape
/// is used. Double-buffering the dequantized weight tile saves a barrier
/// per K step where its shared memory fits. The measurements behind each
/// rule: docs/perf.md, "Default kernels" (rules G1-G4).
static SmallVector<std::pair<std::pair<int64_t, int64_t>,
                             SmallVector<GemmConfig>>>
defaultGemmCandidates(const LinearShape &shape) {
  // Register dequantization: tileM x tileN, warpsM x warpsN x warpsK,
  // `stages` cp.async buffers, K tile 32 · kChunks.
  auto inRegisters = [](int64_t tileM, int64_t tileN, int64_t warpsM,
                        int64_t warpsN, int64_t stages, int64_t kChunks,
                        int64_t warpsK) {
    GemmConfig config{tileM, tileN, warpsM, warpsN, stages};
    config.kChunks = kChunks;
    config.warpsK = warpsK;
    config.dequantInRegisters = true;
    return config;
  };
  bool longK = shape.k >= 1024;
  GemmConfig tile32 = {32, 32, 1, 1, 2, 1, 4, 4};
  GemmConfig tile32k64 = {32, 32, 1, 1, 2, 1, 2, 4};
  GemmConfig tile64 = {64, 32, 2, 1, 3, 1, 2, 2};
  GemmConfig wide64 = {64, 128, 2, 4, 2, 1, 2, 1};
  SmallVector<GemmConfig> mid = {GemmConfig{64, 64, 2, 2, 3}};
  if (longK)
    mid.insert(mid.begin(), {wide64, GemmConfig{64, 128, 2, 2, 3}});
  // 64-wide K tiles, 8 warps, three stages in 104 KiB of dynamic shared
  // memory: only where N gives enough blocks (G2).
  GemmConfig big128 = {128, 128, 4, 2, 3, 1, 2, 1, /*doubleBufferW=*/true};
  if (shape.n >= 8192)
    mid.insert(mid.begin(), big128);
  // 256 x 128 in 160 KiB; its 64x64 warp tiles spill when a short K loop
  // is unrolled completely, hence K >= 1024 only (G3).
  GemmConfig big256 = {256, 128, 4, 2, 3, 1, 2, 1, /*doubleBufferW=*/true};
  // Up to M = 64 register dequantization wins; above, the shared
  // dequantized tile amortizes each weight's dequantization over more rows
  // (G4).
  return {{{kStreamMax + 1, 64},
           {inRegisters(32, 64, 1, 2, 3, 2, 2), inRegisters(32, 32, 1, 1, 4, 1, 1),
            tile32, tile32k64, tile64, GemmConfig{32, 64, 2, 2, 3}}},
          {{65, 256}, mid},
          {{257, kMaxM},
           {longK ? big256 : big128, big128,
            longK ? GemmConfig{128, 128, 2, 2, 2, 1, 1, 1, true}
                  : GemmConfig{128, 128, 4, 2, 3},
            GemmConfig{128, 128, 4, 2, 3}}}};
}

/// The SMs the block-count rules fill (H100 and H200 have 132).
constexpr int64_t kSMs = 132;

/// Shared memory an SM gives its blocks (H100, H200: 228 KiB, 1 KiB of it
/// reserved per block).
constexpr int64_t kSharedBytesPerSM = 228 * 1024;

/// Blocks of a tile with two per SM that ran as one co-resident wave when
/// split over clusters: 56 x 4 did, 64 x 4 did not (docs/perf.md, W3).
constexpr int64_t kCoResidentWave = 224;

/// Blocks that each fill an SM and ran as one wave in clusters of four:
/// 96 did, 128 took two waves' time (the GPCs' SM counts are not multiples
/// of four; docs/perf.md, W4).
constexpr int64_t kClusterOf4Wave = 96;

/// The least share of K a split-K block gets (W3, W4).
constexpr int64_t kMinSplitShare = 1024;

/// The large-M tile: 256x128, two warpgroups, four stages (W4).
constexpr WgmmaConfig kLargeMTile{256, 128, 2, 4};

/// Blocks of `config`'s grid at M = `m`, its split-K clusters included.
static int64_t gridBlocks(const LinearShape &shape, const WgmmaConfig &config,
                          int64_t m) {
  return llvm::divideCeil(m, config.tileM) *
         llvm::divideCeil(shape.n, config.tileN) * config.splitK;
}

/// Stages and K tiles per step of W5's deep pipeline (128 KiB at 64x64).
constexpr int64_t kDeepStages = 8, kDeepTilesPerStep = 2;

/// Whether two blocks of `config` fit one SM's shared memory.
static bool twoBlocksPerSM(const LinearShape &shape, const WgmmaConfig &config) {
  return 2 * (wgmmaLaunch(shape, config).sharedBytes + 1024) <=
         kSharedBytesPerSM;
}

/// `config` with K split over a cluster of blocks where its grid at M =
/// `mTop` leaves SMs idle (W3): the largest split (at most 8, each block's
/// share of K at least 1024) whose grid fits one wave. Tiles of which two
/// blocks fit an SM also take a second, co-resident wave: up to 224 blocks
/// (56 x 4 ran as one wave, 64 x 4 did not), or 264 where each share spans
/// 4096 of K, whose long loop outweighs the second wave. The
/// measurements: docs/perf.md, "Default kernels".
static WgmmaConfig withSplitK(const LinearShape &shape, WgmmaConfig config,
                              int64_t mTop) {
  int64_t blocks = gridBlocks(shape, config, mTop);
  bool coResident = twoBlocksPerSM(shape, config);
  for (int64_t split = 8; split > 1; split /= 2) {
    int64_t share = shape.k / split;
    bool oneWave = blocks * split <= kSMs;
    bool lightSecondWave =
        coResident && (blocks * split <= kCoResidentWave ||
                       (share >= 4096 && blocks * split <= 2 * kSMs));
    if (share < kMinSplitShare || !(oneWave || lightSecondWave))
      continue;
    WgmmaConfig splitConfig = config;
    splitConfig.splitK = split;
    if (checkWgmmaSupport(shape, splitConfig).empty())
      return splitConfig;
  }
  return config;
}

/// `config` with eight stages and two K tiles per pipeline step where its
/// grid at M = `mTop` fits one wave at one block per SM (W5): there the
/// small one-warpgroup tiles wait on each step's copies and barrier, and
/// twice the work per step with four tiles in flight took 0.83-0.92x the
/// time on every such shape measured (docs/perf.md, "Session 10"). Grids
/// that need two blocks per SM keep the shallower pipeline that fits two
/// (3584x4608 at M = 64: 17.7 -> 21.2 us deepened).
static WgmmaConfig deepened(const LinearShape &shape, WgmmaConfig config,
                            int64_t mTop) {
  if (config.warpgroups != 1 || config.tileN != 64 ||
      gridBlocks(shape, config, mTop) > kSMs)
    return config;
  WgmmaConfig deep = config;
  deep.stages = kDeepStages;
  deep.tilesPerStep = kDeepTilesPerStep;
  return checkWgmmaSupport(shape, deep).empty() ? deep : config;
}

/// Appends `choice` to `ranges`, which end at choice.mMin - 1, extending
/// the last range instead where it has the same kernel.
static void appendMerging(SmallVector<KernelChoice> &ranges,
                          const KernelChoice &choice) {
  if (!ranges.empty() && formatKernelSpec(ranges.back().config) ==
                             formatKernelSpec(choice.config))
    ranges.back().mMax = choice.mMax;
  else
    ranges.push_back(choice);
}

/// Blocks per wave for a grid of clusters of `split` blocks that each take
/// a whole SM: clusters of four or more do not pack the GPCs fully.
static int64_t blocksPerWave(int64_t split) {
  return split <= 2 ? kSMs : kClusterOf4Wave;
}

/// W4's estimate of the time of `config` at M = `m`, in units of one
/// 64-row x 128 x 64 MMA step: waves times each block's K loop (plus a
/// pipeline fill of three steps) times its tile, where a 128-row tile
/// does a row's work 1.25x slower than a 256-row one (the session 9 sweep
/// at M = 4096: 0.79-0.86x the 256x128 tile's speed).
static double estimatedSteps(const LinearShape &shape,
                             const WgmmaConfig &config, int64_t m) {
  int64_t waves = llvm::divideCeil(gridBlocks(shape, config, m),
                                   blocksPerWave(config.splitK));
  double kSteps = double(shape.k) / (64 * config.splitK) + 3;
  double rowCost = config.tileM >= 256 ? 1.0 : 1.25;
  return waves * kSteps * (config.tileM / 64) * rowCost;
}

/// The large-M tile for the M range ending at `mTop` (W4): of the 256x128
/// and 128x128 two-warpgroup tiles, each unsplit or split over 2, 4 or 8
/// blocks (shares of at least 1024 of K), the one of least estimated time;
/// ties go to the smaller split, then the larger tile. The unsplit 256x128
/// tile stays unless the estimate saves at least 10%: within that the
/// estimate is no guide (held-out 8192x3072 and 3072x3072 at M = 1024 ran
/// 11-13% slower with the 128x128 split it favoured by 1-4%).
static WgmmaConfig largeMTile(const LinearShape &shape, int64_t mTop) {
  const double unsplitSteps = estimatedSteps(shape, kLargeMTile, mTop);
  WgmmaConfig best = kLargeMTile;
  double bestSteps = unsplitSteps;
  for (int64_t split : {1, 2, 4, 8})
    for (int64_t tileM : {256, 128}) {
      WgmmaConfig config{tileM, 128, 2, 4};
      config.splitK = split;
      if (shape.k / split < kMinSplitShare ||
          !checkWgmmaSupport(shape, config).empty())
        continue;
      double steps = estimatedSteps(shape, config, mTop);
      if (steps < bestSteps) {
        best = config;
        bestSteps = steps;
      }
    }
  return bestSteps <= 0.9 * unsplitSteps ? best : kLargeMTile;
}

/// `tile` with the weights as register A where that form serves `shape`,
/// else `fallback`: f16 activations only (W6, W7; bf16 is unmeasured, and
/// its dequantization made the 256x128 tile spill, ptxas 13.0).
static WgmmaConfig registerAFormOr(const LinearShape &shape, WgmmaConfig tile,
                                   const WgmmaConfig &fallback) {
  if (shape.bf16)
    return fallback;
  tile.weightsAsA = true;
  return checkWgmmaSupport(shape, tile).empty() ? tile : fallback;
}

/// The first M from which the unsplit 256x128 tile takes the weights as
/// register A (W6): measured at M = 1024 and 4096 (H100, docs/perf.md
/// "Session 13": 1.11-1.33x the shared-memory-A tile on every shape where
/// W4 kept it unsplit); below, unmeasured.
constexpr int64_t kRegisterAMinM = 513;

/// W4's tile for a range starting at `mMin`, in its register-A form where
/// W6 applies: the unsplit 256x128 tile (split tiles are W4's answer to
/// grids short of a wave, which the register-A tile did not help:
/// 4096x1024 at M = 1024, 0.82x).
static WgmmaConfig withRegisterA(const LinearShape &shape, WgmmaConfig config,
                                 int64_t mMin) {
  if (mMin < kRegisterAMinM || config.splitK != 1 ||
      config.tileM != kLargeMTile.tileM || config.tileN != kLargeMTile.tileN)
    return config;
  return registerAFormOr(shape, config, config);
}

/// Blocks of 128 columns of N from which M = 65..256 take the register-A
/// tiles (W7): measured on N = 14336 (112 blocks) and 28672 (224) on the
/// H100 (docs/perf.md "Session 14": 1.05-1.59x W2/W3's tiles); on N = 4096
/// (32 blocks) they ran 2x slower, with or without split K.
constexpr int64_t kRegisterAWideGrid = 112;

/// `tile` with the weights as register A in place of `config` where W7
/// applies: a grid of at least kRegisterAWideGrid 128-wide columns of N.
static WgmmaConfig wideGridRegisterA(const LinearShape &shape,
                                     WgmmaConfig config,
                                     const WgmmaConfig &tile) {
  if (llvm::divideCeil(shape.n, 128) < kRegisterAWideGrid)
    return config;
  return registerAFormOr(shape, tile, config);
}

/// M = 257 and up on sm_90a (W4): the tile of least estimated time per
/// range, M doubling from 512 to 2048; above, the unsplit 256x128 tile
/// (many waves: its efficiency matters, not the last wave's fill); from
/// M = 513 the unsplit 256x128 tile with the weights as register A (W6).
/// Neighbouring ranges with the same tile are merged, so shapes that fill
/// the GPU keep one large-M kernel.
static SmallVector<KernelChoice> largeMRanges(const LinearShape &shape) {
  SmallVector<KernelChoice> ranges;
  int64_t mMin = 257;
  for (int64_t mTop : {512, 1024, 2048}) {
    appendMerging(ranges, {mMin, mTop,
                           withRegisterA(shape, largeMTile(shape, mTop), mMin)});
    mMin = mTop + 1;
  }
  appendMerging(ranges, {mMin, kMaxM, withRegisterA(shape, kLargeMTile, mMin)});
  return ranges;
}

/// The stream kernel's ranges, then the first candidate of each GEMM range
/// that serves `shape`; where a range has none, the stream kernel serves
/// every M above 1. Nothing if not even the stream kernel serves it.
static std::optional<SmallVector<KernelChoice>>
defaultGemmRanges(const LinearShape &shape, bool wgmma) {
  // M = 2..32: the streaming tensor-core kernel (one or two 16-row tiles)
  // beats the shared-memory GEMMs and, from M = 2 on, the GEMV (S1).
  // Prefetching the next step's loads pays where the 32-row blocks do not
  // fill two per SM (S2); with more blocks, four warps with weights as the
  // MMA's A operand win (S3).
  bool fewBlocks = (shape.n + 31) / 32 <= 2 * kSMs;
  StreamConfig oneTile{1, 4, 8, 1, 1, /*prefetch=*/true};
  if (!fewBlocks) {
    oneTile = StreamConfig{1, 4, 4, 1, 1, /*prefetch=*/false};
    oneTile.weightsAsA = true;
  }
  // M = 17..32 with more blocks: two warp groups along N share activations
  // staged in shared memory; with few blocks it loses (S4).
  StreamConfig twoTiles{2, 4, 4, 1, 1, /*prefetch=*/true};
  if (!fewBlocks) {
    twoTiles = StreamConfig{2, 4, 2, 1, 2, /*prefetch=*/true};
    twoTiles.weightsAsA = twoTiles.stageActivations = true;
  }
  SmallVector<KernelChoice> ranges = {{kDefaultGemmMin, 16, oneTile},
                                      {17, kStreamMax, twoTiles}};
  for (const KernelChoice &range : ranges)
    if (!checkKernel(shape, range.config).empty())
      return std::nullopt;
  for (auto &[range, candidates] : defaultGemmCandidates(shape)) {
    auto fits = llvm::find_if(candidates, [&](const GemmConfig &config) {
      return checkGemmSupport(shape, config).empty();
    });
    if (fits == candidates.end()) {
      // No tensor-core tile fits: the stream kernel serves every M, its
      // 32-row tiles over grid.y.
      ranges.resize(1);
      ranges.back().mMax = kMaxM;
      ranges.back().config = StreamConfig{2, 4, 4, 1, 1, /*prefetch=*/true};
      return ranges;
    }
    ranges.push_back({range.first, range.second, *fits});
  }
  // sm_90a: warpgroup MMA above the stream kernel, where every tile fits
  // the shape (else the mma.sync tiles above serve) (W1). At M = 65..128 a
  // grid of 128-wide N tiles leaves most SMs idle when N is small, so
  // narrower tiles with one warpgroup serve N < 8192 (W2). Up to M = 256,
  // K is split where the grid is still short of a wave (W3), and narrow
  // tiles whose grid then fits one wave pipeline deeper (W5); where N
  // alone gives 112 or more 128-wide tiles, register-A tiles instead (W7);
  // above, a cost estimate picks tile and split per range (W4).
  if (wgmma) {
    bool wideN = shape.n >= 8192;
    WgmmaConfig wide{128, 128, 2, 4};
    WgmmaConfig upTo128 = wideN ? wide : WgmmaConfig{128, 64, 1, 4};
    SmallVector<KernelChoice> tensorCore = {
        {kStreamMax + 1, 64,
         deepened(shape, withSplitK(shape, WgmmaConfig{64, 64, 1, 6}, 64),
                  64)},
        {65, 128,
         wideGridRegisterA(
             shape, deepened(shape, withSplitK(shape, upTo128, 128), 128),
             wide)},
        {129, 256,
         wideGridRegisterA(shape, withSplitK(shape, wide, 256), kLargeMTile)}};
    llvm::append_range(tensorCore, largeMRanges(shape));
    if (llvm::all_of(tensorCore, [&](const KernelChoice &range) {
          return checkKernel(shape, range.config).empty();
        })) {
      ranges.erase(llvm::find_if(ranges, isTensorCoreGemm), ranges.end());
      llvm::append_range(ranges, tensorCore);
    }
  }
  return ranges;
}

/// The M ranges and their kernels: the GEMV below the first tensor-core
/// range (M = 1 by default; M = 2..4 too when --gemm-tiles starts later),
/// tensor-core kernels above. Where no tensor-core kernel serves the shape,
/// the 4-row GEMV tiles M over grid.y.
static SmallVector<KernelChoice>
planVariants(const LinearShape &shape, ArrayRef<KernelChoice> gemmRanges,
             const std::optional<GemvConfig> &gemvOverride) {
  // Loads of two chunks per thread in flight help when every thread has at
  // least two (K > 8192 with 128 threads; K = 8192 takes eight warps,
  // below); with fewer, half the threads idle (V1).
  const int64_t numChunks = shape.k / kChunk;
  int64_t unroll = numChunks >= 2 * 128 ? 2 : 1;
  // Where the threads' chunks cover K in one step (K <= 4096), two row
  // groups per block, the second's weights loading while the first is
  // reduced (V2).
  GemvConfig m1{1, 4, 4, unroll};
  if (numChunks <= 128 * unroll)
    m1.rowGroups = 2;
  // Where eight warps of one chunk per thread cover K in one step (K =
  // 4128..8192), eight warps with two row groups (V3).
  if (numChunks > 128 && numChunks <= 256) {
    m1.warpsPerBlock = 8;
    m1.unroll = 1;
    m1.rowGroups = 2;
  }
  SmallVector<KernelChoice> gemvPlans = {{1, 1, m1},
                                         {2, 2, GemvConfig{2, 4, 4, unroll}},
                                         {3, 4, GemvConfig{4, 4, 4, 1}}};
  if (gemvOverride)
    gemvPlans.front().config = *gemvOverride;
  bool gemmServes =
      !gemmRanges.empty() &&
      llvm::all_of(gemmRanges, [&](const KernelChoice &range) {
        return checkKernel(shape, range.config).empty();
      });
  // Tensor cores take over at the first GEMM range's M.
  int64_t gemmMin = gemmServes ? gemmRanges.front().mMin : kLatestGemmMin;
  SmallVector<KernelChoice> plans;
  for (KernelChoice plan : gemvPlans) {
    if (plan.mMin >= gemmMin)
      break;
    plan.mMax = std::min(plan.mMax, gemmMin - 1);
    plans.push_back(plan);
  }
  if (gemmServes)
    llvm::append_range(plans, gemmRanges);
  else
    plans.push_back({kLatestGemmMin, kMaxM, GemvConfig{4, 2, 4}});
  return plans;
}

/// Reads "MMIN-MMAX" (MMAX may be "max") into `choice`.
static bool parseRange(StringRef range, KernelChoice &choice) {
  auto [lo, hi] = range.split('-');
  if (lo.getAsInteger(10, choice.mMin))
    return false;
  if (hi == "max") {
    choice.mMax = kMaxM;
    return true;
  }
  return !hi.getAsInteger(10, choice.mMax);
}

FailureOr<SmallVector<KernelChoice>>
mlir::awq::parseGemmTiles(ArrayRef<std::string> entries, std::string &error) {
  SmallVector<KernelChoice> ranges;
  int64_t next = kDefaultGemmMin;
  for (const std::string &entry : entries) {
    auto [range, tile] = StringRef(entry).split(':');
    KernelChoice choice;
    std::string expected;
    FailureOr<KernelConfig> config = parseKernelSpec(tile, expected);
    if (failed(config) || !parseRange(range, choice) ||
        std::holds_alternative<GemvConfig>(*config)) {
      if (expected.empty())
        expected = "a tensor-core tile";
      error = "expected MMIN-MMAX:" + expected + ", got '" + entry + "'";
      return failure();
    }
    choice.config = *config;
    if (ranges.empty() && choice.mMin >= 2 && choice.mMin <= kLatestGemmMin)
      next = choice.mMin;
    if (choice.mMin != next || choice.mMax < choice.mMin) {
      error = ranges.empty()
                  ? "the first gemm-tiles range must start at M = 2 to " +
                        std::to_string(kLatestGemmMin) + ", not '" + entry +
                        "'"
                  : "gemm-tiles ranges must tile M up to " +
                        std::to_string(kMaxM) + " in order; '" + entry +
                        "' does not continue at M = " + std::to_string(next);
      return failure();
    }
    next = choice.mMax == kMaxM ? kMaxM : choice.mMax + 1;
    ranges.push_back(choice);
  }
  if (ranges.empty() || ranges.back().mMax != kMaxM) {
    error = "gemm-tiles ranges must end with 'max'";
    return failure();
  }
  return ranges;
}

FailureOr<GemvConfig> mlir::awq::parseGemvTile(StringRef text,
                                               std::string &error) {
  SmallVector<StringRef> dims;
  text.split(dims, 'x');
  GemvConfig config;
  if (dims.size() < 3 || dims.size() > 5 ||
      dims[0].getAsInteger(10, config.rowsPerWarp) ||
      dims[1].getAsInteger(10, config.warpsPerBlock) ||
      dims[2].getAsInteger(10, config.unroll) ||
      (dims.size() >= 4 && dims[3].getAsInteger(10, config.rowGroups)) ||
      (dims.size() == 5 && dims[4].getAsInteger(10, config.minBlocksPerSM)) ||
      config.rowsPerWarp < 1 || config.rowsPerWarp > 16 ||
      config.warpsPerBlock < 1 || config.warpsPerBlock > 32 ||
      config.unroll < 1 || config.unroll > 8 || config.rowGroups < 1 ||
      config.rowGroups > 64 || config.minBlocksPerSM < 0 ||
      config.minBlocksPerSM > 32) {
    error = ("expected ROWSxWARPSxUNROLL[xGROUPS[xMINBLOCKS]] with 1-16 "
             "rows, 1-32 warps, 1-8 chunks in flight, 1-64 row groups per "
             "block and 0-32 blocks per SM, got '" +
             text + "'")
                .str();
    return failure();
  }
  return config;
}

/// `config` as --gemv-tile spells it.
static std::string gemvTileText(const GemvConfig &config) {
  std::string text = llvm::formatv("{0}x{1}x{2}", config.rowsPerWarp,
                                   config.warpsPerBlock, config.unroll);
  if (config.rowGroups > 1 || config.minBlocksPerSM > 0)
    text += "x" + std::to_string(config.rowGroups);
  if (config.minBlocksPerSM > 0)
    text += "x" + std::to_string(config.minBlocksPerSM);
  return text;
}

std::string mlir::awq::checkChoice(const LinearShape &shape,
                                   const SelectionOptions &options,
                                   const KernelChoice &choice) {
  std::string what = "cannot use " + describeKernel(choice.config) + ": ";
  if (std::holds_alternative<WgmmaConfig>(choice.config) && !options.wgmma)
    return what + (options.chip == "sm_90a"
                       ? std::string("the wgmma option is off")
                       : "it needs chip sm_90a, not '" + options.chip + "'");
  std::string why = checkKernel(shape, choice.config);
  return why.empty() ? why : what + why;
}

/// One "ranges" entry of a tuning table.
static FailureOr<KernelChoice> readTunedRange(const llvm::json::Value &value,
                                              std::string &error) {
  const llvm::json::Object *range = value.getAsObject();
  std::optional<int64_t> mMin = range ? range->getInteger("m_min") : std::nullopt;
  std::optional<int64_t> mMax = range ? range->getInteger("m_max") : std::nullopt;
  std::optional<StringRef> spec = range ? range->getString("spec") : std::nullopt;
  if (!mMin || !mMax || !spec || *mMin < 1 || *mMax < *mMin) {
    error = "a range needs integers m_min <= m_max and a string spec";
    return failure();
  }
  std::string expected;
  FailureOr<KernelConfig> config = parseKernelSpec(*spec, expected);
  if (failed(config)) {
    error = "spec '" + spec->str() + "': expected " + expected;
    return failure();
  }
  return KernelChoice{*mMin, *mMax, *config};
}

FailureOr<TuningTable> mlir::awq::readTuningTable(StringRef path,
                                                  std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = ("tuning table '" + path +
             "': cannot read: " + buffer.getError().message())
                .str();
    return failure();
  }
  return parseTuningTable((*buffer)->getBuffer(), path, error);
}

FailureOr<TuningTable> mlir::awq::parseTuningTable(StringRef text,
                                                   StringRef origin,
                                                   std::string &error) {
  auto fail = [&](const Twine &what) {
    error = ("tuning table '" + origin + "': " + what).str();
    return failure();
  };
  llvm::Expected<llvm::json::Value> doc = llvm::json::parse(text);
  if (!doc)
    return fail("malformed JSON: " + llvm::toString(doc.takeError()));
  const llvm::json::Object *root = doc->getAsObject();
  const llvm::json::Array *shapes = root ? root->getArray("shapes") : nullptr;
  if (!shapes)
    return fail("expected an object with an array 'shapes'");
  TuningTable table;
  table.device = root->getString("device").value_or("").str();
  table.chip = root->getString("chip").value_or("").str();
  for (auto [i, value] : llvm::enumerate(*shapes)) {
    const llvm::json::Object *entry = value.getAsObject();
    std::optional<StringRef> tag = entry ? entry->getString("tag") : std::nullopt;
    const llvm::json::Array *ranges = entry ? entry->getArray("ranges") : nullptr;
    if (!tag || !ranges)
      return fail(llvm::formatv("shapes[{0}] needs a string 'tag' and an "
                                "array 'ranges'",
                                i));
    SmallVector<KernelChoice> &choices = table.byTag[*tag];
    for (const llvm::json::Value &range : *ranges) {
      std::string why;
      FailureOr<KernelChoice> choice = readTunedRange(range, why);
      if (failed(choice))
        return fail(llvm::formatv("shapes[{0}] ({1}): {2}", i, *tag, why));
      choices.push_back(*choice);
    }
  }
  return table;
}

/// `plan` (ranges tiling M from 1 to kMaxM) with `tuned`'s kernel over its
/// M range: the ranges it overlaps keep their kernel outside it.
static SmallVector<KernelChoice> withRange(ArrayRef<KernelChoice> plan,
                                           const KernelChoice &tuned) {
  SmallVector<KernelChoice> result;
  for (const KernelChoice &choice : plan) {
    if (choice.mMin < tuned.mMin)
      appendMerging(result, {choice.mMin, std::min(choice.mMax, tuned.mMin - 1),
                             choice.config});
    if (choice.mMin <= tuned.mMin && tuned.mMin <= choice.mMax)
      appendMerging(result, tuned);
    if (choice.mMax > tuned.mMax)
      appendMerging(result, {std::max(choice.mMin, tuned.mMax + 1),
                             choice.mMax, choice.config});
  }
  return result;
}

/// Puts the measured winner of each M range that the table lists for
/// `shape` in `plan`, where it fits; the table's ranges need not be the
/// defaults' (a sweep may time finer or coarser ones).
static void applyTuning(const LinearShape &shape,
                        const SelectionOptions &options,
                        SmallVector<KernelChoice> &plan) {
  auto entry = options.tuning->byTag.find(shape.tag());
  if (entry == options.tuning->byTag.end())
    return;
  for (const KernelChoice &tuned : entry->second)
    if (tuned.mMax <= kMaxM && checkChoice(shape, options, tuned).empty())
      plan = withRange(plan, tuned);
}

FailureOr<SmallVector<KernelChoice>>
mlir::awq::selectKernels(const LinearShape &shape,
                         const SelectionOptions &options, std::string &error) {
  if (std::string why = checkGemvSupport(shape); !why.empty()) {
    error = "cannot generate kernels: " + why;
    return failure();
  }
  if (options.gemvTile)
    if (std::string why = checkGemvConfig(shape, *options.gemvTile);
        !why.empty()) {
      error = "cannot use gemv-tile " + gemvTileText(*options.gemvTile) +
              ": " + why;
      return failure();
    }
  SmallVector<KernelChoice> gemmRanges;
  if (options.gemmTiles) {
    for (const KernelChoice &choice : *options.gemmTiles)
      if (std::string why = checkChoice(shape, options, choice);
          !why.empty()) {
        error = why;
        return failure();
      }
    gemmRanges = *options.gemmTiles;
  } else if (auto ranges = defaultGemmRanges(shape, options.wgmma)) {
    gemmRanges = std::move(*ranges);
  }
  SmallVector<KernelChoice> plan =
      planVariants(shape, gemmRanges, options.gemvTile);
  // Measured choices refine the defaults; explicit tiles stay as given.
  if (options.tuning && !options.gemmTiles)
    applyTuning(shape, options, plan);
  return plan;
}
