//===- StreamKernel.cpp - streaming tensor-core kernel for small M --------===//
//
// Builds the small-M tensor-core kernel: it streams weights like the GEMV
// (straight from global memory to registers) but multiplies with mma.sync
// m16n8k16, so up to 16 (or 32) rows of x share each dequantized weight.
//
// The trick that keeps every load 16 bytes wide: a K sum may visit K in any
// order as long as A and B agree. Lane 4g + t of a warp owns chunk 4u + t of
// a 128-wide K unit u: it loads that chunk's four words for weight row g of
// each n8 tile (one 16-byte load per row, the kernel layout of
// docs/artifact-format.md) and the chunk's 32 activations of x rows g and
// g + 8. Dequantizing word w gives pairs (8j + 2w, 8j + 2w + 1), j = 0..3;
// the mma for (j, h) uses the pairs of words 2h and 2h + 1 as its logical
// K columns (2t, 2t + 1) and (2t + 8, 2t + 9), for A and for B alike.
// By default x rows are the MMA's A operand and each n8 tile of weights a
// B operand; with `weightsAsA` two n8 tiles of weights are A's 16 rows and
// x the B operand, whose fragment is then two adjacent words of one loaded
// piece (no register moves).
//
// The warps of a block form warpsN groups of `warps` warps: groups take
// different weight rows and load the same activations (L1 hits, or, with
// `stageActivations`, one copy the block stages per K step in shared
// memory, a barrier per step), the warps of a group split K (interleaved
// units) and add their partial sums through shared memory at the end.
// Rows of x past M and weight rows past N are computed on clamped
// addresses and never stored.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelBuilders.h"
#include "codegen/KernelEmitter.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::awq;

namespace {
/// K per unit: one 32-weight chunk per lane of a quad.
constexpr int64_t kUnitK = 4 * kChunk;
} // namespace

std::string awq::checkStreamSupport(const LinearShape &shape,
                                    const StreamConfig &config) {
  if (std::string why = checkGemvSupport(shape); !why.empty())
    return why;
  if (config.mTiles < 1 || config.mTiles > 2)
    return "the stream kernel takes 1 or 2 tiles of 16 rows";
  if (config.nTiles < 1 || config.nTiles > 8)
    return "the stream kernel takes 1 to 8 n8 tiles per block";
  if (config.stageActivations && !config.weightsAsA)
    return "staged activations need weights as the MMA's A operand";
  if (config.weightsAsA && config.nTiles % 2)
    return "with weights as the MMA's A operand the stream kernel takes an "
           "even number of n8 tiles (pairs of them are its 16 rows)";
  if (config.warps < 1 || config.warpsN < 1 ||
      config.warps * config.warpsN > 16)
    return "the stream kernel takes 1 to 16 warps";
  if (config.unroll < 1 || config.unroll > 4)
    return "the stream kernel unrolls 1 to 4 units";
  // The warps' partial tiles are static shared memory.
  int64_t sharedBytes =
      config.warps * 16 * config.mTiles * 8 * config.nTiles * config.warpsN * 4;
  // Staged activations: two buffers of the step's 16 · mTiles rows of
  // 2-byte elements.
  if (config.stageActivations)
    sharedBytes +=
        2 * 16 * config.mTiles * config.warps * config.unroll * kUnitK * 2;
  if (sharedBytes > kStaticSharedBytes)
    return llvm::formatv("the warps' partial sums{0} need {1} bytes of shared "
                         "memory, more than the {2} of static shared memory",
                         config.stageActivations ? " and staged activations"
                                                 : "",
                         sharedBytes, kStaticSharedBytes)
        .str();
  return "";
}

KernelLaunch awq::streamLaunch(const LinearShape &shape,
                               const StreamConfig &config) {
  KernelLaunch launch;
  launch.family = "gemm";
  launch.mTile = 16 * config.mTiles;
  int64_t rowsPerBlock = 8 * config.nTiles * config.warpsN;
  launch.grid = {(shape.n + rowsPerBlock - 1) / rowsPerBlock, 1, 1};
  launch.block = {kWarpSize * config.warps * config.warpsN, 1, 1};
  return launch;
}

