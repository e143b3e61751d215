//===- AwqToGPU.cpp - generate kernels for awq.qlinear ---------------------===//
//
// Implements convert-awq-to-gpu: picks the kernel variants for each
// quantized linear, builds them (KernelBuilders.h) and records them on the
// op for awq-compile's manifest.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelBuilders.h"
#include "codegen/KernelEmitter.h"
#include "codegen/Passes.h"
#include "dialects/Awq/AwqOps.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::awq {
#define GEN_PASS_DEF_CONVERTAWQTOGPUPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;

/// The major compute capability of `chip` ("sm_90a" -> 9), 0 if unknown.
static int64_t chipMajor(StringRef chip) {
  int64_t version = 0;
  if (!chip.consume_front("sm_") || chip.consumeInteger(10, version))
    return 0;
  return version / 10;
}

int64_t mlir::awq::sharedBytesLimit(StringRef chip) {
  // sm_80 PTX also serves sm_86 and sm_89 devices (the runtime picks the
  // highest arch at or below the device's), so it gets their 99 KiB, not
  // the A100's 163 KiB. sm_90 assumes Hopper's (and datacenter
  // Blackwell's) 227 KiB; on GPUs with less the runtime falls back to an
  // older arch of the artifact (or rejects it with the numbers), and the
  // JIT compiles for their own limit.
  if (chip == "sm_90" || chip == "sm_90a")
    return 227 * 1024;
  if (chip == "sm_80" || chip == "sm_86" || chip == "sm_89")
    return 99 * 1024;
  return kStaticSharedBytes;
}

namespace {

constexpr StringLiteral kKernelModuleName = "awq_kernels";
/// Variants cover M up to this (the runtime passes M as a 64-bit size, but
/// a grid dimension holds at most 2^31 - 1 tiles).
constexpr int64_t kMaxM = (int64_t(1) << 31) - 1;
/// The first M tensor cores serve by default; M = 1 is the GEMV's.
constexpr int64_t kDefaultGemmMin = 2;
/// The first M a --gemm-tiles override may start at without also
/// covering the GEMV's M = 2..4 variants.
constexpr int64_t kLatestGemmMin = 5;
/// The largest M the stream kernel serves by default.
constexpr int64_t kStreamMax = 32;

struct VariantPlan {
  int64_t mMin, mMax;
  std::optional<GemvConfig> gemv = std::nullopt;
  std::optional<GemmConfig> gemm = std::nullopt;
  std::optional<StreamConfig> stream = std::nullopt;
  std::optional<WgmmaConfig> wgmma = std::nullopt;
};

/// A tensor-core variant: the M range it serves and its kernel.
struct GemmRange {
  int64_t mMin, mMax;
  GemmConfig config;
  /// The streaming tensor-core kernel instead of `config` (small M).
  std::optional<StreamConfig> stream = std::nullopt;
  /// The sm_90a warpgroup-MMA kernel instead of `config` (large M).
  std::optional<WgmmaConfig> wgmma = std::nullopt;

