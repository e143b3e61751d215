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

namespace {
/// Builds one mma.sync GEMM kernel: the function and its shared buffers
/// (setUpFunction), indices (setUpIndices, setUpLaneIndices), the copy and
/// scale streams (issueCopies, loadScaleZero, loadFragScales), one K step
/// dequantizing into registers (buildStepInRegisters) or through a shared
/// f16 tile (buildStepShared), the in-block split-K sum (sumSplitK) and the
/// epilogue (storeOutputs).
class GemmKernelBuilder : KernelBuilderBase<GemmConfig> {
public:
  GemmKernelBuilder(OpBuilder &builder, Location loc, gpu::GPUModuleOp module,
                    const LinearShape &shape, const GemmConfig &config)
      : KernelBuilderBase(builder, loc, module, shape, config), n(shape.n), tileM(config.tileM), tileN(config.tileN),
        stages(config.stages), kTileK(kChunk * config.kChunks),
        warpsK(config.warpsK), sliceK(kTileK / warpsK),
        threads(mlir::awq::kWarpSize * config.warpsM * config.warpsN *
                warpsK),
        warpTileM(tileM / config.warpsM), warpTileN(tileN / config.warpsN),
        mmaTilesM(warpTileM / 16), mmaTilesN(warpTileN / 8),
        wordsPerRow(4 * config.kChunks),
        wordsPerThread(wordsPerRow * tileN / threads),
        threadsPerRow(wordsPerRow / wordsPerThread),
        numKTiles(shape.k / kTileK),
        // Activation copies: up to 16 bytes (8 halves) each, row-major.
        xElemsPerCopy(std::min<int64_t>(8, tileM * kTileK / threads)),
        xCopiesPerRow(kTileK / xElemsPerCopy),
        xCopies(tileM * kTileK / (threads * xElemsPerCopy)),
        inRegisters(config.dequantInRegisters),
        sliceChunks(sliceK / kChunk),
        slots(inRegisters ? scaleSlotsPerSlice(shape, sliceK) : int64_t(0)),
        valuesPerSlot(shape.hasZeros ? 2 : 1),
        numAccs(mmaTilesM * mmaTilesN) {}

