//===- GemvKernel.cpp - fused INT4-dequant GEMV kernel generator -----------===//
//
// Builds the small-M kernel: weights are streamed once with 16-byte loads,
// dequantized in registers with the magic-number trick (no conversion
// instruction per nibble), multiplied in f16x2/bf16x2, accumulated in f32,
// and reduced across the warp with shuffles.
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

KernelLaunch awq::buildGemvKernel(OpBuilder &builder, Location loc,
                                  gpu::GPUModuleOp module, StringRef name,
                                  const LinearShape &shape,
                                  const GemvConfig &config) {
  ImplicitLocOpBuilder b(loc, builder);
  b.setInsertionPointToEnd(module.getBody());
  MLIRContext *ctx = b.getContext();
  Type elemType = shape.elementType(ctx);
  Type f32 = b.getF32Type();
  const int64_t n = shape.n, k = shape.k, groups = shape.numGroups();
  const int64_t mTile = config.mTile, rows = config.rowsPerWarp;

  // Kernel signature: see the `params` of docs/artifact-format.md.
  SmallVector<Type> argTypes = linearKernelArgTypes(
      b, n, k, groups, elemType, shape.hasZeros, shape.hasBias);

  // The block's warps split K; their partial sums meet in shared memory.
  const int64_t warps = config.warpsPerBlock;
  auto partialsType = MemRefType::get(
      {warps, rows * mTile}, f32, MemRefLayoutAttrInterface{},
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  auto func = gpu::GPUFuncOp::create(b, name, b.getFunctionType(argTypes, {}),
                                     TypeRange{partialsType});
  Value partials = func.getWorkgroupAttributions()[0];
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  // No known_block_size here: it becomes `.maxntid`, under which ptxas
  // caps registers for occupancy and spilled the 4-row variants.

  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  KernelEmitter e{b, elemType};
  LinearKernelArgs args(entry, shape.hasZeros, shape.hasBias);
  Value x = args.x, qweight = args.qweight, scales = args.scales,
        zeros = args.zeros, bias = args.bias, y = args.y;

  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value warpSize = e.index(kWarpSize);
  Value lane = arith::RemUIOp::create(b, tid, warpSize);
  Value warp = arith::DivUIOp::create(b, tid, warpSize);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value blockY = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value m = memref::DimOp::create(b, x, 0);

  // Rows past N or M are computed on clamped (valid) addresses and never
  // stored: every warp stays converged for the shuffles and the barrier.
  Value firstRow = arith::MulIOp::create(b, blockX, e.index(rows));
  SmallVector<Value> loadRows;
  for (int64_t r = 0; r < rows; ++r) {
    loadRows.push_back(e.minIndex(e.add(firstRow, e.index(r)), e.index(n - 1)));
  }
  Value firstM = arith::MulIOp::create(b, blockY, e.index(mTile));
  Value lastM = arith::SubIOp::create(b, m, e.index(1));
  SmallVector<Value> loadMs;
  for (int64_t i = 0; i < mTile; ++i) {
    loadMs.push_back(e.minIndex(e.add(firstM, e.index(i)), lastM));
  }

  auto accType = VectorType::get({2}, f32);
  auto x8Type = VectorType::get({8}, elemType);
  Value zeroAcc = arith::ConstantOp::create(
      b, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> initAccs(rows * mTile, zeroAcc);


  // Each thread takes chunks tid, tid + T, tid + 2T, ... (T threads). The
  // loop body handles `unroll` of them and issues all their loads before
  // any arithmetic, so that more 16-byte loads are in flight per thread
  // (the loop is short: K = 8192 is two chunks per thread).
  const int64_t threadsPerBlock = kWarpSize * warps;
  const int64_t numChunks = k / kChunk;
  const int64_t unroll = config.unroll;
  const int64_t chunksPerStep = threadsPerBlock * unroll;
  const int64_t steps = (numChunks + chunksPerStep - 1) / chunksPerStep;
  const bool ragged = numChunks % chunksPerStep != 0;

  struct LoadedChunk {
    Value valid; // null when every chunk of the step is in range
    SmallVector<std::array<Value, 4>> xs;
    SmallVector<Value> ws, ss, zs;
  };

  auto loop = scf::ForOp::create(
      b, e.index(0), e.index(steps), e.index(1), initAccs,
      [&](OpBuilder &nested, Location nestedLoc, Value step,
          ValueRange accs) {
        ImplicitLocOpBuilder lb(nestedLoc, nested);
        KernelEmitter le{lb, elemType};
        SmallVector<LoadedChunk> loaded(unroll);
        for (int64_t u = 0; u < unroll; ++u) {
          LoadedChunk &chunk = loaded[u];
          Value index = le.add(le.add(tid, le.index(u * threadsPerBlock)),
                               le.mul(step, chunksPerStep));
          if (ragged)
            chunk.valid = le.ult(index, le.index(numChunks));
          // Out-of-range chunks load the last chunk and are not added.
          Value safe = ragged ? le.minIndex(index, le.index(numChunks - 1))
                              : index;
          Value k0 = le.mul(safe, kChunk);
          Value group = arith::DivUIOp::create(lb, k0,
                                               le.index(shape.groupSize));
          Value wordCol = le.mul(safe, 4);
          // Activations: four 16-byte loads per row of x, shared by all
          // rows of W this block computes.
          chunk.xs.resize(mTile);
          for (int64_t i = 0; i < mTile; ++i)
            for (int64_t j = 0; j < 4; ++j)
              chunk.xs[i][j] = vector::LoadOp::create(
                  lb, x8Type, x,
                  ValueRange{loadMs[i], le.add(k0, le.index(8 * j))},
                  /*nontemporal=*/false, llvm::MaybeAlign(16));
          for (int64_t r = 0; r < rows; ++r) {
            chunk.ws.push_back(vector::LoadOp::create(
                lb, VectorType::get({4}, lb.getI32Type()), qweight,
                ValueRange{loadRows[r], wordCol}, /*nontemporal=*/false,
                llvm::MaybeAlign(16)));
            chunk.ss.push_back(memref::LoadOp::create(
                lb, scales, ValueRange{loadRows[r], group}));
            chunk.zs.push_back(
                zeros ? memref::LoadOp::create(lb, zeros,
                                               ValueRange{loadRows[r], group})
                            .getResult()
                      : le.scalar(kSymmetricZero));
          }
        }

        SmallVector<Value> newAccs(accs.begin(), accs.end());
        for (const LoadedChunk &chunk : loaded) {
          for (int64_t r = 0; r < rows; ++r) {
            std::array<Value, 4> wq =
                le.dequantize(chunk.ws[r], chunk.ss[r], chunk.zs[r]);
            for (int64_t i = 0; i < mTile; ++i) {
              // 32 products summed in f16x2/bf16x2 to one pair (16 terms
              // each), then into the f32 accumulator: short half-precision
              // partial sums within a chunk, f32 across K.
              Value p = arith::MulFOp::create(lb, wq[0], chunk.xs[i][0]);
              for (int64_t j = 1; j < 4; ++j)
                p = LLVM::FMAOp::create(lb, wq[j], chunk.xs[i][j], p);
              Value p4 = arith::AddFOp::create(
                  lb, vector::ShuffleOp::create(lb, p, p, {0, 1, 2, 3}),
                  vector::ShuffleOp::create(lb, p, p, {4, 5, 6, 7}));
              Value p2 = arith::AddFOp::create(
                  lb, vector::ShuffleOp::create(lb, p4, p4, {0, 1}),
                  vector::ShuffleOp::create(lb, p4, p4, {2, 3}));
              Value pf = arith::ExtFOp::create(lb, accType, p2);
              Value &acc = newAccs[r * mTile + i];
              Value sum = arith::AddFOp::create(lb, acc, pf);
              acc = chunk.valid
                        ? arith::SelectOp::create(lb, chunk.valid, sum, acc)
                              .getResult()
                        : sum;
            }
          }
        }
        scf::YieldOp::create(lb, newAccs);
      });

  // Warp reduction; lane 0 of each warp leaves its partial sums in shared
  // memory; after the barrier, thread i < rows · mTile adds up output i.
  Value isLane0 = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane,
                                        e.index(0));
  SmallVector<Value> sums;
  for (int64_t i = 0; i < rows * mTile; ++i) {
    Value sum = vector::ReductionOp::create(b, vector::CombiningKind::ADD,
                                            loop.getResult(i));
    for (int32_t offset = kWarpSize / 2; offset >= 1; offset /= 2)
      sum = arith::AddFOp::create(
          b, sum,
          gpu::ShuffleOp::create(b, sum, offset, kWarpSize,
                                 gpu::ShuffleMode::XOR)
              .getShuffleResult());
    sums.push_back(sum);
  }
  {
    auto ifOp = scf::IfOp::create(b, isLane0, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    for (int64_t i = 0; i < rows * mTile; ++i)
      memref::StoreOp::create(b, sums[i], partials,
                              ValueRange{warp, e.index(i)});
  }
  gpu::BarrierOp::create(b);

  // Output i = r · mTile + mi of this block: row firstRow + r, x row
  // blockY · mTile + mi.
  Value isOwner = e.ult(tid, e.index(rows * mTile));
  auto ownerIf = scf::IfOp::create(b, isOwner, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ownerIf.thenBlock());
  Value total = memref::LoadOp::create(b, partials, ValueRange{e.index(0), tid});
  for (int64_t w = 1; w < warps; ++w)
    total = arith::AddFOp::create(
        b, total, memref::LoadOp::create(b, partials, ValueRange{e.index(w), tid}));
  Value outRow = e.add(firstRow, arith::DivUIOp::create(b, tid, e.index(mTile)));
  Value outM = e.add(firstM, arith::RemUIOp::create(b, tid, e.index(mTile)));
  if (bias) {
    Value safeRow = e.minIndex(outRow, e.index(n - 1));
    total = arith::AddFOp::create(
        b, total,
        arith::ExtFOp::create(
            b, f32,
            memref::LoadOp::create(b, bias, ValueRange{safeRow}).getResult()));
  }
  Value valid = arith::AndIOp::create(b, e.ult(outRow, e.index(n)),
                                      e.ult(outM, m));
  auto storeIf = scf::IfOp::create(b, valid, /*withElseRegion=*/false);
  b.setInsertionPointToStart(storeIf.thenBlock());
  memref::StoreOp::create(b, arith::TruncFOp::create(b, elemType, total), y,
                          ValueRange{outM, outRow});
  b.setInsertionPointAfter(ownerIf);
  gpu::ReturnOp::create(b);

  return gemvLaunch(shape, config);
}

KernelLaunch awq::gemvLaunch(const LinearShape &shape,
                            const GemvConfig &config) {
  KernelLaunch launch;
  launch.family = "gemv";
  launch.mTile = config.mTile;
  // All warps of a block share its rows and split K.
  int64_t rowsPerBlock = config.rowsPerWarp;
  launch.grid = {(shape.n + rowsPerBlock - 1) / rowsPerBlock, 1, 1};
  launch.block = {config.warpsPerBlock * kWarpSize, 1, 1};
  return launch;
}