namespace {
/// Which of a step's loads loadStep issues.
enum class Part { Both, Weights, Activations };

/// Builds one stream kernel: the function and indices (setUp*), a step's
/// loads (loadStep; with staged activations loadStepActivations,
/// storeStepActivations, loadStagedPiece), its math (computeStep with
/// computeUnitXAsA / computeUnitWeightsAsA), the K loop (buildLoop,
/// buildStep) and the split-K sum and store (storePartials, storeOutputs).
class StreamKernelBuilder : KernelBuilderBase<StreamConfig> {
public:
  StreamKernelBuilder(OpBuilder &builder, Location loc,
                      gpu::GPUModuleOp module, const LinearShape &shape,
                      const StreamConfig &config)
      : KernelBuilderBase(builder, loc, module, shape, config), n(shape.n), mTiles(config.mTiles),
        nTiles(config.nTiles), warps(config.warps), unroll(config.unroll),
        tileM(16 * mTiles), warpTileN(8 * nTiles),
        tileN(warpTileN * config.warpsN), numChunks(shape.k / kChunk),
        unitsPerStep(warps * unroll),
        steps(((shape.k + kUnitK - 1) / kUnitK + unitsPerStep - 1) /
              unitsPerStep),
        // A lane's chunk can fall past K when K is not a multiple of 128 or
        // the last step is not full; such chunks are computed with zero
        // activations.
        ragged(numChunks % (4 * unitsPerStep) != 0),
        blockThreads(mlir::awq::kWarpSize * warps * config.warpsN),
        stageX(config.stageActivations),
        stepSlots(unitsPerStep * kUnitK / 8), stagedPieces(tileM * stepSlots),
        // Where a unit (128 K) never straddles a group, the MMAs multiply
        // the exact integers q - z and the unit's sums are scaled once in
        // f32: four FMAs per accumulator instead of a multiply per weight
        // pair.
        scaleAfterMma(config.weightsAsA && mTiles == 1 &&
                      (shape.groupSize % kUnitK == 0 ||
                       shape.numGroups() == 1)),
        numAccs(mTiles * nTiles) {}

  KernelLaunch build(StringRef name) {
    setUpFunction(name);
    setUpIndices();
    setUpRowsAndConstants();
    scf::ForOp loop = buildLoop();
    if (!triggerEarly())
      allowDependentLaunch(b, shape.gridDependencyControl);
    storePartials(loop);
    storeOutputs();
    gpu::ReturnOp::create(b);
    return streamLaunch(shape, config);
  }

private:
  /// One 16-row tile (M <= 16): the next kernel may be scheduled at once,
  /// which hid launch gaps on the H100; with two tiles that cost up to 1.3x
  /// (docs/perf.md), so they trigger after the K loop.
  bool triggerEarly() const { return mTiles == 1; }