  KernelLaunch build(StringRef name) {
    setUpFunction(name);
    setUpIndices();
    // Prologue: stages - 1 tiles in flight.
    for (int64_t s = 0; s + 1 < stages; ++s)
      prologueToken = issueCopies(b, e.index(s), e.index(s));
    setUpLaneIndices();
    scf::ForOp loop = buildLoop();
    // Drain the copies still in flight (re-fetched tiles) before exiting.
    Value drained = nvgpu::DeviceAsyncCreateGroupOp::create(
        b, tokenType(), ValueRange{});
    nvgpu::DeviceAsyncWaitOp::create(b, drained, b.getI32IntegerAttr(0));
    laneMod4x2 = e.mul(laneMod4, 2);
    SmallVector<Value> accs;
    for (int64_t i = 0; i < numAccs; ++i)
      accs.push_back(loop.getResult(i));
    // The next kernel may be scheduled once the K loop is done: triggered
    // at the start, its waiting blocks shared SMs with this one's few
    // blocks (H100, M = 32..64: up to 1.5x slower; docs/perf.md).
    allowDependentLaunch(b, shape.gridDependencyControl);
    std::optional<scf::IfOp> epilogueIf = sumSplitK(accs);
    storeOutputs(accs);
    if (epilogueIf)
      b.setInsertionPointAfter(*epilogueIf);
    gpu::ReturnOp::create(b);
    return gemmLaunch(shape, config);
  }

private:
  Type i32() { return b.getI32Type(); }
  Type tokenType() { return nvgpu::DeviceAsyncTokenType::get(ctx); }
  MemRefType shared(ArrayRef<int64_t> dims, Type type) {
    return MemRefType::get(
        dims, type, MemRefLayoutAttrInterface{},
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  }

  /// The shared buffers: activation stages, packed weight stages, the f16
  /// weight tile(s) (unless dequantized into registers) and, with split-K
  /// across warps, the partial sums the warps of K slices 1.. leave for
  /// the first slice's warps to add.
  SmallVector<Type> bufferTypes() {
    SmallVector<Type> buffers = {
        shared({stages, tileM, kTileK + kRowPad}, elemType),
        shared({stages, tileN, weightRowStride(config)}, i32())};
    if (!inRegisters) {
      const int64_t wHalfBuffers = config.doubleBufferW ? 2 : 1;
      buffers.push_back(
          shared({wHalfBuffers, tileN, kTileK + kRowPad}, elemType));
    }
    if (warpsK > 1)
      buffers.push_back(shared({warpsK - 1, tileM, tileN}, b.getF32Type()));
    return buffers;
  }

  /// The kernel and views of its buffers. Static buffers are workgroup
  /// attributions; dynamic ones are views of public zero-sized
  /// memref.globals, which become `.extern .shared` arrays that all start
  /// at the dynamic shared memory base (CODEGEN-NOTES P3: gpu.dynamic_
  /// shared_memory and private globals are demoted to static 1-byte arrays
  /// by LLVM 22).
  void setUpFunction(StringRef name) {
    SmallVector<Type> buffers = bufferTypes();
    const bool dynamicShared = gemmSharedBytes(config) > kStaticSharedBytes;
    auto func = createKernelFunction(
        name, dynamicShared ? TypeRange{} : TypeRange(buffers));
    // No known_block_size (`.maxntid`): under it ptxas capped registers and
    // spilled (CODEGEN-NOTES P14-style surprises); occupancy hints go
    // through `.minnctapersm` only where asked for.
    if (config.minBlocksPerSM > 1)
      func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                    b.getI32IntegerAttr(config.minBlocksPerSM));
    Block &entry = func.getBody().front();
    if (!dynamicShared) {
      // cp.async and ldmatrix move 16-byte rows: align every shared buffer.
      for (unsigned i = 0; i < buffers.size(); ++i)
        func.setWorkgroupAttributionAttr(
            i, LLVM::LLVMDialect::getAlignAttrName(), b.getI64IntegerAttr(16));
      llvm::append_range(bufferValues, func.getWorkgroupAttributions());
      b.setInsertionPointToStart(&entry);
    } else {
      // Each buffer a view at its byte offset (every buffer is a multiple
      // of 16 bytes).
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
    xTiles = bufferValues[0];
    wTiles = bufferValues[1];
    wHalf = inRegisters ? Value() : bufferValues[2];
    if (warpsK > 1)
      partials = bufferValues.back();
    args.emplace(entry, shape.hasZeros, shape.hasBias);
  }

  /// Thread, warp and block positions, and this thread's share of the
  /// weight tile: row `wRow`, words [wWord0, wWord0 + wordsPerThread),
  /// which it copies and dequantizes, in 32-weight chunk wChunk of the K
  /// tile (a chunk never straddles a quantization group).
  void setUpIndices() {
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    lane = arith::RemUIOp::create(b, tid, e.index(mlir::awq::kWarpSize));
    Value warp = arith::DivUIOp::create(b, tid, e.index(mlir::awq::kWarpSize));
    const int64_t warpsMN = config.warpsM * config.warpsN;
    warpK = arith::DivUIOp::create(b, warp, e.index(warpsMN));
    Value warpMN = arith::RemUIOp::create(b, warp, e.index(warpsMN));
    warpM = arith::DivUIOp::create(b, warpMN, e.index(config.warpsN));
    warpN = arith::RemUIOp::create(b, warpMN, e.index(config.warpsN));
    warpK0 = e.mul(warpK, sliceK);
    blockN0 = e.mul(gpu::BlockIdOp::create(b, gpu::Dimension::x), tileN);
    blockM0 = e.mul(gpu::BlockIdOp::create(b, gpu::Dimension::y), tileM);
    m = memref::DimOp::create(b, args->x, 0);
    lastM = arith::SubIOp::create(b, m, e.index(1));
    wRow = arith::DivUIOp::create(b, tid, e.index(threadsPerRow));
    wWord0 = e.mul(arith::RemUIOp::create(b, tid, e.index(threadsPerRow)),
                   wordsPerThread);
    wRowGlobal = e.minIndex(e.add(blockN0, wRow), e.index(n - 1));
    wChunk = arith::DivUIOp::create(b, wWord0, e.index(4));
    wChunkWord = arith::RemUIOp::create(b, wWord0, e.index(4));
  }

  /// Lane positions for ldmatrix and the accumulators, the warp tile's
  /// origin, the weight rows of register dequantization, and the loop's
  /// initial values (zero accumulators, step 0's scales).
  void setUpLaneIndices() {
    laneMod16 = arith::RemUIOp::create(b, lane, e.index(16));
    laneDiv16 = arith::DivUIOp::create(b, lane, e.index(16));
    laneMod8 = arith::RemUIOp::create(b, lane, e.index(8));
    laneDiv8Mod2 = arith::RemUIOp::create(
        b, arith::DivUIOp::create(b, lane, e.index(8)), e.index(2));
    laneDiv4 = arith::DivUIOp::create(b, lane, e.index(4));
    laneMod4 = arith::RemUIOp::create(b, lane, e.index(4));
    warpRow0 = e.mul(warpM, warpTileM);
    warpCol0 = e.mul(warpN, warpTileN);
    // Register dequantization: lane 4g + t dequantizes word t of weight row
    // ni · 8 + g of its warp tile, for every n8 tile ni, with the scale and
    // zero point of each group its K slice touches ("slots").
    for (int64_t ni = 0; inRegisters && ni < mmaTilesN; ++ni)
      fragRows.push_back(e.minIndex(
          e.add(e.add(blockN0, warpCol0), e.add(e.index(ni * 8), laneDiv4)),
          e.index(n - 1)));
    Value zeroAcc = arith::ConstantOp::create(
        b, DenseElementsAttr::get(VectorType::get({2, 2}, b.getF32Type()),
                                  b.getF32FloatAttr(0.0f)));
    init.assign(numAccs, zeroAcc);
    if (inRegisters) {
      llvm::append_range(init, loadFragScales(b, e.index(0)));
    } else {
      auto [s0, z0] = loadScaleZero(b, e.index(0));
      init.push_back(s0);
      init.push_back(z0);
    }
    // Words 4 · chunk + t of this lane's K slice in a staged weight row.
    warpWord0 = e.add(e.mul(warpK, sliceK / 8), laneMod4);
  }

  /// Issues the copies of K tile `kTile` (clamped to the last tile, so the
  /// tail of the pipeline re-fetches instead of branching) into `stage`.
  Value issueCopies(ImplicitLocOpBuilder &ib, Value kTile, Value stage) {
    KernelEmitter ie{ib, elemType};
    Value tile = ie.minIndex(kTile, ie.index(numKTiles - 1));
    Value k0 = ie.mul(tile, kTileK);
    SmallVector<Value> tokens;
    for (int64_t i = 0; i < xCopies; ++i) {
      Value unit = ie.add(tid, ie.index(i * threads));
      Value row = arith::DivUIOp::create(ib, unit, ie.index(xCopiesPerRow));
      Value col = ie.mul(
          arith::RemUIOp::create(ib, unit, ie.index(xCopiesPerRow)),
          xElemsPerCopy);
      Value globalRow = ie.add(blockM0, row);
      // Rows past M read row M-1 with zero bytes taken: zero-filled.
      Value srcElems = arith::SelectOp::create(
          ib, ie.ult(globalRow, m), ie.index(xElemsPerCopy), ie.index(0));
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          ib, tokenType(), xTiles, ValueRange{stage, row, col}, args->x,
          ValueRange{ie.minIndex(globalRow, lastM), ie.add(k0, col)},
          ib.getIndexAttr(xElemsPerCopy), srcElems,
          xElemsPerCopy == 8 ? ib.getUnitAttr() : UnitAttr()));
    }
    Value wordCol = ie.add(ie.mul(tile, wordsPerRow), wWord0);
    const int64_t wordsPerCopy = std::min<int64_t>(wordsPerThread, 4);
    for (int64_t i = 0; i < wordsPerThread; i += wordsPerCopy)
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          ib, tokenType(), wTiles,
          ValueRange{stage, wRow, ie.add(wWord0, ie.index(i))},
          args->qweight, ValueRange{wRowGlobal, ie.add(wordCol, ie.index(i))},
          ib.getIndexAttr(wordsPerCopy),
          /*srcElements=*/Value(),
          wordsPerCopy == 4 ? ib.getUnitAttr() : UnitAttr()));
    return nvgpu::DeviceAsyncCreateGroupOp::create(ib, tokenType(), tokens)
        .getResult();
  }

  /// Scale and zero point of this thread's weight row for K tile `kTile`.
  std::pair<Value, Value> loadScaleZero(ImplicitLocOpBuilder &ib,
                                        Value kTile) {
    KernelEmitter ie{ib, elemType};
    Value tile = ie.minIndex(kTile, ie.index(numKTiles - 1));
    Value group = arith::DivUIOp::create(
        ib, ie.add(ie.mul(tile, kTileK), ie.mul(wChunk, kChunk)),
        ie.index(shape.groupSize));
    Value s =
        memref::LoadOp::create(ib, args->scales, ValueRange{wRowGlobal, group});
    Value z = args->zeros ? memref::LoadOp::create(
                                ib, args->zeros, ValueRange{wRowGlobal, group})
                                .getResult()
                          : ie.scalar(kSymmetricZero);
    return {s, z};
  }

  /// The first chunk of the K slice in scale slot `slot`, and the slot of
  /// chunk `chunk`.
  int64_t firstChunkOfSlot(int64_t slot) const {
    if (shape.groupSize % sliceK == 0)
      return 0;
    if (sliceK % shape.groupSize == 0)
      return slot * shape.groupSize / kChunk;
    return slot;
  }
  int64_t slotOfChunk(int64_t chunk) const {
    if (shape.groupSize % sliceK == 0)
      return 0;
    if (sliceK % shape.groupSize == 0)
      return chunk * kChunk / shape.groupSize;
    return chunk;
  }

  /// Register dequantization: the scales (and zeros) of every n8 tile's
  /// slots for K tile `kTile`.
  SmallVector<Value> loadFragScales(ImplicitLocOpBuilder &ib, Value kTile) {
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
            ib, args->scales, ValueRange{fragRows[ni], group}));
        if (args->zeros)
          values.push_back(memref::LoadOp::create(
              ib, args->zeros, ValueRange{fragRows[ni], group}));
      }
    return values;
  }

  VectorType fragAType() { return VectorType::get({4, 2}, elemType); }

  /// A: one ldmatrix x4 per 16 rows at K column `col0` of the warp's slice.
  Value loadFragA(ImplicitLocOpBuilder &lb, Value stage, int64_t mi,
                  int64_t col0) {
    KernelEmitter le{lb, elemType};
    Value row = le.add(le.add(warpRow0, le.index(mi * 16)), laneMod16);
    Value col = le.add(le.add(warpK0, le.index(col0)), le.mul(laneDiv16, 8));
    return nvgpu::LdMatrixOp::create(lb, fragAType(), xTiles,
                                     ValueRange{stage, row, col},
                                     /*transpose=*/false, /*numTiles=*/4);
  }

  /// A K step with register dequantization: one barrier per step (it makes
  /// tile kTile visible and ends every warp's reads of the stage the refill
  /// then overwrites), B fragments dequantized straight from the staged
  /// words.
  void buildStepInRegisters(ImplicitLocOpBuilder &lb, Value kTile,
                            Value stage, Value ahead, Value aheadStage,
                            ValueRange carried) {
    KernelEmitter le{lb, elemType};
    nvgpu::DeviceAsyncWaitOp::create(lb, prologueToken,
                                     lb.getI32IntegerAttr(stages - 2));
    gpu::BarrierOp::create(lb);
    issueCopies(lb, ahead, aheadStage);
    SmallVector<Value> next = loadFragScales(lb, le.add(kTile, le.index(1)));
    SmallVector<Value> accs(carried.begin(), carried.begin() + numAccs);
    for (int64_t chunk = 0; chunk < sliceChunks; ++chunk) {
      SmallVector<Value> words;
      for (int64_t ni = 0; ni < mmaTilesN; ++ni)
        words.push_back(vector::LoadOp::create(
            lb, VectorType::get({1}, lb.getI32Type()), wTiles,
            ValueRange{stage,
                       le.add(warpCol0, le.add(le.index(ni * 8), laneDiv4)),
                       le.add(warpWord0, le.index(4 * chunk))}));
      SmallVector<std::array<Value, 2>> fragA(mmaTilesM);
      for (int64_t mi = 0; mi < mmaTilesM; ++mi)
        for (int64_t half = 0; half < 2; ++half)
          fragA[mi][half] =
              loadFragA(lb, stage, mi, chunk * kChunk + 16 * half);
      int64_t slot = slotOfChunk(chunk);
      for (int64_t ni = 0; ni < mmaTilesN; ++ni) {
        int64_t at = numAccs + (ni * slots + slot) * valuesPerSlot;
        Value s = carried[at];
        Value z = args->zeros ? carried[at + 1] : le.scalar(kSymmetricZero);
        // Eighths 0, 1 are the B fragment of the chunk's first k16 half,
        // eighths 2, 3 of its second.
        std::array<Value, 4> eighths = le.dequantize(words[ni], s, z);
        for (int64_t half = 0; half < 2; ++half) {
          Value fragB = le.fragment({eighths[2 * half], eighths[2 * half + 1]});
          for (int64_t mi = 0; mi < mmaTilesM; ++mi) {
            Value &acc = accs[mi * mmaTilesN + ni];
            acc = mmaSync(lb, fragA[mi][half], fragB, acc);
          }
        }
      }
    }
    SmallVector<Value> yielded = accs;
    llvm::append_range(yielded, next);
    scf::YieldOp::create(lb, yielded);
  }

  /// A K step through the shared f16 weight tile: refill and wait (in the
  /// order double buffering allows), dequantize this thread's words into
  /// the tile, then ldmatrix both operands.
  void buildStepShared(ImplicitLocOpBuilder &lb, Value kTile, Value stage,
                       Value ahead, Value aheadStage, ValueRange carried) {
    KernelEmitter le{lb, elemType};
    Value wBuffer = config.doubleBufferW
                        ? arith::RemUIOp::create(lb, kTile, le.index(2))
                              .getResult()
                        : le.index(0);
    if (config.doubleBufferW) {
      // Wait for tile kTile (the stages - 2 younger tiles may still be in
      // flight), then refill the stage every thread finished reading in the
      // previous step, which the barrier guarantees. (The wait's token
      // operand only types the op; the count is what cp.async.wait_group
      // uses.)
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
        lb, VectorType::get({wordsPerThread}, lb.getI32Type()), wTiles,
        ValueRange{stage, wRow, wWord0}, /*nontemporal=*/false,
        llvm::MaybeAlign(4 * wordsPerThread));
    std::array<Value, 4> eighths = le.dequantize(words, s, z);
    Value halfCol0 = le.add(le.mul(wChunk, kChunk), le.mul(wChunkWord, 2));
    for (int64_t j = 0; j < 4; ++j)
      vector::StoreOp::create(
          lb, eighths[j], wHalf,
          ValueRange{wBuffer, wRow, le.add(halfCol0, le.index(8 * j))},
          /*nontemporal=*/false, llvm::MaybeAlign(4 * wordsPerThread));
    gpu::BarrierOp::create(lb);
    SmallVector<Value> accs(carried.begin(), carried.begin() + numAccs);
    for (int64_t kk = 0; kk < sliceK; kk += 16)
      mmaSharedK16(lb, stage, wBuffer, kk, accs);
    // The next step refills this stage and rewrites the f16 tile, unless
    // it writes the other tile and refills only after its barrier.
    if (!config.doubleBufferW)
      gpu::BarrierOp::create(lb);
    SmallVector<Value> yielded = accs;
    yielded.push_back(sNext);
    yielded.push_back(zNext);
    scf::YieldOp::create(lb, yielded);
  }

  /// The MMAs of k16 step `kk` of the warp's slice from the shared tiles.
  void mmaSharedK16(ImplicitLocOpBuilder &lb, Value stage, Value wBuffer,
                    int64_t kk, SmallVector<Value> &accs) {
    KernelEmitter le{lb, elemType};
    // A: rows lane % 16, column 8 · (lane / 16) of each 16x16 tile.
    SmallVector<Value> fragA;
    for (int64_t mi = 0; mi < mmaTilesM; ++mi)
      fragA.push_back(loadFragA(lb, stage, mi, kk));
    // B (W rows are B's columns): x4 loads two n8 tiles at once;
    // registers 0-1 feed the first, 2-3 the second.
    for (int64_t ni = 0; ni < mmaTilesN; ni += 2) {
      Value row = le.add(le.add(warpCol0, le.index(ni * 8)),
                         le.add(laneMod8, le.mul(laneDiv16, 8)));
      Value col =
          le.add(le.add(warpK0, le.index(kk)), le.mul(laneDiv8Mod2, 8));
      Value frag4 = nvgpu::LdMatrixOp::create(
          lb, fragAType(), wHalf, ValueRange{wBuffer, row, col},
          /*transpose=*/false, /*numTiles=*/4);
      for (int64_t half = 0; half < 2; ++half) {
        Value fragB =
            le.fragment({vector::ExtractOp::create(lb, frag4, 2 * half),
                         vector::ExtractOp::create(lb, frag4, 2 * half + 1)});
        for (int64_t mi = 0; mi < mmaTilesM; ++mi) {
          Value &acc = accs[mi * mmaTilesN + ni + half];
          acc = mmaSync(lb, fragA[mi], fragB, acc);
        }
      }
    }
  }

  scf::ForOp buildLoop() {
    return scf::ForOp::create(
        b, e.index(0), e.index(numKTiles), e.index(1), init,
        [&](OpBuilder &nested, Location nestedLoc, Value kTile,
            ValueRange carried) {
          ImplicitLocOpBuilder lb(nestedLoc, nested);
          KernelEmitter le{lb, elemType};
          Value stage = arith::RemUIOp::create(lb, kTile, le.index(stages));
          Value ahead = le.add(kTile, le.index(stages - 1));
          Value aheadStage =
              arith::RemUIOp::create(lb, ahead, le.index(stages));
          if (inRegisters)
            buildStepInRegisters(lb, kTile, stage, ahead, aheadStage, carried);
          else
            buildStepShared(lb, kTile, stage, ahead, aheadStage, carried);
        });
  }

  /// Accumulator (r, c) of lane L sits at row L / 4 + 8r, column
  /// 2 · (L % 4) + c of its 16x8 tile.
  Value tileRow(int64_t mi, int64_t r) {
    return e.add(warpRow0, e.add(e.index(mi * 16 + 8 * r), laneDiv4));
  }
  Value tileCol(int64_t ni, int64_t col) {
    return e.add(warpCol0, e.add(e.index(ni * 8 + col), laneMod4x2));
  }

  /// Split-K: the warps of K slices 1.. store their partial sums, the
  /// warps of slice 0 add them and alone run the epilogue (inside the
  /// returned if, where the builder is left).
  std::optional<scf::IfOp> sumSplitK(SmallVector<Value> &accs) {
    if (warpsK == 1)
      return std::nullopt;
    Value isFirst = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, warpK,
                                          e.index(0));
    {
      auto storeIf = scf::IfOp::create(
          b,
          arith::XOrIOp::create(
              b, isFirst, arith::ConstantOp::create(b, b.getBoolAttr(true))),
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
                  partials,
                  ValueRange{slot, tileRow(mi, r), tileCol(ni, col)});
    }
    gpu::BarrierOp::create(b);
    auto epilogueIf = scf::IfOp::create(b, isFirst, /*withElseRegion=*/false);
    b.setInsertionPointToStart(epilogueIf.thenBlock());
    for (int64_t mi = 0; mi < mmaTilesM; ++mi)
      for (int64_t ni = 0; ni < mmaTilesN; ++ni) {
        Value &acc = accs[mi * mmaTilesN + ni];
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t col = 0; col < 2; ++col) {
            Value sum =
                vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, col});
            for (int64_t w = 1; w < warpsK; ++w)
              sum = arith::AddFOp::create(
                  b, sum,
                  memref::LoadOp::create(b, partials,
                                         ValueRange{e.index(w - 1),
                                                    tileRow(mi, r),
                                                    tileCol(ni, col)}));
            acc = vector::InsertOp::create(b, sum, acc,
                                           ArrayRef<int64_t>{r, col});
          }
      }
    return epilogueIf;
  }

  /// Epilogue: bias, rounding to the activation type, masked stores.
  void storeOutputs(ArrayRef<Value> accs) {
    for (int64_t mi = 0; mi < mmaTilesM; ++mi)
      for (int64_t ni = 0; ni < mmaTilesN; ++ni) {
        Value acc = accs[mi * mmaTilesN + ni];
        for (int64_t c = 0; c < 2; ++c) {
          Value col = e.add(e.add(blockN0, warpCol0),
                            e.add(e.index(ni * 8 + c), laneMod4x2));
          Value colValid = e.ult(col, e.index(n));
          Value biasValue =
              args->bias ? e.biasAt(args->bias, col, n) : Value();
          for (int64_t r = 0; r < 2; ++r) {
            Value row = e.add(e.add(blockM0, warpRow0),
                              e.add(e.index(mi * 16 + 8 * r), laneDiv4));
            Value value =
                vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, c});
            if (biasValue)
              value = arith::AddFOp::create(b, value, biasValue);
            Value valid = arith::AndIOp::create(b, colValid, e.ult(row, m));
            auto ifOp = scf::IfOp::create(b, valid, /*withElseRegion=*/false);
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(ifOp.thenBlock());
            memref::StoreOp::create(
                b, arith::TruncFOp::create(b, elemType, value), args->y,
                ValueRange{row, col});
          }
        }
      }
  }

  const int64_t n, tileM, tileN, stages, kTileK, warpsK, sliceK, threads;
  const int64_t warpTileM, warpTileN, mmaTilesM, mmaTilesN, wordsPerRow;
  const int64_t wordsPerThread, threadsPerRow, numKTiles, xElemsPerCopy;
  const int64_t xCopiesPerRow, xCopies;
  const bool inRegisters;
  const int64_t sliceChunks, slots, valuesPerSlot, numAccs;

  SmallVector<Value> bufferValues, fragRows, init;
  Value xTiles, wTiles, wHalf, partials, prologueToken;
  Value tid, lane, warpK, warpM, warpN, warpK0, blockN0, blockM0, m, lastM;
  Value wRow, wWord0, wRowGlobal, wChunk, wChunkWord;
  Value laneMod16, laneDiv16, laneMod8, laneDiv8Mod2, laneDiv4, laneMod4;
  Value warpRow0, warpCol0, warpWord0, laneMod4x2;
};
} // namespace

KernelLaunch awq::buildGemmKernel(OpBuilder &builder, Location loc,
                                  gpu::GPUModuleOp module, StringRef name,
                                  const LinearShape &shape,
                                  const GemmConfig &config) {
  return GemmKernelBuilder(builder, loc, module, shape, config).build(name);
}
