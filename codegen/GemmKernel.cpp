//===- GemmKernel.cpp - fused INT4-dequant tensor-core GEMM generator ------===//
//
// Builds the shared-memory tensor-core kernel (M above the stream kernel's
// range). Per block: a tileM x tileN output tile; per K tile of
// 32 · kChunks:
//   cp.async   x[tileM, K tile] (f16/bf16) and the packed weights
//              [tileN, 4 · kChunks words] into shared memory, `stages`
//              tiles ahead;
//   dequant    each thread turns the words it copied into f16/bf16 (the
//              same magic-number trick as the GEMV) and stores them to one
//              shared weight tile: no dequantized weight ever touches
//              global memory;
//   mma.sync   m16n8k16, both operands through ldmatrix, f32 accumulators
//              in registers (nvgpu.mma.sync for f16, nvvm.mma.sync for
//              bf16). With warpsK > 1 the warps split the K tile and add
//              their partial sums through shared memory at the end.
// With dequantInRegisters each warp instead dequantizes its packed words
// straight into B fragments (one barrier per K step). Buffers above 48 KiB
// live in dynamic shared memory.
// Rows of x past M are zero-filled by cp.async; rows of W past N are read
// clamped and their outputs never stored, so any M >= 1 and N are served.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelBuilders.h"
#include "codegen/KernelEmitter.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::awq;

namespace {
/// Shared-memory rows are padded by 8 halves (16 bytes) so that the eight
/// 16-byte rows one ldmatrix phase reads fall into distinct banks.
constexpr int64_t kRowPad = 8;
} // namespace

/// Words per row of a staged weight tile. Register dequantization reads
/// word t of row g with lane 4g + t; a stride that is an odd multiple of 4
/// words puts those 32 words in 32 different banks.
static int64_t weightRowStride(const GemmConfig &config) {
  int64_t words = 4 * config.kChunks;
  if (config.dequantInRegisters && (words / 4) % 2 == 0)
    words += 4;
  return words;
}

/// How many (scale, zero) pairs a warp needs per weight row and K step with
/// register dequantization: one when its K slice lies inside a group, one
/// per group when groups tile the slice, else one per chunk.
static int64_t scaleSlotsPerSlice(const LinearShape &shape, int64_t sliceK) {
  if (shape.groupSize % sliceK == 0)
    return 1;
  if (sliceK % shape.groupSize == 0)
    return sliceK / shape.groupSize;
  return sliceK / kChunk;
}

/// Bytes of all shared buffers of the GEMM (each a multiple of 16 bytes).
static int64_t gemmSharedBytes(const GemmConfig &config) {
  const int64_t tileK = kChunk * config.kChunks;
  return config.stages * config.tileM * (tileK + kRowPad) * 2 +
         config.stages * config.tileN * weightRowStride(config) * 4 +
         (config.dequantInRegisters ? 0 : config.doubleBufferW ? 2 : 1) *
             config.tileN * (tileK + kRowPad) * 2 +
         (config.warpsK - 1) * config.tileM * config.tileN * 4;
}

/// Above this, the GEMM's buffers are views of dynamic shared memory.