  std::string check(const LinearShape &shape) const {
    if (wgmma)
      return checkWgmmaSupport(shape, *wgmma);
    return stream ? checkStreamSupport(shape, *stream)
                  : checkGemmSupport(shape, config);
  }
};

/// Shared-memory GEMM tiles (M above the stream kernel's range) grow with
/// M. Up to M = 64 narrow N tiles give many blocks, and the warps of a
/// block split a wide K tile (split-K, partial sums added in shared
/// memory). Above, larger tiles amortize each weight tile's dequantization
/// and shared-memory traffic over more rows of x; 64x64 warp tiles win
/// there, but spill when a short K loop is unrolled completely. Each range
/// lists candidates in order of preference (H100 measurements in
/// docs/perf.md); the first that fits the shape is used. Double-buffering
/// the dequantized weight tile saves a barrier per K step (2-7% at
/// M >= 1024 on the H100) where its shared memory fits.
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
  // memory (sm_80, sm_90): H100, M = 256, N >= 14336: 20-28% faster than
  // the static tiles; on N = 4096 slower (too few blocks).
  GemmConfig big128 = {128, 128, 4, 2, 3, 1, 2, 1, /*doubleBufferW=*/true};
  if (shape.n >= 8192)
    mid.insert(mid.begin(), big128);
  // 256 x 128 in 160 KiB (sm_80, sm_90): M = 1024 and 4096 1.1-1.5x the
  // static 128 x 128 tile. Its 64x64 warp tiles spill when a short K loop
  // is unrolled completely (sm_80, K = 256), hence K >= 1024 only.
  GemmConfig big256 = {256, 128, 4, 2, 3, 1, 2, 1, /*doubleBufferW=*/true};
  // Up to M = 64 register dequantization wins (H100, docs/perf.md); above,
  // the shared dequantized tile amortizes each weight's dequantization over
  // more rows and is faster.
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

/// The stream kernel's ranges, then the first candidate of each GEMM range
/// that serves `shape`; where a range has none, the stream kernel serves
/// every M above 1. Nothing if not even the stream kernel serves it.
static std::optional<SmallVector<GemmRange>>
defaultGemmRanges(const LinearShape &shape, bool wgmma) {
  // M = 2..32: the streaming tensor-core kernel (one or two 16-row tiles).
  // H100, M = 16: 1.6-2.3x cuBLAS where the shared-memory GEMMs reached
  // 1.1-1.3x; M = 2..8 stream weights like M = 16, so the GEMV's extra
  // activation traffic from M = 2 on loses (docs/perf.md). Prefetching the
  // next step's loads pays where the 32-row blocks do not fill two per SM
  // of an H100 (132 SMs): 4096 x 4096 12.2 -> 11.3 us, 14336 x 4096 27.3 ->
  // 23.6 us at M = 16; with more blocks its extra registers cost more than
  // the overlap gains (8192 x 28672: 72 -> 82 us).
  // With more blocks, four warps with weights as the MMA's A operand (39%
  // fewer instructions per weight) won: H100, M = 16, 4096 x 14336 25.2 ->
  // 22.0 us, 8192 x 28672 73.8 -> 73.3 us; M = 2: 22.2 -> 19.2 and 65.5 ->
  // 60.8 us (the H200 agreed). On N = 4096 (one block per SM) the
  // prefetching eight-warp x-as-A kernel stays: 5-10% ahead of weights as A
  // without prefetch, tied with prefetch (docs/perf.md).
  const int64_t kSMs = 132;
  bool fewBlocks = (shape.n + 31) / 32 <= 2 * kSMs;
  StreamConfig oneTile{1, 4, 8, 1, 1, /*prefetch=*/true};
  if (!fewBlocks) {
    oneTile = StreamConfig{1, 4, 4, 1, 1, /*prefetch=*/false};
    oneTile.weightsAsA = true;
  }
  // M = 17..32 with more blocks: two warp groups along N share activations
  // staged in shared memory (4096 x 14336, M = 32: 35.2 -> 27.9 us; 8192 x
  // 28672: 119 -> 104 us); with few blocks (N = 4096) its two K-splitting
  // warps take twice the K steps of the four here and it lost up to 2x.
  StreamConfig twoTiles{2, 4, 4, 1, 1, /*prefetch=*/true};
  if (!fewBlocks) {
    twoTiles = StreamConfig{2, 4, 2, 1, 2, /*prefetch=*/true};
    twoTiles.weightsAsA = twoTiles.stageActivations = true;
  }
  SmallVector<GemmRange> ranges = {{kDefaultGemmMin, 16, GemmConfig{}, oneTile},
                                   {17, kStreamMax, GemmConfig{}, twoTiles}};
  for (const GemmRange &range : ranges)
    if (!range.check(shape).empty())
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
      ranges.back().stream = StreamConfig{2, 4, 4, 1, 1, /*prefetch=*/true};
      return ranges;
    }
    ranges.push_back({range.first, range.second, *fits, std::nullopt});
  }
  // sm_90a: warpgroup MMA above the stream kernel, where every tile fits
  // the shape (else the mma.sync tiles above serve). H100 (docs/perf.md):
  // M = 64 1.1-1.3x the register-dequantizing mma.sync tile on N >= 14336;
  // M >= 1024 0.64-0.78x cuBLAS where mma.sync reached 0.36-0.44x. Up to
  // M = 256 a grid of 128-wide N tiles leaves most SMs idle when N is
  // small, so narrower tiles with one warpgroup serve N < 8192.
  if (wgmma) {
    bool wideN = shape.n >= 8192;
    WgmmaConfig big{256, 128, 2, 4}, wide{128, 128, 2, 4};
    SmallVector<GemmRange> tensorCore = {
        {kStreamMax + 1, 64, GemmConfig{}, std::nullopt,
         WgmmaConfig{64, 64, 1, 6}},
        {65, 128, GemmConfig{}, std::nullopt,
         wideN ? wide : WgmmaConfig{64, 64, 1, 8}},
        {129, 256, GemmConfig{}, std::nullopt,
         wideN ? wide : WgmmaConfig{128, 64, 1, 6}},
        {257, kMaxM, GemmConfig{}, std::nullopt, big}};
    if (llvm::all_of(tensorCore, [&](const GemmRange &range) {
          return range.check(shape).empty();
        })) {
      ranges.erase(
          llvm::find_if(ranges, [](const GemmRange &r) { return !r.stream; }),
          ranges.end());
      llvm::append_range(ranges, tensorCore);
    }
  }
  return ranges;
}

