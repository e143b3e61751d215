//===- GemvKernel.cpp - fused INT4-dequant GEMV kernel generator
//-----------===//
//
// Builds the small-M kernel: weights are streamed once with 16-byte loads,
// dequantized in registers with the magic-number trick (no conversion
// instruction per nibble), multiplied in f16x2/bf16x2, accumulated in f32,
// and reduced across the warp with shuffles. Where a thread's chunks cover
// K in one step, a block may compute several groups of rows, loading the
// next group's weights while the current one is reduced.
//
// Weight layout (docs/artifact-format.md, "kernel" packing): a lane loads
// one 4-word chunk holding 32 consecutive weights of one output channel.
// Word t, nibble p holds element 8·(p mod 4) + 2t + (p div 4), so masking
// all four words with 0x000F000F (resp. the higher nibbles) yields eight
// f16 values that line up with eight *consecutive* activations: no shuffle
// of x or of the weights is ever needed.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelBuilders.h"
#include "codegen/KernelEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::awq;


std::string LinearShape::tag() const {
  return llvm::formatv("n{0}_k{1}_g{2}_{3}{4}{5}", n, k, groupSize,
                       bf16 ? "bf16" : "f16", hasZeros ? "_z" : "_sym",
                       hasBias ? "_b" : "")
      .str();
}

std::string awq::checkGemvSupport(const LinearShape &shape) {
  if (shape.k % kChunk != 0)
    return llvm::formatv("K = {0} is not a multiple of {1} (one 16-byte "
                         "load of int4 weights)",
                         shape.k, kChunk)
        .str();
  if (shape.groupSize % kChunk != 0)
    return llvm::formatv("group size {0} is not a multiple of {1}",
                         shape.groupSize, kChunk)
        .str();
  return "";
}

std::string awq::checkGemvConfig(const LinearShape &shape,
                                 const GemvConfig &config) {
  if (std::string why = checkGemvSupport(shape); !why.empty())
    return why;
  if (config.rowGroups > 1 &&
      shape.k / kChunk > mlir::awq::kWarpSize * config.warpsPerBlock * config.unroll)
    return llvm::formatv("{0} row groups per block need K in one step per "
                         "thread: K = {1} is more than the {2} weights {3} "
                         "warps of 32 lanes take with {4} chunks of {5} each",
                         config.rowGroups, shape.k,
                         mlir::awq::kWarpSize * config.warpsPerBlock * config.unroll *
                             kChunk,
                         config.warpsPerBlock, config.unroll, kChunk)
        .str();
  return "";
}

namespace {
/// Where chunk u of a K step lies, its activations (four 16-byte loads per
/// row of x, shared by all rows of W the block computes) and, once loaded,
/// its weight words, scales and zero points per weight row.
struct LoadedChunk {
  Value valid; // null when every chunk of the step is in range
  Value k0, group;
  SmallVector<std::array<Value, 4>> xs;
  SmallVector<Value> ws, ss, zs;
};

/// Builds one GEMV kernel: the function and indices (setUp*), the chunk
/// loads (locateChunk, loadWeights), the dequantize-multiply-accumulate
/// (accumulate), the block reduction and store (reduceAndStore), in one K
/// loop (buildSingleGroup) or a loop over row groups whose next weights
/// load while the current group is reduced (buildRowGroups).
class GemvKernelBuilder : KernelBuilderBase<GemvConfig> {
public:
  GemvKernelBuilder(OpBuilder &builder, Location loc, gpu::GPUModuleOp module,
                    const LinearShape &shape, const GemvConfig &config)
      : KernelBuilderBase(builder, loc, module, shape, config), n(shape.n), mTile(config.mTile),
        rows(config.rowsPerWarp), warps(config.warpsPerBlock),
        threadsPerBlock(mlir::awq::kWarpSize * config.warpsPerBlock),
        numChunks(shape.k / kChunk), unroll(config.unroll),
        chunksPerStep(threadsPerBlock * unroll),
        steps((numChunks + chunksPerStep - 1) / chunksPerStep),
        ragged(numChunks % chunksPerStep != 0) {}