std::string awq::checkGemmSupport(const LinearShape &shape,
                                  const GemmConfig &config) {
  const int64_t tileK = kChunk * config.kChunks;
  if (shape.k % tileK != 0 || shape.groupSize % kChunk != 0)
    return llvm::formatv("K = {0} must be a multiple of the K tile {1} and "
                         "the group size {2} of {3}",
                         shape.k, tileK, shape.groupSize, kChunk)
        .str();
  const int64_t sliceK = tileK / config.warpsK;
  if (sliceK % 16 != 0)
    return "each warp's K slice must be a multiple of 16";
  int64_t threads =
      kWarpSize * config.warpsM * config.warpsN * config.warpsK;
  int64_t warpTileM = config.tileM / config.warpsM;
  int64_t warpTileN = config.tileN / config.warpsN;
  if (config.dequantInRegisters) {
    if (config.doubleBufferW)
      return "register dequantization has no shared weight tile to "
             "double-buffer";
    if (sliceK % kChunk != 0)
      return "with register dequantization each warp's K slice must be "
             "whole 32-weight chunks";
    if (warpTileM % 16 != 0 || warpTileN % 8 != 0)
      return "warp tile must be a multiple of 16 x 8";
    if (warpTileN / 8 * scaleSlotsPerSlice(shape, sliceK) > 16)
      return "too many scales per warp and K step for registers";
  } else if (warpTileM % 16 != 0 || warpTileN % 16 != 0) {
    return "warp tile must be a multiple of 16 x 16";
  }
  // Each thread copies 4, 8 or 16 bytes of activations per copy op.
  int64_t xElems = config.tileM * tileK;
  if (xElems % threads != 0 || xElems / threads < 2)
    return "activation tile copies do not divide among the threads";
  // Each thread copies 4, 8 or 16 bytes of one weight row, or (register
  // dequantization, which never reads them back per thread) several
  // 16-byte pieces of it.
  int64_t wordsPerRow = 4 * config.kChunks;
  int64_t wordsPerThread = wordsPerRow * config.tileN / threads;
  bool copiesFit = wordsPerThread == 1 || wordsPerThread == 2 ||
                   wordsPerThread == 4 ||
                   (config.dequantInRegisters && wordsPerThread % 4 == 0 &&
                    wordsPerRow % wordsPerThread == 0);
  if (wordsPerRow * config.tileN % threads != 0 || !copiesFit)
    return "weight tile copies do not divide among the threads";
  if (config.stages < 2)
    return "at least two pipeline stages are needed";
  // Up to 48 KiB the buffers are static; above, dynamic shared memory up
  // to what the target allows per block.
  return checkSharedBytes(shape, gemmSharedBytes(config));
}

std::string awq::checkSharedBytes(const LinearShape &shape, int64_t bytes) {
  if (bytes <= shape.maxSharedBytes)
    return "";
  return llvm::formatv("the tile needs {0} bytes of shared memory, more "
                       "than the {1} a block may use on the target",
                       bytes, shape.maxSharedBytes)
      .str();
}

KernelLaunch awq::gemmLaunch(const LinearShape &shape,
                             const GemmConfig &config) {
  KernelLaunch launch;
  launch.family = "gemm";
  launch.mTile = config.tileM;
  launch.grid = {(shape.n + config.tileN - 1) / config.tileN, 1, 1};
  launch.block = {kWarpSize * config.warpsM * config.warpsN * config.warpsK, 1,
                  1};
  int64_t sharedBytes = gemmSharedBytes(config);
  launch.sharedBytes = sharedBytes > kStaticSharedBytes ? sharedBytes : 0;
  return launch;
}