/// Parses `gemm-tiles` entries "MMIN-MMAX:BMxBNxWMxWNxS[xKCxWK[xW]]" (MMAX
/// may be "max"); they must tile [first, 2^31-1] in order, where the first
/// MMIN (2 to 5) is where tensor cores take over from the GEMV.
static FailureOr<SmallVector<GemmRange>>
parseGemmRanges(ArrayRef<std::string> entries, std::string &error) {
  SmallVector<GemmRange> ranges;
  int64_t next = kDefaultGemmMin;
  for (const std::string &entry : entries) {
    StringRef text(entry), range, tile;
    std::tie(range, tile) = text.split(':');
    auto [lo, hi] = range.split('-');
    GemmRange r;
    SmallVector<StringRef> dims;
    if (tile.consume_front("s")) {
      // The stream kernel: sMTILESxNTILESxWARPSxUNROLL[xWARPSN[xp][xt][xs]].
      tile.split(dims, 'x');
      StreamConfig stream;
      bool badStream =
          lo.getAsInteger(10, r.mMin) ||
          (hi == "max" ? (r.mMax = kMaxM, false)
                       : hi.getAsInteger(10, r.mMax)) ||
          (dims.size() < 4 || dims.size() > 8) ||
          dims[0].getAsInteger(10, stream.mTiles) ||
          dims[1].getAsInteger(10, stream.nTiles) ||
          dims[2].getAsInteger(10, stream.warps) ||
          dims[3].getAsInteger(10, stream.unroll) ||
          (dims.size() >= 5 && dims[4].getAsInteger(10, stream.warpsN));
      for (size_t i = 5; i < dims.size(); ++i) {
        bool *flag = dims[i] == "p"   ? &stream.prefetch
                     : dims[i] == "t" ? &stream.weightsAsA
                     : dims[i] == "s" ? &stream.stageActivations
                                      : nullptr;
        badStream |= !flag || *flag;
        if (flag)
          *flag = true;
      }
      if (badStream) {
        error = "expected MMIN-MMAX:sMTILESxNTILESxWARPSxUNROLL[xWARPSN[xp]"
                "[xt][xs]] (p: prefetch the next step, t: weights as the MMA's "
                "A operand, s: activations staged in shared memory), got '" +
                entry + "'";
        return failure();
      }
      r.stream = stream;
    }
    if (!r.stream && tile.consume_front("w")) {
      // The warpgroup-MMA kernel: wBMxBNxWARPGROUPSxSTAGES[xkSPLITK].
      tile.split(dims, 'x');
      WgmmaConfig wgmma;
      bool badWgmma = lo.getAsInteger(10, r.mMin) ||
                      (hi == "max" ? (r.mMax = kMaxM, false)
                                   : hi.getAsInteger(10, r.mMax)) ||
                      (dims.size() != 4 && dims.size() != 5) ||
                      dims[0].getAsInteger(10, wgmma.tileM) ||
                      dims[1].getAsInteger(10, wgmma.tileN) ||
                      dims[2].getAsInteger(10, wgmma.warpgroups) ||
                      dims[3].getAsInteger(10, wgmma.stages) ||
                      (dims.size() == 5 &&
                       (!dims[4].consume_front("k") ||
                        dims[4].getAsInteger(10, wgmma.splitK)));
      if (badWgmma) {
        error = "expected MMIN-MMAX:wBMxBNxWARPGROUPSxSTAGES[xkSPLITK] "
                "(kSPLITK: K split over that many blocks of a cluster), got '" +
                entry + "'";
        return failure();
      }
      r.wgmma = wgmma;
      dims.clear();
    }
    if (!r.stream && !r.wgmma)
      tile.split(dims, 'x');
    bool bad =
        !r.stream && !r.wgmma &&
        (lo.getAsInteger(10, r.mMin) ||
         (hi == "max" ? (r.mMax = kMaxM, false)
                      : hi.getAsInteger(10, r.mMax)) ||
         (dims.size() != 5 && dims.size() != 7 && dims.size() != 8) ||
         dims[0].getAsInteger(10, r.config.tileM) ||
         dims[1].getAsInteger(10, r.config.tileN) ||
         dims[2].getAsInteger(10, r.config.warpsM) ||
         dims[3].getAsInteger(10, r.config.warpsN) ||
         dims[4].getAsInteger(10, r.config.stages) ||
         (dims.size() >= 7 && (dims[5].getAsInteger(10, r.config.kChunks) ||
                               dims[6].getAsInteger(10, r.config.warpsK))) ||
         (dims.size() == 8 && dims[7] != "0" && dims[7] != "1" &&
          dims[7] != "r"));
    if (!r.stream && !r.wgmma && dims.size() == 8) {
      r.config.doubleBufferW = dims[7] == "1";
      r.config.dequantInRegisters = dims[7] == "r";
    }
    if (bad) {
      error = "expected MMIN-MMAX:BMxBNxWMxWNxSTAGES[xKCHUNKSxWK[xW]] with W "
              "0, 1 (double-buffered dequantized tile) or r (dequantized "
              "into registers), got '" +
              entry + "'";
      return failure();
    }
    if (ranges.empty() && r.mMin >= 2 && r.mMin <= kLatestGemmMin)
      next = r.mMin;
    if (r.mMin != next || r.mMax < r.mMin) {
      error = ranges.empty()
                  ? "the first gemm-tiles range must start at M = 2 to " +
                        std::to_string(kLatestGemmMin) + ", not '" + entry +
                        "'"
                  : "gemm-tiles ranges must tile M up to " +
                        std::to_string(kMaxM) + " in order; '" + entry +
                        "' does not continue at M = " + std::to_string(next);
      return failure();
    }
    next = r.mMax == kMaxM ? kMaxM : r.mMax + 1;
    ranges.push_back(r);
  }
  if (ranges.empty() || ranges.back().mMax != kMaxM) {
    error = "gemm-tiles ranges must end with 'max'";
    return failure();
  }
  return ranges;
}