  KernelLaunch build(StringRef name) {
    setUpFunction(name);
    setUpIndices();
    if (config.rowGroups == 1)
      buildSingleGroup();
    else
      buildRowGroups();
    gpu::ReturnOp::create(b);
    return gemvLaunch(shape, config);
  }

private:
  /// The kernel (signature: the `params` of docs/artifact-format.md) with
  /// the partial sums' shared buffer: the block's warps split K and their
  /// partial sums meet there (two buffers when a block computes several
  /// row groups, so that one barrier per group suffices).
  void setUpFunction(StringRef name) {
    const int64_t partialBuffers = config.rowGroups > 1 ? 2 : 1;
    auto partialsType = MemRefType::get(
        {partialBuffers, warps, rows * mTile}, b.getF32Type(),
        MemRefLayoutAttrInterface{},
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
    auto func = createKernelFunction(name, TypeRange{partialsType});
    partials = func.getWorkgroupAttributions()[0];
    // No known_block_size by default: it becomes `.maxntid`, under which
    // ptxas caps registers for occupancy and spilled the 4-row variants.
    if (config.minBlocksPerSM > 0) {
      func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
          {static_cast<int32_t>(mlir::awq::kWarpSize * config.warpsPerBlock), 1, 1}));
      func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                    b.getI32IntegerAttr(config.minBlocksPerSM));
    }
    Block &entry = func.getBody().front();
    b.setInsertionPointToStart(&entry);
    // Under programmatic dependent launch the wait comes first: issuing the
    // first weights before it cost ptxas 16 more registers (80 -> 96, one
    // block less per SM).
    allowDependentLaunch(b, shape.gridDependencyControl);
    waitForPrerequisiteGrids(b, shape.gridDependencyControl);
    args.emplace(entry, shape.hasZeros, shape.hasBias);
  }

  /// Thread and block positions, the clamped x rows this block reads and
  /// the zero accumulators. Rows past N or M are computed on clamped
  /// (valid) addresses and never stored: every warp stays converged for
  /// the shuffles and the barrier.
  void setUpIndices() {
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    Value warpSize = e.index(mlir::awq::kWarpSize);
    lane = arith::RemUIOp::create(b, tid, warpSize);
    warp = arith::DivUIOp::create(b, tid, warpSize);
    Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    Value blockY = gpu::BlockIdOp::create(b, gpu::Dimension::y);
    m = memref::DimOp::create(b, args->x, 0);
    blockRow0 = e.mul(blockX, rows * config.rowGroups);
    firstM = arith::MulIOp::create(b, blockY, e.index(mTile));
    Value lastM = arith::SubIOp::create(b, m, e.index(1));
    for (int64_t i = 0; i < mTile; ++i)
      loadMs.push_back(e.minIndex(e.add(firstM, e.index(i)), lastM));
    Value zeroAcc = arith::ConstantOp::create(
        b, DenseElementsAttr::get(accType(), b.getF32FloatAttr(0.0f)));
    initAccs.assign(rows * mTile, zeroAcc);
  }

  VectorType accType() { return VectorType::get({2}, b.getF32Type()); }

  /// The weight rows of the group starting at `firstRow`, clamped to N.
  SmallVector<Value> rowsOfGroup(ImplicitLocOpBuilder &ib, Value firstRow) {
    KernelEmitter ie{ib, elemType};
    SmallVector<Value> loadRows;
    for (int64_t r = 0; r < rows; ++r)
      loadRows.push_back(
          ie.minIndex(ie.add(firstRow, ie.index(r)), ie.index(n - 1)));
    return loadRows;
  }

  /// Chunk u of K step `step` and its activations. Each thread takes
  /// chunks tid, tid + T, tid + 2T, ... (T threads); a step handles
  /// `unroll` of them and issues all their loads before any arithmetic,
  /// so that more 16-byte loads are in flight per thread.
  LoadedChunk locateChunk(ImplicitLocOpBuilder &ib, int64_t u, Value step) {
    KernelEmitter ie{ib, elemType};
    LoadedChunk chunk;
    Value index = ie.add(ie.add(tid, ie.index(u * threadsPerBlock)),
                         ie.mul(step, chunksPerStep));
    if (ragged)
      chunk.valid = ie.ult(index, ie.index(numChunks));
    // Out-of-range chunks load the last chunk and are not added.
    Value safe = ragged ? ie.minIndex(index, ie.index(numChunks - 1)) : index;
    chunk.k0 = ie.mul(safe, kChunk);
    chunk.group =
        arith::DivUIOp::create(ib, chunk.k0, ie.index(shape.groupSize));
    chunk.xs.resize(mTile);
    auto x8Type = VectorType::get({8}, elemType);
    for (int64_t i = 0; i < mTile; ++i)
      for (int64_t j = 0; j < 4; ++j)
        chunk.xs[i][j] = vector::LoadOp::create(
            ib, x8Type, args->x,
            ValueRange{loadMs[i], ie.add(chunk.k0, ie.index(8 * j))},
            /*nontemporal=*/false, llvm::MaybeAlign(16));
    return chunk;
  }

  /// The chunk's weight words, scale and zero point of each of `loadRows`.
  void loadWeights(ImplicitLocOpBuilder &ib, LoadedChunk &chunk,
                   ArrayRef<Value> loadRows) {
    KernelEmitter ie{ib, elemType};
    Value wordCol = arith::DivUIOp::create(ib, chunk.k0, ie.index(8));
    chunk.ws.clear();
    chunk.ss.clear();
    chunk.zs.clear();
    for (Value row : loadRows) {
      chunk.ws.push_back(
          vector::LoadOp::create(ib, VectorType::get({4}, ib.getI32Type()),
                                 args->qweight, ValueRange{row, wordCol},
                                 /*nontemporal=*/false, llvm::MaybeAlign(16)));
      chunk.ss.push_back(memref::LoadOp::create(
          ib, args->scales, ValueRange{row, chunk.group}));
      chunk.zs.push_back(
          args->zeros ? memref::LoadOp::create(ib, args->zeros,
                                               ValueRange{row, chunk.group})
                            .getResult()
                      : ie.scalar(kSymmetricZero));
    }
  }

  /// Adds the chunk's products to `accs` (row-major over rows x mTile).
  void accumulate(ImplicitLocOpBuilder &ib, const LoadedChunk &chunk,
                  SmallVector<Value> &accs) {
    for (int64_t r = 0; r < rows; ++r) {
      std::array<Value, 4> wq = KernelEmitter{ib, elemType}.dequantize(
          chunk.ws[r], chunk.ss[r], chunk.zs[r]);
      for (int64_t i = 0; i < mTile; ++i) {
        // 32 products summed in f16x2/bf16x2 to one pair (16 terms each),
        // then into the f32 accumulator: short half-precision partial sums
        // within a chunk, f32 across K.
        Value p = arith::MulFOp::create(ib, wq[0], chunk.xs[i][0]);
        for (int64_t j = 1; j < 4; ++j)
          p = LLVM::FMAOp::create(ib, wq[j], chunk.xs[i][j], p);
        Value p4 = arith::AddFOp::create(
            ib, vector::ShuffleOp::create(ib, p, p, {0, 1, 2, 3}),
            vector::ShuffleOp::create(ib, p, p, {4, 5, 6, 7}));
        Value p2 = arith::AddFOp::create(
            ib, vector::ShuffleOp::create(ib, p4, p4, {0, 1}),
            vector::ShuffleOp::create(ib, p4, p4, {2, 3}));
        Value pf = arith::ExtFOp::create(ib, accType(), p2);
        Value &acc = accs[r * mTile + i];
        Value sum = arith::AddFOp::create(ib, acc, pf);
        acc =
            chunk.valid
                ? arith::SelectOp::create(ib, chunk.valid, sum, acc).getResult()
                : sum;
      }
    }
  }

  /// Warp reduction; lane 0 of each warp leaves its partial sums in
  /// partials[buffer]; after the barrier, thread i < rows · mTile adds up
  /// output i = r · mTile + mi: row firstRow + r, x row firstM + mi.
  void reduceAndStore(ImplicitLocOpBuilder &ib, ValueRange accs,
                      Value firstRow, Value buffer) {
    KernelEmitter ie{ib, elemType};
    Value isLane0 =
        arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, lane, ie.index(0));
    SmallVector<Value> sums;
    for (int64_t i = 0; i < rows * mTile; ++i) {
      Value sum =
          vector::ReductionOp::create(ib, vector::CombiningKind::ADD, accs[i]);
      for (int32_t offset = mlir::awq::kWarpSize / 2; offset >= 1; offset /= 2)
        sum = arith::AddFOp::create(
            ib, sum,
            gpu::ShuffleOp::create(ib, sum, offset, mlir::awq::kWarpSize,
                                   gpu::ShuffleMode::XOR)
                .getShuffleResult());
      sums.push_back(sum);
    }
    {
      auto ifOp = scf::IfOp::create(ib, isLane0, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(ib);
      ib.setInsertionPointToStart(ifOp.thenBlock());
      for (int64_t i = 0; i < rows * mTile; ++i)
        memref::StoreOp::create(ib, sums[i], partials,
                                ValueRange{buffer, warp, ie.index(i)});
    }
    gpu::BarrierOp::create(ib);
    storeOwnedOutput(ib, firstRow, buffer);
  }

  /// Thread i < rows · mTile sums the warps' partials of output i, adds
  /// the bias and stores it where it is in range.
  void storeOwnedOutput(ImplicitLocOpBuilder &ib, Value firstRow,
                        Value buffer) {
    KernelEmitter ie{ib, elemType};
    Value isOwner = ie.ult(tid, ie.index(rows * mTile));
    auto ownerIf = scf::IfOp::create(ib, isOwner, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(ib);
    ib.setInsertionPointToStart(ownerIf.thenBlock());
    Value total = memref::LoadOp::create(ib, partials,
                                         ValueRange{buffer, ie.index(0), tid});
    for (int64_t w = 1; w < warps; ++w)
      total = arith::AddFOp::create(
          ib, total,
          memref::LoadOp::create(ib, partials,
                                 ValueRange{buffer, ie.index(w), tid}));
    Value outRow =
        ie.add(firstRow, arith::DivUIOp::create(ib, tid, ie.index(mTile)));
    Value outM =
        ie.add(firstM, arith::RemUIOp::create(ib, tid, ie.index(mTile)));
    if (args->bias)
      total =
          arith::AddFOp::create(ib, total, ie.biasAt(args->bias, outRow, n));
    Value valid =
        arith::AndIOp::create(ib, ie.ult(outRow, ie.index(n)), ie.ult(outM, m));
    auto storeIf = scf::IfOp::create(ib, valid, /*withElseRegion=*/false);
    ib.setInsertionPointToStart(storeIf.thenBlock());
    memref::StoreOp::create(ib, arith::TruncFOp::create(ib, elemType, total),
                            args->y, ValueRange{outM, outRow});
  }

  /// One group of rows per block: a K loop, then the reduction.
  void buildSingleGroup() {
    SmallVector<Value> loadRows = rowsOfGroup(b, blockRow0);
    auto loop = scf::ForOp::create(
        b, e.index(0), e.index(steps), e.index(1), initAccs,
        [&](OpBuilder &nested, Location nestedLoc, Value step,
            ValueRange accs) {
          ImplicitLocOpBuilder lb(nestedLoc, nested);
          SmallVector<LoadedChunk, 2> loaded;
          for (int64_t u = 0; u < unroll; ++u) {
            loaded.push_back(locateChunk(lb, u, step));
            loadWeights(lb, loaded.back(), loadRows);
          }
          SmallVector<Value> newAccs(accs.begin(), accs.end());
          for (const LoadedChunk &chunk : loaded)
            accumulate(lb, chunk, newAccs);
          scf::YieldOp::create(lb, newAccs);
        });
    reduceAndStore(b, loop.getResults(), blockRow0, e.index(0));
  }

  /// The weights, scales and zeros of row group `groupIndex` for every
  /// loaded chunk, as loop-carried values.
  SmallVector<Value> loadGroup(ImplicitLocOpBuilder &ib, Value groupIndex) {
    KernelEmitter ie{ib, elemType};
    SmallVector<Value> rowsOfG =
        rowsOfGroup(ib, ie.add(blockRow0, ie.mul(groupIndex, rows)));
    SmallVector<Value> values;
    for (LoadedChunk &chunk : loaded) {
      loadWeights(ib, chunk, rowsOfG);
      llvm::append_range(values, chunk.ws);
      llvm::append_range(values, chunk.ss);
      llvm::append_range(values, chunk.zs);
    }
    return values;
  }

  /// Group `groupIndex`: load the next group's weights, accumulate this
  /// one's from `current`, reduce and store it.
  void buildGroupStep(ImplicitLocOpBuilder &lb, Value groupIndex,
                      ValueRange current) {
    KernelEmitter le{lb, elemType};
    const int64_t valuesPerChunk = 3 * rows;
    // The last group re-loads itself rather than branching.
    SmallVector<Value> next =
        loadGroup(lb, le.minIndex(le.add(groupIndex, le.index(1)),
                                  le.index(config.rowGroups - 1)));
    SmallVector<Value> accs(initAccs);
    for (auto [u, chunk] : llvm::enumerate(loaded)) {
      ValueRange values = current.slice(u * valuesPerChunk, valuesPerChunk);
      chunk.ws.assign(values.begin(), values.begin() + rows);
      chunk.ss.assign(values.begin() + rows, values.begin() + 2 * rows);
      chunk.zs.assign(values.begin() + 2 * rows, values.end());
      accumulate(lb, chunk, accs);
    }
    reduceAndStore(lb, accs, le.add(blockRow0, le.mul(groupIndex, rows)),
                   arith::RemUIOp::create(lb, groupIndex, le.index(2)));
    scf::YieldOp::create(lb, next);
  }

  /// Several row groups per block (all of K in one step per thread, which
  /// checkGemvConfig requires): the activations are loaded once, and the
  /// weights of group g + 1 are in flight while group g is reduced and
  /// stored, so a thread's loads never pause for a block to retire.
  void buildRowGroups() {
    assert(steps == 1 && "row groups need K in one step per thread");
    for (int64_t u = 0; u < unroll; ++u)
      loaded.push_back(locateChunk(b, u, e.index(0)));
    scf::ForOp::create(
        b, e.index(0), e.index(config.rowGroups), e.index(1),
        loadGroup(b, e.index(0)),
        [&](OpBuilder &nested, Location nestedLoc, Value groupIndex,
            ValueRange current) {
          ImplicitLocOpBuilder lb(nestedLoc, nested);
          buildGroupStep(lb, groupIndex, current);
        });
  }

  const int64_t n, mTile, rows, warps, threadsPerBlock, numChunks, unroll;
  const int64_t chunksPerStep, steps;
  const bool ragged;

  Value partials, tid, lane, warp, m, blockRow0, firstM;
  SmallVector<Value> loadMs, initAccs;
  SmallVector<LoadedChunk, 2> loaded;
};
} // namespace

KernelLaunch awq::buildGemvKernel(OpBuilder &builder, Location loc,
                                  gpu::GPUModuleOp module, StringRef name,
                                  const LinearShape &shape,
                                  const GemvConfig &config) {
  return GemvKernelBuilder(builder, loc, module, shape, config).build(name);
}

KernelLaunch awq::gemvLaunch(const LinearShape &shape,
                            const GemvConfig &config) {
  KernelLaunch launch;
  launch.family = "gemv";
  launch.mTile = config.mTile;
  // All warps of a block share its rows and split K.
  int64_t rowsPerBlock = config.rowsPerWarp * config.rowGroups;
  launch.grid = {(shape.n + rowsPerBlock - 1) / rowsPerBlock, 1, 1};
  launch.block = {config.warpsPerBlock * kWarpSize, 1, 1};
  return launch;
}