KernelLaunch awq::buildGemmKernel(OpBuilder &builder, Location loc,
                                  gpu::GPUModuleOp module, StringRef name,
                                  const LinearShape &shape,
                                  const GemmConfig &config) {
  ImplicitLocOpBuilder b(loc, builder);
  b.setInsertionPointToEnd(module.getBody());
  MLIRContext *ctx = b.getContext();
  Type elemType = shape.elementType(ctx);
  Type f32 = b.getF32Type();
  Type i32 = b.getI32Type();
  const int64_t n = shape.n, k = shape.k, groups = shape.numGroups();
  const int64_t tileM = config.tileM, tileN = config.tileN;
  const int64_t stages = config.stages;
  const int64_t kTileK = kChunk * config.kChunks;
  const int64_t warpsK = config.warpsK;
  const int64_t sliceK = kTileK / warpsK;
  const int64_t threads =
      kWarpSize * config.warpsM * config.warpsN * warpsK;
  const int64_t warpTileM = tileM / config.warpsM;
  const int64_t warpTileN = tileN / config.warpsN;
  const int64_t mmaTilesM = warpTileM / 16, mmaTilesN = warpTileN / 8;
  const int64_t wordsPerRow = 4 * config.kChunks;
  const int64_t wordsPerThread = wordsPerRow * tileN / threads;
  const int64_t threadsPerRow = wordsPerRow / wordsPerThread;
  const int64_t numKTiles = k / kTileK;
  // Activation copies: up to 16 bytes (8 halves) each, row-major units.
  const int64_t xElemsPerCopy =
      std::min<int64_t>(8, tileM * kTileK / threads);
  const int64_t xCopiesPerRow = kTileK / xElemsPerCopy;
  const int64_t xCopies = tileM * kTileK / (threads * xElemsPerCopy);

  SmallVector<Type> argTypes = linearKernelArgTypes(
      b, n, k, groups, elemType, shape.hasZeros, shape.hasBias);

  auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto shared = [&](ArrayRef<int64_t> shape, Type type) {
    return MemRefType::get(shape, type, MemRefLayoutAttrInterface{}, workgroup);
  };
  auto xTilesType = shared({stages, tileM, kTileK + kRowPad}, elemType);
  const bool inRegisters = config.dequantInRegisters;
  auto wTilesType = shared({stages, tileN, weightRowStride(config)}, i32);
  SmallVector<Type> buffers = {xTilesType, wTilesType};
  if (!inRegisters) {
    const int64_t wHalfBuffers = config.doubleBufferW ? 2 : 1;
    buffers.push_back(
        shared({wHalfBuffers, tileN, kTileK + kRowPad}, elemType));
  }
  // Split-K across the warps of a block: warps with a K slice other than
  // the first leave their partial sums here for the first to add.
  if (warpsK > 1)
    buffers.push_back(shared({warpsK - 1, tileM, tileN}, f32));
  const unsigned partialsIndex = buffers.size() - 1;

  // Static buffers are workgroup attributions; dynamic ones are views of
  // public zero-sized memref.globals, which become `.extern .shared` arrays
  // that all start at the dynamic shared memory base (CODEGEN-NOTES P3:
  // gpu.dynamic_shared_memory and private globals are demoted to static
  // 1-byte arrays by LLVM 22).
  const bool dynamicShared = gemmSharedBytes(config) > kStaticSharedBytes;
  auto func = gpu::GPUFuncOp::create(b, name, b.getFunctionType(argTypes, {}),
                                     dynamicShared ? TypeRange{}
                                                   : TypeRange(buffers));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  // No known_block_size (`.maxntid`): under it ptxas capped registers and
  // spilled (CODEGEN-NOTES P14-style surprises); occupancy hints go
  // through `.minnctapersm` only where asked for.
  if (config.minBlocksPerSM > 1)
    func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                  b.getI32IntegerAttr(config.minBlocksPerSM));
  SmallVector<Value> bufferValues;
  Block &entry = func.getBody().front();
  if (!dynamicShared) {
    // cp.async and ldmatrix move 16-byte rows: align every shared buffer.
    for (unsigned i = 0; i < buffers.size(); ++i)
      func.setWorkgroupAttributionAttr(
          i, LLVM::LLVMDialect::getAlignAttrName(), b.getI64IntegerAttr(16));
    llvm::append_range(bufferValues, func.getWorkgroupAttributions());
    b.setInsertionPointToStart(&entry);
  } else {
    // Each buffer a view at its byte offset (every buffer is a multiple of
    // 16 bytes).
    b.setInsertionPointToStart(&entry);
    int64_t byteOffset = 0;
    for (Type buffer : buffers) {
      auto type = cast<MemRefType>(buffer);
      bufferValues.push_back(
          dynamicSharedView(b, module, type, byteOffset).first);
      byteOffset += type.getNumElements() *
                    type.getElementType().getIntOrFloatBitWidth() / 8;
    }
  }
  waitForPrerequisiteGrids(b, shape.gridDependencyControl);
  Value xTiles = bufferValues[0];
  Value wTiles = bufferValues[1];
  Value wHalf = inRegisters ? Value() : bufferValues[2];

  KernelEmitter e{b, elemType};
  LinearKernelArgs args(entry, shape.hasZeros, shape.hasBias);
  Value x = args.x, qweight = args.qweight, scales = args.scales,
        zeros = args.zeros, bias = args.bias, y = args.y;

  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value lane = arith::RemUIOp::create(b, tid, e.index(kWarpSize));
  Value warp = arith::DivUIOp::create(b, tid, e.index(kWarpSize));
  const int64_t warpsMN = config.warpsM * config.warpsN;
  Value warpK = arith::DivUIOp::create(b, warp, e.index(warpsMN));
  Value warpMN = arith::RemUIOp::create(b, warp, e.index(warpsMN));
  Value warpM = arith::DivUIOp::create(b, warpMN, e.index(config.warpsN));
  Value warpN = arith::RemUIOp::create(b, warpMN, e.index(config.warpsN));
  Value warpK0 = e.mul(warpK, sliceK);
  Value blockN0 = e.mul(gpu::BlockIdOp::create(b, gpu::Dimension::x), tileN);
  Value blockM0 = e.mul(gpu::BlockIdOp::create(b, gpu::Dimension::y), tileM);
  Value m = memref::DimOp::create(b, x, 0);
  Value lastM = arith::SubIOp::create(b, m, e.index(1));
  auto tokenType = nvgpu::DeviceAsyncTokenType::get(ctx);

  // This thread's share of the weight tile: row `wRow`, words
  // [wWord0, wWord0 + wordsPerThread). It copies and dequantizes them.
  Value wRow = arith::DivUIOp::create(b, tid, e.index(threadsPerRow));
  Value wWord0 = e.mul(arith::RemUIOp::create(b, tid, e.index(threadsPerRow)),
                       wordsPerThread);
  Value wRowGlobal = e.minIndex(e.add(blockN0, wRow), e.index(n - 1));
  // The 32-weight chunk of the K tile these words belong to, and the word
  // within that chunk: one chunk never straddles a quantization group.
  Value wChunk = arith::DivUIOp::create(b, wWord0, e.index(4));
  Value wChunkWord = arith::RemUIOp::create(b, wWord0, e.index(4));

  // Issues the copies of K tile `kTile` (clamped to the last tile, so the
  // tail of the pipeline re-fetches instead of branching) into `stage`.
  auto issueCopies = [&](ImplicitLocOpBuilder &ib, Value kTile, Value stage) {
    KernelEmitter ie{ib, elemType};
    Value tile = ie.minIndex(kTile, ie.index(numKTiles - 1));
    Value k0 = ie.mul(tile, kTileK);
    SmallVector<Value> tokens;
    for (int64_t i = 0; i < xCopies; ++i) {
      Value unit = ie.add(tid, ie.index(i * threads));
      Value row = arith::DivUIOp::create(ib, unit, ie.index(xCopiesPerRow));
      Value col = ie.mul(arith::RemUIOp::create(ib, unit,
                                                ie.index(xCopiesPerRow)),
                         xElemsPerCopy);
      Value globalRow = ie.add(blockM0, row);
      // Rows past M read row M-1 with zero bytes taken: zero-filled.
      Value srcElems = arith::SelectOp::create(
          ib, ie.ult(globalRow, m), ie.index(xElemsPerCopy), ie.index(0));
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          ib, tokenType, xTiles, ValueRange{stage, row, col}, x,
          ValueRange{ie.minIndex(globalRow, lastM), ie.add(k0, col)},
          ib.getIndexAttr(xElemsPerCopy), srcElems,
          xElemsPerCopy == 8 ? ib.getUnitAttr() : UnitAttr()));
    }
    Value wordCol = ie.add(ie.mul(tile, wordsPerRow), wWord0);
    const int64_t wordsPerCopy = std::min<int64_t>(wordsPerThread, 4);
    for (int64_t i = 0; i < wordsPerThread; i += wordsPerCopy)
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          ib, tokenType, wTiles,
          ValueRange{stage, wRow, ie.add(wWord0, ie.index(i))}, qweight,
          ValueRange{wRowGlobal, ie.add(wordCol, ie.index(i))},
          ib.getIndexAttr(wordsPerCopy),
          /*srcElements=*/Value(),
          wordsPerCopy == 4 ? ib.getUnitAttr() : UnitAttr()));
    return nvgpu::DeviceAsyncCreateGroupOp::create(ib, tokenType, tokens)
        .getResult();
  };

  // Scale and zero point of this thread's weight row for K tile `kTile`.
  auto loadScaleZero = [&](ImplicitLocOpBuilder &ib, Value kTile) {
    KernelEmitter ie{ib, elemType};
    Value tile = ie.minIndex(kTile, ie.index(numKTiles - 1));
    Value group = arith::DivUIOp::create(
        ib, ie.add(ie.mul(tile, kTileK), ie.mul(wChunk, kChunk)),
        ie.index(shape.groupSize));
    Value s = memref::LoadOp::create(ib, scales, ValueRange{wRowGlobal, group});
    Value z = zeros ? memref::LoadOp::create(ib, zeros,
                                             ValueRange{wRowGlobal, group})
                          .getResult()
                    : ie.scalar(kSymmetricZero);
    return std::make_pair(Value(s), z);
  };

  // Prologue: stages - 1 tiles in flight.
  Value prologueToken;
  for (int64_t s = 0; s + 1 < stages; ++s)
    prologueToken = issueCopies(b, e.index(s), e.index(s));

  Value laneMod16 = arith::RemUIOp::create(b, lane, e.index(16));
  Value laneDiv16 = arith::DivUIOp::create(b, lane, e.index(16));
  Value laneMod8 = arith::RemUIOp::create(b, lane, e.index(8));
  Value laneDiv8Mod2 = arith::RemUIOp::create(
      b, arith::DivUIOp::create(b, lane, e.index(8)), e.index(2));
  Value laneDiv4 = arith::DivUIOp::create(b, lane, e.index(4));
  Value laneMod4 = arith::RemUIOp::create(b, lane, e.index(4));
  Value warpRow0 = e.mul(warpM, warpTileM);
  Value warpCol0 = e.mul(warpN, warpTileN);

  // Register dequantization: lane 4g + t dequantizes word t of weight row
  // ni · 8 + g of its warp tile, for every n8 tile ni, with the scale and
  // zero point of each group its K slice touches ("slots").
  const int64_t sliceChunks = sliceK / kChunk;
  const int64_t slots =
      inRegisters ? scaleSlotsPerSlice(shape, sliceK) : int64_t(0);
  auto firstChunkOfSlot = [&](int64_t slot) -> int64_t {
    if (shape.groupSize % sliceK == 0)
      return 0;
    if (sliceK % shape.groupSize == 0)
      return slot * shape.groupSize / kChunk;
    return slot;
  };
  auto slotOfChunk = [&](int64_t chunk) -> int64_t {
    if (shape.groupSize % sliceK == 0)
      return 0;
    if (sliceK % shape.groupSize == 0)
      return chunk * kChunk / shape.groupSize;
    return chunk;
  };
  const int64_t valuesPerSlot = zeros ? 2 : 1;
  SmallVector<Value> fragRows;
  for (int64_t ni = 0; inRegisters && ni < mmaTilesN; ++ni)
    fragRows.push_back(e.minIndex(
        e.add(e.add(blockN0, warpCol0), e.add(e.index(ni * 8), laneDiv4)),
        e.index(n - 1)));
  auto loadFragScales = [&](ImplicitLocOpBuilder &ib, Value kTile) {
    KernelEmitter ie{ib, elemType};
    Value tile = ie.minIndex(kTile, ie.index(numKTiles - 1));
    Value sliceStart = ie.add(ie.mul(tile, kTileK), warpK0);
    SmallVector<Value> values;
    for (int64_t ni = 0; ni < mmaTilesN; ++ni)
      for (int64_t slot = 0; slot < slots; ++slot) {
        Value group = arith::DivUIOp::create(
            ib, ie.add(sliceStart, ie.index(firstChunkOfSlot(slot) * kChunk)),
            ie.index(shape.groupSize));
        values.push_back(memref::LoadOp::create(
            ib, scales, ValueRange{fragRows[ni], group}));
        if (zeros)
          values.push_back(memref::LoadOp::create(
              ib, zeros, ValueRange{fragRows[ni], group}));
      }
    return values;
  };

  auto accType = VectorType::get({2, 2}, f32);
  Value zeroAcc = arith::ConstantOp::create(
      b, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
  const int64_t numAccs = mmaTilesM * mmaTilesN;
  SmallVector<Value> init(numAccs, zeroAcc);
  if (inRegisters) {
    llvm::append_range(init, loadFragScales(b, e.index(0)));
  } else {
    auto [s0, z0] = loadScaleZero(b, e.index(0));
    init.push_back(s0);
    init.push_back(z0);
  }

  auto fragAType = VectorType::get({4, 2}, elemType);
  auto mma = [&](ImplicitLocOpBuilder &ib, Value fragA, Value fragB,
                 Value acc) { return mmaSync(ib, fragA, fragB, acc); };
  // Words 4 · chunk + t of this lane's K slice in a staged weight row.
  Value warpWord0 = e.add(e.mul(warpK, sliceK / 8), laneMod4);

  auto loop = scf::ForOp::create(
      b, e.index(0), e.index(numKTiles), e.index(1), init,
      [&](OpBuilder &nested, Location nestedLoc, Value kTile,
          ValueRange carried) {
        ImplicitLocOpBuilder lb(nestedLoc, nested);
        KernelEmitter le{lb, elemType};
        Value stage = arith::RemUIOp::create(lb, kTile, le.index(stages));
        Value ahead = le.add(kTile, le.index(stages - 1));
        Value aheadStage = arith::RemUIOp::create(lb, ahead, le.index(stages));

        if (inRegisters) {
          // One barrier per K step: it makes tile kTile visible and ends
          // every warp's reads of the stage the refill then overwrites.
          nvgpu::DeviceAsyncWaitOp::create(lb, prologueToken,
                                           lb.getI32IntegerAttr(stages - 2));
          gpu::BarrierOp::create(lb);
          issueCopies(lb, ahead, aheadStage);
          SmallVector<Value> next =
              loadFragScales(lb, le.add(kTile, le.index(1)));
          SmallVector<Value> accs(carried.begin(), carried.begin() + numAccs);
          for (int64_t chunk = 0; chunk < sliceChunks; ++chunk) {
            SmallVector<Value> words;
            for (int64_t ni = 0; ni < mmaTilesN; ++ni)
              words.push_back(vector::LoadOp::create(
                  lb, VectorType::get({1}, i32), wTiles,
                  ValueRange{stage,
                             le.add(warpCol0, le.add(le.index(ni * 8),
                                                     laneDiv4)),
                             le.add(warpWord0, le.index(4 * chunk))}));
            // A: one ldmatrix x4 per 16 rows and k16 half of the chunk.
            SmallVector<std::array<Value, 2>> fragA(mmaTilesM);
            for (int64_t mi = 0; mi < mmaTilesM; ++mi)
              for (int64_t half = 0; half < 2; ++half) {
                Value row =
                    le.add(le.add(warpRow0, le.index(mi * 16)), laneMod16);
                Value col = le.add(
                    le.add(warpK0, le.index(chunk * kChunk + 16 * half)),
                    le.mul(laneDiv16, 8));
                fragA[mi][half] = nvgpu::LdMatrixOp::create(
                    lb, fragAType, xTiles, ValueRange{stage, row, col},
                    /*transpose=*/false, /*numTiles=*/4);
              }
            int64_t slot = slotOfChunk(chunk);
            for (int64_t ni = 0; ni < mmaTilesN; ++ni) {
              int64_t at = numAccs + (ni * slots + slot) * valuesPerSlot;
              Value s = carried[at];
              Value z = zeros ? carried[at + 1] : le.scalar(kSymmetricZero);
              // Eighths 0, 1 are the B fragment of the chunk's first k16
              // half, eighths 2, 3 of its second.
              std::array<Value, 4> eighths = le.dequantize(words[ni], s, z);
              for (int64_t half = 0; half < 2; ++half) {
                Value fragB =
                    le.fragment({eighths[2 * half], eighths[2 * half + 1]});
                for (int64_t mi = 0; mi < mmaTilesM; ++mi) {
                  Value &acc = accs[mi * mmaTilesN + ni];
                  acc = mma(lb, fragA[mi][half], fragB, acc);
                }
              }
            }
          }
          SmallVector<Value> yielded = accs;
          llvm::append_range(yielded, next);
          scf::YieldOp::create(lb, yielded);
          return;
        }

        Value wBuffer = config.doubleBufferW
                            ? arith::RemUIOp::create(lb, kTile, le.index(2))
                                  .getResult()
                            : le.index(0);
        if (config.doubleBufferW) {
          // Wait for tile kTile (the stages - 2 younger tiles may still be
          // in flight), then refill the stage every thread finished reading
          // in the previous step, which the barrier guarantees.
          // (The wait's token operand only types the op; the count is what
          // cp.async.wait_group uses.)
          nvgpu::DeviceAsyncWaitOp::create(lb, prologueToken,
                                           lb.getI32IntegerAttr(stages - 2));
          gpu::BarrierOp::create(lb);
          issueCopies(lb, ahead, aheadStage);
        } else {
          // Refill the stage read in the previous step, then wait until at
          // most stages - 1 groups are pending: tile kTile has landed.
          Value token = issueCopies(lb, ahead, aheadStage);
          nvgpu::DeviceAsyncWaitOp::create(lb, token,
                                           lb.getI32IntegerAttr(stages - 1));
          gpu::BarrierOp::create(lb);
        }

        // Dequantize this thread's words into the shared f16 weight tile;
        // fetch next step's scale and zero point meanwhile.
        Value s = carried[numAccs];
        Value z = carried[numAccs + 1];
        auto [sNext, zNext] = loadScaleZero(lb, le.add(kTile, le.index(1)));
        Value words = vector::LoadOp::create(
            lb, VectorType::get({wordsPerThread}, i32), wTiles,
            ValueRange{stage, wRow, wWord0}, /*nontemporal=*/false,
            llvm::MaybeAlign(4 * wordsPerThread));
        std::array<Value, 4> eighths = le.dequantize(words, s, z);
        Value halfCol0 = le.add(le.mul(wChunk, kChunk), le.mul(wChunkWord, 2));
        for (int64_t j = 0; j < 4; ++j)
          vector::StoreOp::create(lb, eighths[j], wHalf,
                                  ValueRange{wBuffer, wRow, le.add(halfCol0,
                                                          le.index(8 * j))},
                                  /*nontemporal=*/false,
                                  llvm::MaybeAlign(4 * wordsPerThread));
        gpu::BarrierOp::create(lb);

        SmallVector<Value> accs(carried.begin(), carried.begin() + numAccs);
        for (int64_t kk = 0; kk < sliceK; kk += 16) {
          // A: rows lane % 16, column 8 · (lane / 16) of each 16x16 tile.
          SmallVector<Value> fragA;
          for (int64_t mi = 0; mi < mmaTilesM; ++mi) {
            Value row = le.add(le.add(warpRow0, le.index(mi * 16)), laneMod16);
            Value col = le.add(le.add(warpK0, le.index(kk)), le.mul(laneDiv16, 8));
            fragA.push_back(nvgpu::LdMatrixOp::create(
                lb, fragAType, xTiles, ValueRange{stage, row, col},
                /*transpose=*/false, /*numTiles=*/4));
          }
          // B (W rows are B's columns): x4 loads two n8 tiles at once;
          // registers 0-1 feed the first, 2-3 the second.
          for (int64_t ni = 0; ni < mmaTilesN; ni += 2) {
            Value row = le.add(le.add(warpCol0, le.index(ni * 8)),
                               le.add(laneMod8, le.mul(laneDiv16, 8)));
            Value col = le.add(le.add(warpK0, le.index(kk)),
                               le.mul(laneDiv8Mod2, 8));
            Value frag4 = nvgpu::LdMatrixOp::create(
                lb, fragAType, wHalf, ValueRange{wBuffer, row, col},
                /*transpose=*/false, /*numTiles=*/4);
            for (int64_t half = 0; half < 2; ++half) {
              Value fragB = le.fragment(
                  {vector::ExtractOp::create(lb, frag4, 2 * half),
                   vector::ExtractOp::create(lb, frag4, 2 * half + 1)});
              for (int64_t mi = 0; mi < mmaTilesM; ++mi) {
                Value &acc = accs[mi * mmaTilesN + ni + half];
                acc = mma(lb, fragA[mi], fragB, acc);
              }
            }
          }
        }
        // The next step refills this stage and rewrites the f16 tile, unless
        // it writes the other tile and refills only after its barrier.
        if (!config.doubleBufferW)
          gpu::BarrierOp::create(lb);
        SmallVector<Value> yielded = accs;
        yielded.push_back(sNext);
        yielded.push_back(zNext);
        scf::YieldOp::create(lb, yielded);
      });

  // Drain the copies still in flight (re-fetched tiles) before exiting.
  Value drained = nvgpu::DeviceAsyncCreateGroupOp::create(b, tokenType,
                                                          ValueRange{});
  nvgpu::DeviceAsyncWaitOp::create(b, drained, b.getI32IntegerAttr(0));

  // Accumulator (r, c) of lane L sits at row L / 4 + 8r, column
  // 2 · (L % 4) + c of its 16x8 tile.
  Value laneMod4x2 = e.mul(laneMod4, 2);
  auto tileRow = [&](int64_t mi, int64_t r) {
    return e.add(warpRow0, e.add(e.index(mi * 16 + 8 * r), laneDiv4));
  };
  auto tileCol = [&](int64_t ni, int64_t col) {
    return e.add(warpCol0, e.add(e.index(ni * 8 + col), laneMod4x2));
  };
  SmallVector<Value> accs;
  for (int64_t i = 0; i < numAccs; ++i)
    accs.push_back(loop.getResult(i));
  // The next kernel may be scheduled once the K loop is done: triggered at
  // the start, its waiting blocks shared SMs with this one's few blocks
  // (H100, M = 32..64: up to 1.5x slower; docs/perf.md).
  allowDependentLaunch(b, shape.gridDependencyControl);

  // Split-K: the warps of K slices 1.. store their partial sums, the warps
  // of slice 0 add them and alone run the epilogue.
  std::optional<scf::IfOp> epilogueIf;
  if (warpsK > 1) {
    Value partials = bufferValues[partialsIndex];
    Value isFirst = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, warpK,
                                          e.index(0));
    {
      auto storeIf = scf::IfOp::create(
          b, arith::XOrIOp::create(
                 b, isFirst,
                 arith::ConstantOp::create(b, b.getBoolAttr(true))),
          /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(storeIf.thenBlock());
      Value slot = arith::SubIOp::create(b, warpK, e.index(1));
      for (int64_t mi = 0; mi < mmaTilesM; ++mi)
        for (int64_t ni = 0; ni < mmaTilesN; ++ni)
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t col = 0; col < 2; ++col)
              memref::StoreOp::create(
                  b,
                  vector::ExtractOp::create(b, accs[mi * mmaTilesN + ni],
                                            ArrayRef<int64_t>{r, col}),
                  partials, ValueRange{slot, tileRow(mi, r), tileCol(ni, col)});
    }
    gpu::BarrierOp::create(b);
    epilogueIf = scf::IfOp::create(b, isFirst, /*withElseRegion=*/false);
    b.setInsertionPointToStart(epilogueIf->thenBlock());
    for (int64_t mi = 0; mi < mmaTilesM; ++mi)
      for (int64_t ni = 0; ni < mmaTilesN; ++ni) {
        Value &acc = accs[mi * mmaTilesN + ni];
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t col = 0; col < 2; ++col) {
            Value sum = vector::ExtractOp::create(b, acc,
                                                  ArrayRef<int64_t>{r, col});
            for (int64_t w = 1; w < warpsK; ++w)
              sum = arith::AddFOp::create(
                  b, sum,
                  memref::LoadOp::create(
                      b, partials,
                      ValueRange{e.index(w - 1), tileRow(mi, r),
                                 tileCol(ni, col)}));
            acc = vector::InsertOp::create(b, sum, acc,
                                           ArrayRef<int64_t>{r, col});
          }
      }
  }

  // Epilogue: bias, rounding to the activation type, masked stores.
  for (int64_t mi = 0; mi < mmaTilesM; ++mi)
    for (int64_t ni = 0; ni < mmaTilesN; ++ni) {
      Value acc = accs[mi * mmaTilesN + ni];
      for (int64_t c = 0; c < 2; ++c) {
        Value col = e.add(e.add(blockN0, warpCol0),
                          e.add(e.index(ni * 8 + c), laneMod4x2));
        Value colValid = e.ult(col, e.index(n));
        Value biasValue = bias ? e.biasAt(bias, col, n) : Value();
        for (int64_t r = 0; r < 2; ++r) {
          Value row = e.add(e.add(blockM0, warpRow0),
                            e.add(e.index(mi * 16 + 8 * r), laneDiv4));
          Value value = vector::ExtractOp::create(
              b, acc, ArrayRef<int64_t>{r, c});
          if (biasValue)
            value = arith::AddFOp::create(b, value, biasValue);
          Value valid = arith::AndIOp::create(b, colValid, e.ult(row, m));
          auto ifOp = scf::IfOp::create(b, valid, /*withElseRegion=*/false);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          memref::StoreOp::create(b, arith::TruncFOp::create(b, elemType, value),
                                  y, ValueRange{row, col});
        }
      }
    }
  if (epilogueIf)
    b.setInsertionPointAfter(*epilogueIf);
  gpu::ReturnOp::create(b);
  return gemmLaunch(shape, config);
}