/// The M ranges and their kernels: the GEMV below the first tensor-core
/// range (M = 1 by default; M = 2..4 too when --gemm-tiles starts later),
/// tensor-core kernels above. Where no tensor-core kernel serves the shape,
/// the 4-row GEMV tiles M over grid.y.
static SmallVector<VariantPlan>
planVariants(const LinearShape &shape, ArrayRef<GemmRange> gemmRanges,
             const std::optional<GemvConfig> &gemvOverride) {
  // Loads of two chunks per thread in flight help when every thread has at
  // least two (K > 8192 with 128 threads; K = 8192 takes eight warps,
  // below): H100, M = 1, 8192x28672 went from 72% to 79% of copy bandwidth.
  // With fewer, half the threads idle.
  const int64_t numChunks = shape.k / kChunk;
  int64_t unroll = numChunks >= 2 * 128 ? 2 : 1;
  // Where the threads' chunks cover K in one step (K <= 4096), two row
  // groups per block, the second's weights loading while the first is
  // reduced: H100, 4096x14336 59% -> 65% of copy bandwidth, 8192x28672
  // 78% -> 86%, 4096^2 8.8 -> 8.5 us; four or eight groups, or two-row
  // groups, were slower (docs/perf.md).
  GemvConfig m1{1, 4, 4, unroll};
  if (numChunks <= 128 * unroll)
    m1.rowGroups = 2;
  // Where eight warps of one chunk per thread cover K in one step (K =
  // 4128..8192), with two row groups: on the H100 they beat four warps of
  // two chunks at K = 8192 (8192x28672, 48.5 -> 46.5 us in two runs;
  // docs/perf.md). Eight warps lost at K = 4096 and gained nothing at
  // K = 14336 (two steps).
  if (numChunks > 128 && numChunks <= 256) {
    m1.warpsPerBlock = 8;
    m1.unroll = 1;
    m1.rowGroups = 2;
  }
  SmallVector<VariantPlan> gemvPlans = {
      {1, 1, m1, {}, {}},
      {2, 2, GemvConfig{2, 4, 4, unroll}, {}, {}},
      {3, 4, GemvConfig{4, 4, 4, 1}, {}, {}}};
  if (gemvOverride)
    gemvPlans.front().gemv = gemvOverride;
  bool gemmServes =
      !gemmRanges.empty() &&
      llvm::all_of(gemmRanges, [&](const GemmRange &range) {
        return range.check(shape).empty();
      });
  // Tensor cores take over at the first GEMM range's M.
  int64_t gemmMin = gemmServes ? gemmRanges.front().mMin : kLatestGemmMin;
  SmallVector<VariantPlan> plans;
  for (VariantPlan plan : gemvPlans) {
    if (plan.mMin >= gemmMin)
      break;
    plan.mMax = std::min(plan.mMax, gemmMin - 1);
    plans.push_back(plan);
  }
  if (gemmServes) {
    for (const GemmRange &range : gemmRanges) {
      if (range.wgmma)
        plans.push_back({range.mMin, range.mMax, {}, {}, {}, range.wgmma});
      else if (range.stream)
        plans.push_back({range.mMin, range.mMax, {}, {}, range.stream});
      else
        plans.push_back({range.mMin, range.mMax, {}, range.config, {}});
    }
  } else {
    plans.push_back({kLatestGemmMin, kMaxM, GemvConfig{4, 2, 4}, {}, {}});
  }
  return plans;
}