  /// The kernel with the warps' partial tiles and (staged activations)
  /// two activation buffers [buffer][row][16-byte slot][8] in shared
  /// memory.
  void setUpFunction(StringRef name) {
    auto workgroup =
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    SmallVector<Type> sharedTypes = {
        MemRefType::get({warps, tileM, tileN}, b.getF32Type(),
                        MemRefLayoutAttrInterface{}, workgroup)};
    if (stageX)
      sharedTypes.push_back(
          MemRefType::get({2, tileM, unitsPerStep * kUnitK / 8, 8}, elemType,
                          MemRefLayoutAttrInterface{}, workgroup));
    auto func = createKernelFunction(name, sharedTypes);
    // The staged activations are read and written 16 bytes at a time.
    if (stageX)
      func.setWorkgroupAttributionAttr(
          1, LLVM::LLVMDialect::getAlignAttrName(), b.getI64IntegerAttr(16));
    // `.maxntid` for blocks above 256 threads, where ptxas otherwise took
    // more registers than one block may have (the launch failed), and for
    // prefetching variants, where ptxas then settled on 128 registers and
    // ran faster; on the other variants it cost 30% (docs/perf.md).
    if (blockThreads > 256 || config.prefetch)
      func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
          {static_cast<int32_t>(blockThreads), 1, 1}));
    partials = func.getWorkgroupAttributions()[0];
    if (stageX)
      xStage = func.getWorkgroupAttributions()[1];
    Block &entry = func.getBody().front();
    b.setInsertionPointToStart(&entry);
    args.emplace(entry, shape.hasZeros, shape.hasBias);
  }

  /// Thread, warp and block positions: `warp` indexes the K split,
  /// `warpN` the group of weight rows.
  void setUpIndices() {
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    lane = arith::RemUIOp::create(b, tid, e.index(mlir::awq::kWarpSize));
    Value warpId =
        arith::DivUIOp::create(b, tid, e.index(mlir::awq::kWarpSize));
    warp = arith::RemUIOp::create(b, warpId, e.index(warps));
    Value warpN = arith::DivUIOp::create(b, warpId, e.index(warps));
    warpCol0 = e.mul(warpN, warpTileN);
    laneDiv4 = arith::DivUIOp::create(b, lane, e.index(4));
    laneMod4 = arith::RemUIOp::create(b, lane, e.index(4));
    blockN0 = e.mul(gpu::BlockIdOp::create(b, gpu::Dimension::x), tileN);
    blockM0 = e.mul(gpu::BlockIdOp::create(b, gpu::Dimension::y), tileM);
    m = memref::DimOp::create(b, args->x, 0);
    lastM = arith::SubIOp::create(b, m, e.index(1));
  }

  /// x rows g and g + 8 of each 16-row tile, weight row g of each n8 tile
  /// (clamped), the zero accumulators and the sizes of a step's loads.
  void setUpRowsAndConstants() {
    for (int64_t mt = 0; mt < mTiles; ++mt)
      for (int64_t half = 0; half < 2; ++half)
        xRows.push_back(e.minIndex(
            e.add(blockM0, e.add(e.index(16 * mt + 8 * half), laneDiv4)),
            lastM));
    for (int64_t ni = 0; ni < nTiles; ++ni)
      wRows.push_back(e.minIndex(
          e.add(e.add(blockN0, warpCol0), e.add(e.index(8 * ni), laneDiv4)),
          e.index(n - 1)));
    zeroAcc = arith::ConstantOp::create(
        b, DenseElementsAttr::get(accType(), b.getF32FloatAttr(0.0f)));
    init.assign(numAccs, zeroAcc);
    zeroX8 = arith::ConstantOp::create(
        b, DenseElementsAttr::get(x8Type(), b.getFloatAttr(elemType, 0.0)));
    // The loads of one step, flat (so that they can be carried by the
    // loop): per unit, 4 pieces of 8 activations for each of xRows, then
    // per n8 tile the 4 words, the scale and (asymmetric) the zero point.
    // Staged activations are read from shared memory at the math instead.
    xValues = stageX ? 0 : 4 * static_cast<int64_t>(xRows.size());
    tileValues = args->zeros ? 3 : 2;
    wValues = tileValues * nTiles;
    unitValues = xValues + wValues;
  }

  VectorType accType() { return VectorType::get({2, 2}, b.getF32Type()); }
  VectorType x8Type() { return VectorType::get({8}, elemType); }

  /// This lane's chunk of unit u of step `step`.
  Value unitChunk(KernelEmitter &le, Value step, int64_t u) {
    Value unitIndex = le.add(le.mul(step, unitsPerStep),
                             le.add(le.index(u * warps), warp));
    return le.add(le.mul(unitIndex, 4), laneMod4);
  }

  /// The loads of step `step` (or only its weights / activations).
  SmallVector<Value> loadStep(ImplicitLocOpBuilder &lb, Value step,
                              Part part = Part::Both) {
    KernelEmitter le{lb, elemType};
    SmallVector<Value> values;
    for (int64_t u = 0; u < unroll; ++u) {
      Value chunk = unitChunk(le, step, u);
      if (ragged)
        chunk = le.minIndex(chunk, le.index(numChunks - 1));
      Value k0 = le.mul(chunk, kChunk);
      Value group = arith::DivUIOp::create(lb, k0, le.index(shape.groupSize));
      Value wordCol = le.mul(chunk, 4);
      if (part != Part::Weights && !stageX)
        for (Value row : xRows)
          for (int64_t j = 0; j < 4; ++j)
            values.push_back(vector::LoadOp::create(
                lb, x8Type(), args->x,
                ValueRange{row, le.add(k0, le.index(8 * j))},
                /*nontemporal=*/false, llvm::MaybeAlign(16)));
      if (part == Part::Activations)
        continue;
      for (Value row : wRows) {
        values.push_back(vector::LoadOp::create(
            lb, VectorType::get({4}, lb.getI32Type()), args->qweight,
            ValueRange{row, wordCol},
            /*nontemporal=*/false, llvm::MaybeAlign(16)));
        values.push_back(
            memref::LoadOp::create(lb, args->scales, ValueRange{row, group}));
        if (args->zeros)
          values.push_back(
              memref::LoadOp::create(lb, args->zeros, ValueRange{row, group}));
      }
    }
    return values;
  }

  // Staged activations: per step, the block copies x rows blockM0.. of the
  // step's K range (units step·unitsPerStep..) into one of two shared
  // buffers with coalesced 16-byte loads, so that the warpsN groups share
  // them and each warp reads its pieces with conflict-free 16-byte shared
  // loads (one L1 wavefront per 128 bytes instead of the 16 cache lines a
  // warp's global piece load touches). Piece j of chunk t of a unit lies in
  // 16-byte slot 4t + (j ^ ((t >> 1) | 2 (row & 1))) of the unit's 256
  // bytes: the eight lanes of a quarter-warp (rows g, g + 1, chunks 0..3)
  // then hit eight different bank groups.
  Value stagedSlot(KernelEmitter &le, Value row, Value unit, Value chunk,
                   Value piece) {
    ImplicitLocOpBuilder &lb = le.b;
    Value swizzle = arith::OrIOp::create(
        lb, arith::ShRUIOp::create(lb, chunk, le.index(1)),
        le.mul(arith::AndIOp::create(lb, row, le.index(1)), 2));
    return le.add(
        le.mul(unit, 16),
        le.add(le.mul(chunk, 4), arith::XOrIOp::create(lb, piece, swizzle)));
  }

  /// Piece j of this lane's chunk of unit u in x tile row `row`, from the
  /// step's shared buffer.
  Value loadStagedPiece(ImplicitLocOpBuilder &lb, Value step, int64_t u,
                        int64_t row, int64_t j) {
    KernelEmitter le{lb, elemType};
    Value buffer = arith::RemUIOp::create(lb, step, le.index(2));
    Value tileRow = le.add(le.index(8 * row), laneDiv4);
    Value slot = stagedSlot(le, tileRow, le.add(le.index(u * warps), warp),
                            laneMod4, le.index(j));
    return vector::LoadOp::create(
        lb, x8Type(), xStage, ValueRange{buffer, tileRow, slot, le.index(0)},
        /*nontemporal=*/false, llvm::MaybeAlign(16));
  }

  /// The block's coalesced loads of step `step` (rows past M clamped, never
  /// stored; chunks past K clamped, masked by the math).
  SmallVector<Value> loadStepActivations(ImplicitLocOpBuilder &lb,
                                         Value step) {
    KernelEmitter le{lb, elemType};
    SmallVector<Value> pieces;
    for (int64_t base = 0; base < stagedPieces; base += blockThreads) {
      Value index =
          le.minIndex(le.add(tid, le.index(base)), le.index(stagedPieces - 1));
      Value row = arith::DivUIOp::create(lb, index, le.index(stepSlots));
      Value slot = arith::RemUIOp::create(lb, index, le.index(stepSlots));
      Value chunk = le.add(le.mul(step, 4 * unitsPerStep),
                           arith::DivUIOp::create(lb, slot, le.index(4)));
      chunk = le.minIndex(chunk, le.index(numChunks - 1));
      Value k =
          le.add(le.mul(chunk, kChunk),
                 le.mul(arith::RemUIOp::create(lb, slot, le.index(4)), 8));
      pieces.push_back(vector::LoadOp::create(
          lb, x8Type(), args->x,
          ValueRange{le.minIndex(le.add(blockM0, row), lastM), k},
          /*nontemporal=*/false, llvm::MaybeAlign(16)));
    }
    return pieces;
  }

  /// Stores loadStepActivations' pieces into the step's buffer.
  void storeStepActivations(ImplicitLocOpBuilder &lb, Value step,
                            ValueRange pieces) {
    KernelEmitter le{lb, elemType};
    Value buffer = arith::RemUIOp::create(lb, step, le.index(2));
    for (auto [i, piece] : llvm::enumerate(pieces)) {
      int64_t base = static_cast<int64_t>(i) * blockThreads;
      Value index = le.add(tid, le.index(base));
      Value row = arith::DivUIOp::create(lb, index, le.index(stepSlots));
      Value slot = arith::RemUIOp::create(lb, index, le.index(stepSlots));
      Value unit = arith::DivUIOp::create(lb, slot, le.index(16));
      Value chunk = arith::RemUIOp::create(
          lb, arith::DivUIOp::create(lb, slot, le.index(4)), le.index(4));
      Value at = stagedSlot(le, row, unit, chunk,
                            arith::RemUIOp::create(lb, slot, le.index(4)));
      auto write = [&](ImplicitLocOpBuilder &wb) {
        vector::StoreOp::create(wb, piece, xStage,
                                ValueRange{buffer, row, at, le.index(0)},
                                /*nontemporal=*/false, llvm::MaybeAlign(16));
      };
      if (base + blockThreads <= stagedPieces) {
        write(lb);
        continue;
      }
      auto inRange =
          scf::IfOp::create(lb, le.ult(index, le.index(stagedPieces)),
                            /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(lb);
      lb.setInsertionPointToStart(inRange.thenBlock());
      write(lb);
    }
  }

  /// Elements (first, first + 1) of an 8-wide piece as a vector<2>.
  Value pair(ImplicitLocOpBuilder &lb, Value piece, int64_t first) {
    return vector::ShuffleOp::create(lb, piece, piece,
                                     ArrayRef<int64_t>{first, first + 1});
  }

  /// Activations 8j..8j+7 of unit u's chunk in x row xRows[row], zero past
  /// K (`valid` null: always in range).
  Value activations(ImplicitLocOpBuilder &lb, Value step, int64_t u,
                    ValueRange unit, Value valid, int64_t row, int64_t j) {
    Value piece =
        stageX ? loadStagedPiece(lb, step, u, row, j) : unit[4 * row + j];
    return valid
               ? arith::SelectOp::create(lb, valid, piece, zeroX8).getResult()
               : piece;
  }

  /// x rows are the MMA's A side, each n8 tile of weights a B operand.
  void computeUnitXAsA(ImplicitLocOpBuilder &lb, Value step, int64_t u,
                       ValueRange unit, Value valid,
                       MutableArrayRef<Value> accs) {
    KernelEmitter le{lb, elemType};
    for (int64_t ni = 0; ni < nTiles; ++ni) {
      ValueRange w = unit.slice(xValues + tileValues * ni, tileValues);
      Value z = args->zeros ? w[2] : le.scalar(kSymmetricZero);
      // eighths[j] element 2w + h: weight 8j + 2w + h of the chunk.
      std::array<Value, 4> eighths = le.dequantize(w[0], w[1], z);
      for (int64_t j = 0; j < 4; ++j)
        for (int64_t h = 0; h < 2; ++h) {
          // Words 2h and 2h + 1: logical K (2t, 2t+1), (2t+8, 2t+9).
          Value fragB = le.fragment({pair(lb, eighths[j], 4 * h),
                                     pair(lb, eighths[j], 4 * h + 2)});
          for (int64_t mt = 0; mt < mTiles; ++mt) {
            Value rowG = activations(lb, step, u, unit, valid, 2 * mt, j);
            Value rowG8 = activations(lb, step, u, unit, valid, 2 * mt + 1, j);
            Value fragA = le.fragment(
                {pair(lb, rowG, 4 * h), pair(lb, rowG8, 4 * h),
                 pair(lb, rowG, 4 * h + 2), pair(lb, rowG8, 4 * h + 2)});
            Value &acc = accs[mt * nTiles + ni];
            acc = mmaSync(lb, fragA, fragB, acc);
          }
        }
    }
  }

  /// Weight rows are the MMA's A (M) side and x rows its B (N) side: n8
  /// tiles 2p and 2p + 1 of weights are A rows g and g + 8, and a B
  /// fragment is two words of one 16-byte activation piece, so activations
  /// feed the MMA from the registers they were loaded into.
  void computeUnitWeightsAsA(ImplicitLocOpBuilder &lb, Value step, int64_t u,
                             ValueRange unit, Value valid,
                             MutableArrayRef<Value> accs) {
    KernelEmitter le{lb, elemType};
    for (int64_t p = 0; p < nTiles / 2; ++p) {
      // Tiles 2p + r, r = 0, 1: words, scale, zero point.
      std::array<ValueRange, 2> w;
      for (int64_t r = 0; r < 2; ++r)
        w[r] = unit.slice(xValues + tileValues * (2 * p + r), tileValues);
      // Per 8-row tile of x: the running sum (the accumulator itself, or
      // the unit's integer products when they are scaled afterwards).
      SmallVector<Value> sums;
      for (int64_t xTile = 0; xTile < 2 * mTiles; ++xTile)
        sums.push_back(scaleAfterMma ? zeroAcc
                                     : accs[p * 2 * mTiles + xTile]);
      // One half of the words (eighths 2·half, 2·half + 1) at a time
      // keeps half of the dequantized weights live.
      for (int64_t half = 0; half < 2; ++half) {
        std::array<std::array<Value, 2>, 2> eighths;
        for (int64_t r = 0; r < 2; ++r)
          eighths[r] = le.dequantizeHalf(
              w[r][0], scaleAfterMma ? Value() : w[r][1],
              args->zeros ? w[r][2] : le.scalar(kSymmetricZero), half);
        for (int64_t i = 0; i < 2; ++i)
          for (int64_t h = 0; h < 2; ++h) {
            // Words 2h and 2h + 1: logical K (2t, 2t+1), (2t+8, 2t+9).
            Value fragA = le.fragment({pair(lb, eighths[0][i], 4 * h),
                                       pair(lb, eighths[1][i], 4 * h),
                                       pair(lb, eighths[0][i], 4 * h + 2),
                                       pair(lb, eighths[1][i], 4 * h + 2)});
            for (int64_t xTile = 0; xTile < 2 * mTiles; ++xTile) {
              Value piece =
                  activations(lb, step, u, unit, valid, xTile, 2 * half + i);
              Value fragB = le.fragment(
                  {pair(lb, piece, 4 * h), pair(lb, piece, 4 * h + 2)});
              sums[xTile] = mmaSync(lb, fragA, fragB, sums[xTile]);
            }
          }
      }
      if (!scaleAfterMma) {
        for (int64_t xTile = 0; xTile < 2 * mTiles; ++xTile)
          accs[p * 2 * mTiles + xTile] = sums[xTile];
        continue;
      }
      scaleUnitSums(lb, w, sums, accs.slice(p * 2 * mTiles, 2 * mTiles));
    }
  }

  /// One group per unit: the unit's integer products `sums`, scaled once
  /// by the two n8 tiles' scales, added to `accs`.
  void scaleUnitSums(ImplicitLocOpBuilder &lb, ArrayRef<ValueRange> w,
                     ArrayRef<Value> sums, MutableArrayRef<Value> accs) {
    std::array<Value, 2> rowScales;
    for (int64_t r = 0; r < 2; ++r)
      rowScales[r] = arith::ExtFOp::create(lb, lb.getF32Type(), w[r][1]);
    for (int64_t xTile = 0; xTile < 2 * mTiles; ++xTile) {
      Value &acc = accs[xTile];
      for (int64_t r = 0; r < 2; ++r) {
        Value scale = rowScales[r];
        for (int64_t c = 0; c < 2; ++c) {
          SmallVector<int64_t> at = {r, c};
          Value scaled = LLVM::FMAOp::create(
              lb, scale, vector::ExtractOp::create(lb, sums[xTile], at),
              vector::ExtractOp::create(lb, acc, at));
          acc = vector::InsertOp::create(lb, scaled, acc, at);
        }
      }
    }
  }

  /// The math of one step on its loaded values. Chunks past K (ragged
  /// steps) take zero activations; the mask is applied here, not at the
  /// load, so that prefetched loads stay in flight.
  void computeStep(ImplicitLocOpBuilder &lb, Value step, ValueRange loaded,
                   MutableArrayRef<Value> accs) {
    KernelEmitter le{lb, elemType};
    for (int64_t u = 0; u < unroll; ++u) {
      ValueRange unit = loaded.slice(u * unitValues, unitValues);
      Value valid;
      if (ragged)
        valid = le.ult(unitChunk(le, step, u), le.index(numChunks));
      if (config.weightsAsA)
        computeUnitWeightsAsA(lb, step, u, unit, valid, accs);
      else
        computeUnitXAsA(lb, step, u, unit, valid, accs);
    }
  }

  /// Staged activations: step 0's are in their buffer before the loop.
  void stageFirstActivations() {
    if (!stageX)
      return;
    storeStepActivations(b, e.index(0), loadStepActivations(b, e.index(0)));
    gpu::BarrierOp::create(b);
  }

  /// Before the loop: the wait for the previous kernel and, with prefetch,
  /// the first step's loads (weights before the wait, activations after).
  void buildPrologue() {
    if (triggerEarly())
      allowDependentLaunch(b, shape.gridDependencyControl);
    if (!config.prefetch) {
      waitForPrerequisiteGrids(b, shape.gridDependencyControl);
      stageFirstActivations();
      return;
    }
    SmallVector<Value> weights = loadStep(b, e.index(0), Part::Weights);
    waitForPrerequisiteGrids(b, shape.gridDependencyControl);
    stageFirstActivations();
    SmallVector<Value> first = loadStep(b, e.index(0), Part::Activations);
    for (int64_t u = 0; u < unroll; ++u) {
      llvm::append_range(init, ArrayRef(first).slice(u * xValues, xValues));
      llvm::append_range(init, ArrayRef(weights).slice(u * wValues, wValues));
    }
  }

  /// One K step. With prefetch the loop carries the next step's loads:
  /// they are issued before this step's math, so memory latency overlaps
  /// the dequantization and the MMAs (the last step re-loads itself
  /// instead of branching).
  void buildStep(ImplicitLocOpBuilder &lb, Value step, ValueRange carried) {
    KernelEmitter le{lb, elemType};
    SmallVector<Value> accs(carried.begin(), carried.begin() + numAccs);
    SmallVector<Value> yielded;
    Value nextStep =
        le.minIndex(le.add(step, le.index(1)), le.index(steps - 1));
    // The next step's activations load during this step's math and go to
    // the other buffer after it (read by no warp during this step).
    SmallVector<Value> nextActivations;
    if (stageX && steps > 1)
      nextActivations = loadStepActivations(lb, nextStep);
    if (config.prefetch) {
      SmallVector<Value> nextLoads = loadStep(lb, nextStep);
      computeStep(lb, step, carried.drop_front(numAccs), accs);
      yielded = accs;
      llvm::append_range(yielded, nextLoads);
    } else {
      SmallVector<Value> loads = loadStep(lb, step);
      computeStep(lb, step, loads, accs);
      yielded = accs;
    }
    if (stageX && steps > 1) {
      storeStepActivations(lb, le.add(step, le.index(1)), nextActivations);
      gpu::BarrierOp::create(lb);
    }
    scf::YieldOp::create(lb, yielded);
  }

  scf::ForOp buildLoop() {
    buildPrologue();
    return scf::ForOp::create(
        b, e.index(0), e.index(steps), e.index(1), init,
        [&](OpBuilder &nested, Location nestedLoc, Value step,
            ValueRange carried) {
          ImplicitLocOpBuilder lb(nestedLoc, nested);
          buildStep(lb, step, carried);
        });
  }

  /// (x row, weight column in the warp's slice) of element (r, c) of
  /// accumulator `index`. x as A: accumulator (r, c) of lane 4g + t is x
  /// row g + 8r, weight row 2t + c of its m16n8 tile. Weights as A: for n8
  /// tile pair p and x rows 8·xTile.., weight row 16p + 8r + g, x row
  /// 8·xTile + 2t + c.
  std::pair<Value, Value> partialAt(Value laneMod4x2, int64_t index,
                                    int64_t r, int64_t c) {
    if (!config.weightsAsA)
      return {e.add(e.index(16 * (index / nTiles) + 8 * r), laneDiv4),
              e.add(e.index(8 * (index % nTiles) + c), laneMod4x2)};
    int64_t xTiles = 2 * mTiles;
    return {e.add(e.index(8 * (index % xTiles) + c), laneMod4x2),
            e.add(e.index(16 * (index / xTiles) + 8 * r), laneDiv4)};
  }

  /// Every warp leaves its 16·mTiles x 8·nTiles partial tile in shared
  /// memory.
  void storePartials(scf::ForOp loop) {
    Value laneMod4x2 = e.mul(laneMod4, 2);
    for (int64_t index = 0; index < numAccs; ++index)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 2; ++c) {
          Value value = vector::ExtractOp::create(b, loop.getResult(index),
                                                  ArrayRef<int64_t>{r, c});
          auto [row, col] = partialAt(laneMod4x2, index, r, c);
          memref::StoreOp::create(b, value, partials,
                                  ValueRange{warp, row, e.add(warpCol0, col)});
        }
    gpu::BarrierOp::create(b);
  }

  /// Each thread sums the warps' partials of tileM · tileN / threads
  /// outputs; consecutive threads take consecutive columns.
  void storeOutputs() {
    const int64_t outputs = tileM * tileN;
    for (int64_t base = 0; base < outputs; base += blockThreads) {
      Value index = e.add(tid, e.index(base));
      Value inTile = e.ult(index, e.index(outputs));
      Value safeIndex = e.minIndex(index, e.index(outputs - 1));
      Value row = arith::DivUIOp::create(b, safeIndex, e.index(tileN));
      Value col = arith::RemUIOp::create(b, safeIndex, e.index(tileN));
      Value total = memref::LoadOp::create(b, partials,
                                           ValueRange{e.index(0), row, col});
      for (int64_t w = 1; w < warps; ++w)
        total = arith::AddFOp::create(
            b, total,
            memref::LoadOp::create(b, partials,
                                   ValueRange{e.index(w), row, col}));
      Value outRow = e.add(blockM0, row);
      Value outCol = e.add(blockN0, col);
      if (args->bias)
        total =
            arith::AddFOp::create(b, total, e.biasAt(args->bias, outCol, n));
      Value valid = arith::AndIOp::create(
          b, inTile,
          arith::AndIOp::create(b, e.ult(outRow, m),
                                e.ult(outCol, e.index(n))));
      auto storeIf = scf::IfOp::create(b, valid, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(storeIf.thenBlock());
      memref::StoreOp::create(b, arith::TruncFOp::create(b, elemType, total),
                              args->y, ValueRange{outRow, outCol});
    }
  }

  const int64_t n, mTiles, nTiles, warps, unroll, tileM, warpTileN, tileN;
  const int64_t numChunks, unitsPerStep, steps;
  const bool ragged;
  const int64_t blockThreads;
  const bool stageX;
  const int64_t stepSlots, stagedPieces;
  const bool scaleAfterMma;
  const int64_t numAccs;
  int64_t xValues = 0, tileValues = 0, wValues = 0, unitValues = 0;

  Value partials, xStage, tid, lane, warp, warpCol0, laneDiv4, laneMod4;
  Value blockN0, blockM0, m, lastM, zeroAcc, zeroX8;
  SmallVector<Value> xRows, wRows, init;
};
} // namespace

KernelLaunch awq::buildStreamKernel(OpBuilder &builder, Location loc,
                                    gpu::GPUModuleOp module, StringRef name,
                                    const LinearShape &shape,
                                    const StreamConfig &config) {
  return StreamKernelBuilder(builder, loc, module, shape, config).build(name);
}