static gpu::GPUModuleOp getOrCreateKernelModule(ModuleOp module) {
  if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  return gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModuleName);
}

struct ConvertAwqToGPUPass final
    : awq::impl::ConvertAwqToGPUPassBase<ConvertAwqToGPUPass> {
  using Base::Base;

  /// The M = 1 GEMV's tiling from `gemv-tile`, if given.
  std::optional<GemvConfig> gemvOverride;
  /// Whether warpgroup-MMA kernels may be generated.
  bool hasWgmma = false;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<QLinearOp> linears;
    module.walk([&](QLinearOp op) { linears.push_back(op); });
    if (linears.empty())
      return;
    // wgmma exists only in sm_90a code (CODEGEN-NOTES P2).
    hasWgmma = chip == "sm_90a" && wgmma;
    if (!StringRef(chip).starts_with("sm_")) {
      module.emitError("expected a chip of the form sm_XY, got '")
          << chip << "'";
      return signalPassFailure();
    }

    std::optional<SmallVector<GemmRange>> overrideRanges;
    if (!gemmTiles.empty()) {
      std::string error;
      FailureOr<SmallVector<GemmRange>> parsed =
          parseGemmRanges(gemmTiles, error);
      if (failed(parsed)) {
        module.emitError("invalid gemm-tiles option: ") << error;
        return signalPassFailure();
      }
      overrideRanges = std::move(*parsed);
    }
    if (!gemvTile.empty()) {
      SmallVector<StringRef> dims;
      StringRef(gemvTile).split(dims, 'x');
      GemvConfig config;
      if (dims.size() < 3 || dims.size() > 5 ||
          dims[0].getAsInteger(10, config.rowsPerWarp) ||
          dims[1].getAsInteger(10, config.warpsPerBlock) ||
          dims[2].getAsInteger(10, config.unroll) ||
          (dims.size() >= 4 && dims[3].getAsInteger(10, config.rowGroups)) ||
          (dims.size() == 5 &&
           dims[4].getAsInteger(10, config.minBlocksPerSM)) ||
          config.rowsPerWarp < 1 || config.rowsPerWarp > 16 ||
          config.warpsPerBlock < 1 || config.warpsPerBlock > 32 ||
          config.unroll < 1 || config.unroll > 8 || config.rowGroups < 1 ||
          config.rowGroups > 64 || config.minBlocksPerSM < 0 ||
          config.minBlocksPerSM > 32) {
        module.emitError("invalid gemv-tile option: expected "
                         "ROWSxWARPSxUNROLL[xGROUPS[xMINBLOCKS]] with 1-16 "
                         "rows, 1-32 warps, 1-8 chunks in flight, 1-64 row "
                         "groups per block and 0-32 blocks per SM, got '")
            << gemvTile << "'";
        return signalPassFailure();
      }
      gemvOverride = config;
    }
    gpu::GPUModuleOp kernels = getOrCreateKernelModule(module);
    OpBuilder builder(module.getContext());
    for (QLinearOp op : linears) {
      if (failed(lowerLinear(op, kernels, builder, overrideRanges)))
        return signalPassFailure();
    }
  }

  LogicalResult lowerLinear(QLinearOp op, gpu::GPUModuleOp kernels,
                            OpBuilder &builder,
                            const std::optional<SmallVector<GemmRange>>
                                &overrideRanges) {
    if (op.getBits() != 4)
      return op.emitOpError("cannot generate kernels for ")
             << op.getBits() << "-bit weights: only 4-bit kernels exist";
    Type activation = op.getInput().getType().getElementType();
    if (!activation.isF16() && !activation.isBF16())
      return op.emitOpError("cannot generate kernels for ")
             << activation << " activations: the kernels take f16 or bf16";
    LinearShape shape;
    shape.n = op.getN();
    shape.k = op.getK();
    shape.groupSize = op.getGroupSize();
    shape.bf16 = op.getInput().getType().getElementType().isBF16();
    shape.hasZeros = !op.isSymmetric();
    shape.hasBias = static_cast<bool>(op.getBias());
    shape.maxSharedBytes = sharedBytesLimit(chip);
    shape.gridDependencyControl = chipMajor(chip) >= 9;
    if (maxSharedBytes > 0)
      shape.maxSharedBytes = std::min<int64_t>(shape.maxSharedBytes,
                                               maxSharedBytes);
    if (op.getScales().getType().getElementType() !=
        op.getInput().getType().getElementType())
      return op.emitOpError("cannot generate kernels for scales of type ")
             << op.getScales().getType().getElementType()
             << ": kernels take scales in the activation type";
    if (std::string why = checkGemvSupport(shape); !why.empty())
      return op.emitOpError("cannot generate kernels: ") << why;
    if (gemvOverride)
      if (std::string why = checkGemvConfig(shape, *gemvOverride); !why.empty())
        return op.emitOpError("cannot use gemv-tile ")
               << gemvTile.getValue() << ": " << why;
    SmallVector<GemmRange> gemmRanges;
    if (overrideRanges) {
      gemmRanges = *overrideRanges;
      for (const GemmRange &range : gemmRanges) {
        if (range.wgmma && !hasWgmma)
          return chip == "sm_90a"
                     ? op.emitOpError("cannot use warpgroup-MMA tile ")
                           << range.wgmma->tileM << "x" << range.wgmma->tileN
                           << ": the wgmma option is off"
                     : op.emitOpError("cannot use warpgroup-MMA tile ")
                           << range.wgmma->tileM << "x" << range.wgmma->tileN
                           << ": it needs chip sm_90a, not '" << chip << "'";
        if (std::string why = range.check(shape); !why.empty())
          return range.wgmma ? op.emitOpError("cannot use warpgroup-MMA tile ")
                                   << range.wgmma->tileM << "x"
                                   << range.wgmma->tileN << ": " << why
                 : range.stream
                     ? op.emitOpError("cannot use the stream kernel: ") << why
                     : op.emitOpError("cannot use GEMM tile ")
                           << range.config.tileM << "x" << range.config.tileN
                           << ": " << why;
      }
    } else if (auto ranges = defaultGemmRanges(shape, hasWgmma)) {
      gemmRanges = std::move(*ranges);
    }

    SmallVector<Attribute> variants;
    for (const VariantPlan &plan :
         planVariants(shape, gemmRanges, gemvOverride)) {
      std::string name;
      if (plan.wgmma)
        name = llvm::formatv("awq_gemm_{0}_wgmma_bm{1}_bn{2}_wg{3}_s{4}{5}",
                             shape.tag(), plan.wgmma->tileM, plan.wgmma->tileN,
                             plan.wgmma->warpgroups, plan.wgmma->stages,
                             plan.wgmma->splitK > 1
                                 ? llvm::formatv("_k{0}", plan.wgmma->splitK)
                                       .str()
                                 : std::string());
      else if (plan.gemv)
        name = llvm::formatv(
            "awq_gemv_{0}_mt{1}_r{2}_u{3}{4}{5}", shape.tag(), plan.gemv->mTile,
            plan.gemv->rowsPerWarp, plan.gemv->unroll,
            plan.gemv->warpsPerBlock != 4
                ? "_w" + std::to_string(plan.gemv->warpsPerBlock)
                : std::string(),
            (plan.gemv->rowGroups > 1
                 ? "_g" + std::to_string(plan.gemv->rowGroups)
                 : std::string()) +
                (plan.gemv->minBlocksPerSM > 0
                     ? "_b" + std::to_string(plan.gemv->minBlocksPerSM)
                     : std::string()));
      else if (plan.stream)
        name =
            llvm::formatv("awq_gemm_{0}_stream_mt{1}_nt{2}_w{3}_u{4}{5}{6}",
                          shape.tag(), plan.stream->mTiles, plan.stream->nTiles,
                          plan.stream->warps, plan.stream->unroll,
                          plan.stream->warpsN > 1
                              ? "_wn" + std::to_string(plan.stream->warpsN)
                              : std::string(),
                          std::string(plan.stream->prefetch ? "_p" : "") +
                              (plan.stream->weightsAsA ? "_t" : "") +
                              (plan.stream->stageActivations ? "_s" : ""));
      else
        name = llvm::formatv("awq_gemm_{0}_bm{1}_bn{2}_w{3}x{4}_s{5}",
                             shape.tag(), plan.gemm->tileM, plan.gemm->tileN,
                             plan.gemm->warpsM, plan.gemm->warpsN,
                             plan.gemm->stages);
      if (plan.gemm && (plan.gemm->kChunks > 1 || plan.gemm->warpsK > 1))
        name += llvm::formatv("_bk{0}_wk{1}", 32 * plan.gemm->kChunks,
                              plan.gemm->warpsK)
                    .str();
      if (plan.gemm && plan.gemm->doubleBufferW)
        name += "_db";
      if (plan.gemm && plan.gemm->dequantInRegisters)
        name += "_rd";
      // Linears of the same specialisation share kernels.
      bool exists = static_cast<bool>(kernels.lookupSymbol(name));
      KernelLaunch launch;
      if (plan.wgmma)
        launch = exists ? wgmmaLaunch(shape, *plan.wgmma)
                        : buildWgmmaKernel(builder, op.getLoc(), kernels, name,
                                           shape, *plan.wgmma);
      else if (plan.gemv)
        launch = exists ? gemvLaunch(shape, *plan.gemv)
                        : buildGemvKernel(builder, op.getLoc(), kernels, name,
                                          shape, *plan.gemv);
      else if (plan.stream)
        launch = exists ? streamLaunch(shape, *plan.stream)
                        : buildStreamKernel(builder, op.getLoc(), kernels,
                                            name, shape, *plan.stream);
      else
        launch = exists ? gemmLaunch(shape, *plan.gemm)
                        : buildGemmKernel(builder, op.getLoc(), kernels, name,
                                          shape, *plan.gemm);
      auto symbol = SymbolRefAttr::get(
          builder.getStringAttr(kKernelModuleName),
          {FlatSymbolRefAttr::get(builder.getContext(), name)});
      variants.push_back(KernelVariantAttr::get(
          builder.getContext(), symbol, launch.family, plan.mMin, plan.mMax,
          launch.mTile, launch.grid, launch.block, launch.sharedBytes));
    }
    op.setKernelsAttr(builder.getArrayAttr(variants));
    return success();
  }
};

} // namespace
