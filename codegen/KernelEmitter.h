//===- KernelEmitter.h - IR building helpers shared by the kernels -*- C++ -*-===//
//
// Small builders over an ImplicitLocOpBuilder so that kernel generators
// read like the algorithm, and the INT4 dequantization that both kernel
// families share.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_KERNELEMITTER_H
#define AWQ_CODEGEN_KERNELEMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "codegen/KernelBuilders.h"
#include <optional>
#include <array>

namespace mlir::awq {

struct KernelEmitter {
  ImplicitLocOpBuilder &b;
  Type elemType; ///< f16 or bf16

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, int64_t c) { return arith::MulIOp::create(b, x, index(c)); }
  Value minIndex(Value x, Value y) { return arith::MinUIOp::create(b, x, y); }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  /// A vector<lanes x i32> constant.
  Value words(uint32_t v, int64_t lanes) {
    auto type = VectorType::get({lanes}, b.getI32Type());
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getI32IntegerAttr(v)));
  }
  Value scalar(double v) {
    return arith::ConstantOp::create(b, b.getFloatAttr(elemType, v));
  }
  Value splat(Value scalarValue, int64_t lanes) {
    return vector::BroadcastOp::create(
        b, VectorType::get({lanes}, scalarValue.getType()), scalarValue);
  }
  /// bias[col] as f32, `bias` of `n` elements. Columns past N read the last
  /// element: their outputs are computed but never stored.
  Value biasAt(Value bias, Value col, int64_t n) {
    Value safeCol = minIndex(col, index(n - 1));
    return arith::ExtFOp::create(
        b, b.getF32Type(),
        memref::LoadOp::create(b, bias, ValueRange{safeCol}).getResult());
  }
  /// An mma fragment of `rows.size()` rows of vector<2 x elemType> (A:
  /// four rows, B: two), row r from rows[r].
  Value fragment(ArrayRef<Value> rows) {
    auto type = VectorType::get({static_cast<int64_t>(rows.size()), 2},
                                elemType);
    Value frag = arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getFloatAttr(elemType, 0.0)));
    for (auto [r, row] : llvm::enumerate(rows))
      frag = vector::InsertOp::create(b, row, frag, static_cast<int64_t>(r));
    return frag;
  }

  /// Dequantizes the words `w` (vector<L x i32>, kernel layout of
  /// docs/artifact-format.md) with scale `s` and zero point `z` (scalars of
  /// the element type) into four vector<2L x elem>: eighth j holds the
  /// weights at chunk columns 8j + 2t + h for the L words t, h = 0, 1.
  /// Exact (q - z) · s with one rounding, as DESIGN.md defines Ŵ; without
  /// `s`, the exact integers q - z (the caller scales the products).
  std::array<Value, 4> dequantize(Value w, Value s, Value z) {
    SmallVector<Value> eighths = dequantizeHalves(w, s, z, {0, 1});
    return {eighths[0], eighths[1], eighths[2], eighths[3]};
  }

  /// Eighths 2·half and 2·half + 1 of `dequantize`, so that a caller can
  /// finish with one half's weights before it dequantizes the other.
  std::array<Value, 2> dequantizeHalf(Value w, Value s, Value z, int64_t half) {
    SmallVector<Value> eighths = dequantizeHalves(w, s, z, {half});
    return {eighths[0], eighths[1]};
  }

private:
  /// Eighths 2h and 2h + 1 for each h in `halves`, in that order.
  SmallVector<Value> dequantizeHalves(Value w, Value s, Value z,
                                      ArrayRef<int64_t> halves) {
    int64_t lanes = cast<VectorType>(w.getType()).getNumElements();
    int64_t width = 2 * lanes;
    bool bf16 = elemType.isBF16();
    // f16: 0x6400 is 1024.0 with q in the low mantissa bits. bf16: 0x4300 is
    // 128.0 with 7 mantissa bits, so each nibble is shifted down to bit 0.
    const uint32_t magic = bf16 ? 0x43004300u : 0x64006400u;
    const double magicBase = bf16 ? 128.0 : 1024.0;
    // (w & mask) | magic in one lop3 per word: ptxas does not fuse an AND
    // and an OR with two different immediates (CODEGEN-NOTES §3.4), and
    // this runs for every weight.
    auto floats = [&](Value bits32, uint32_t mask) -> Value {
      Value maskValue = arith::ConstantOp::create(
          b, b.getI32IntegerAttr(static_cast<int32_t>(mask)));
      Value magicValue = arith::ConstantOp::create(
          b, b.getI32IntegerAttr(static_cast<int32_t>(magic)));
      Value bits = words(0, lanes);
      for (int64_t i = 0; i < lanes; ++i) {
        Value word = vector::ExtractOp::create(b, bits32, i);
        Value merged =
            LLVM::InlineAsmOp::create(
                b, b.getI32Type(), ValueRange{word, maskValue, magicValue},
                "lop3.b32 $0, $1, $2, $3, 0xea;", "=r,r,r,r",
                /*has_side_effects=*/false, /*is_align_stack=*/false,
                LLVM::tailcallkind::TailCallKind::None,
                /*asm_dialect=*/LLVM::AsmDialectAttr(),
                /*operand_attrs=*/ArrayAttr())
                .getResult(0);
        bits = vector::InsertOp::create(b, merged, bits, i);
      }
      return vector::BitCastOp::create(b, VectorType::get({width}, elemType),
                                       bits);
    };
    Value sv = s ? splat(s, width) : Value();
    auto scaled = [&](Value v) -> Value {
      return s ? arith::MulFOp::create(b, v, sv).getResult() : v;
    };
    Value zMagic = splat(arith::AddFOp::create(b, z, scalar(magicBase)), width);
    SmallVector<Value> out;
    if (bf16) {
      for (int64_t half : halves)
        for (int64_t j = 2 * half; j < 2 * half + 2; ++j) {
          Value shifted =
              j == 0 ? w
                     : arith::ShRUIOp::create(b, w, words(4 * j, lanes))
                           .getResult();
          out.push_back(scaled(
              arith::SubFOp::create(b, floats(shifted, 0x000F000Fu), zMagic)));
        }
      return out;
    }
    // High nibbles land at 16·q: one exact fma by 1/16 minus (64 + z).
    Value sixteenth = splat(scalar(1.0 / 16.0), width);
    Value negZHigh = splat(
        arith::NegFOp::create(
            b, arith::AddFOp::create(b, z, scalar(magicBase / 16))),
        width);
    Value w8 = llvm::is_contained(halves, 1)
                   ? arith::ShRUIOp::create(b, w, words(8, lanes)).getResult()
                   : Value();
    for (int64_t half : halves) {
      Value src = half == 0 ? w : w8;
      out.push_back(
          scaled(arith::SubFOp::create(b, floats(src, 0x000F000Fu), zMagic)));
      Value hiQ = LLVM::FMAOp::create(b, floats(src, 0x00F000F0u), sixteenth,
                                      negZHigh);
      out.push_back(scaled(hiQ));
    }
    return out;
  }
};

/// The parameters of every generated linear kernel, in the order of
/// docs/artifact-format.md: x [?, K], qweight i32 [N, K/8], scales
/// [N, K/G], zeros [N, K/G] (asymmetric only), bias [N] (if any), y [?, N].
inline SmallVector<Type> linearKernelArgTypes(Builder &b, int64_t n,
                                              int64_t k, int64_t groups,
                                              Type elemType, bool hasZeros,
                                              bool hasBias) {
  int64_t dyn = ShapedType::kDynamic;
  SmallVector<Type> types = {MemRefType::get({dyn, k}, elemType),
                             MemRefType::get({n, k / 8}, b.getI32Type()),
                             MemRefType::get({n, groups}, elemType)};
  if (hasZeros)
    types.push_back(MemRefType::get({n, groups}, elemType));
  if (hasBias)
    types.push_back(MemRefType::get({n}, elemType));
  types.push_back(MemRefType::get({dyn, n}, elemType));
  return types;
}

/// The kernel's parameters as values; zeros and bias are null when absent.
struct LinearKernelArgs {
  Value x, qweight, scales, zeros, bias, y;

  LinearKernelArgs(Block &entry, bool hasZeros, bool hasBias) {
    x = entry.getArgument(0);
    qweight = entry.getArgument(1);
    scales = entry.getArgument(2);
    unsigned next = 3;
    zeros = hasZeros ? entry.getArgument(next++) : Value();
    bias = hasBias ? entry.getArgument(next++) : Value();
    y = entry.getArgument(next);
  }
};

/// What every kernel builder (GemvKernel.cpp, StreamKernel.cpp,
/// GemmKernel.cpp, WgmmaKernel.cpp) holds: the builder, the module the
/// kernel goes into, the shape and tiling, and, once its function exists,
/// the kernel's parameters.
template <typename Config> struct KernelBuilderBase {
  KernelBuilderBase(OpBuilder &builder, Location loc, gpu::GPUModuleOp module,
                    const LinearShape &shape, const Config &config)
      : b(loc, builder), module(module), ctx(builder.getContext()),
        shape(shape), config(config), elemType(shape.elementType(ctx)),
        e{b, elemType} {}

  /// Appends the kernel function `name` (the linear kernel parameters,
  /// `workgroups` as static shared-memory attributions) to the module.
  gpu::GPUFuncOp createKernelFunction(StringRef name, TypeRange workgroups) {
    b.setInsertionPointToEnd(module.getBody());
    SmallVector<Type> argTypes =
        linearKernelArgTypes(b, shape.n, shape.k, shape.numGroups(), elemType,
                             shape.hasZeros, shape.hasBias);
    auto func = gpu::GPUFuncOp::create(
        b, name, b.getFunctionType(argTypes, {}), workgroups);
    func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
    return func;
  }

  ImplicitLocOpBuilder b;
  gpu::GPUModuleOp module;
  MLIRContext *ctx;
  const LinearShape &shape;
  const Config &config;
  Type elemType;
  KernelEmitter e;
  std::optional<LinearKernelArgs> args;
};

/// bf16 m16n8k16 through nvvm.mma.sync: nvgpu.mma.sync has no bf16
/// lowering in MLIR 22 (CODEGEN-NOTES P5). Operands go as i32 pairs; `fragA`
/// is the A fragment as four vector<2xbf16> rows (an ldmatrix x4 result or
/// built in registers), `fragB` the
/// vector<2x2xbf16> B fragment, and the accumulator is the vector<2x2xf32>
/// the f16 path carries.
inline Value mmaBf16(ImplicitLocOpBuilder &b, Value fragA, Value fragB,
                     Value acc) {
  MLIRContext *ctx = b.getContext();
  auto pairType = VectorType::get({1}, b.getI32Type());
  auto asI32 = [&](Value frag, int64_t row) -> Value {
    Value pair = vector::ExtractOp::create(b, frag, row);
    return vector::ExtractOp::create(
        b, vector::BitCastOp::create(b, pairType, pair), 0);
  };
  SmallVector<Value> a, bOps, c;
  for (int64_t r = 0; r < 4; ++r)
    a.push_back(asI32(fragA, r));
  for (int64_t r = 0; r < 2; ++r)
    bOps.push_back(asI32(fragB, r));
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t col = 0; col < 2; ++col)
      c.push_back(vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, col}));
  Type f32 = b.getF32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  Value d = NVVM::MmaOp::create(
      b, resultType, a, bOps, c, ArrayRef<int64_t>{16, 8, 16},
      /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                    NVVM::MMATypes::bf16},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t col = 0; col < 2; ++col)
      acc = vector::InsertOp::create(
          b, LLVM::ExtractValueOp::create(b, d, 2 * r + col), acc,
          ArrayRef<int64_t>{r, col});
  return acc;
}

/// One m16n8k16 mma.sync with f32 accumulators: `fragA` vector<4x2xT>,
/// `fragB` vector<2x2xT>, `acc` vector<2x2xf32>, T f16 or bf16.
inline Value mmaSync(ImplicitLocOpBuilder &b, Value fragA, Value fragB,
                     Value acc) {
  if (cast<VectorType>(fragA.getType()).getElementType().isBF16())
    return mmaBf16(b, fragA, fragB, acc);
  return nvgpu::MmaSyncOp::create(b, fragA, fragB, acc,
                                  ArrayRef<int64_t>{16, 8, 16})
      .getResult();
}

/// A view of type `type` (static shape, workgroup memory, row-major) at
/// `byteOffset` into the block's dynamic shared memory. The view goes
/// through a public zero-sized `memref.global` per element type (and
/// alignment), which becomes an `.extern .shared` array starting at the
/// dynamic base: gpu.dynamic_shared_memory and private globals are demoted
/// to static 1-byte arrays by LLVM 22 (CODEGEN-NOTES P3). Returns the view
/// and the global's base memref.
inline std::pair<Value, Value>
dynamicSharedView(ImplicitLocOpBuilder &b, gpu::GPUModuleOp module,
                  MemRefType type, int64_t byteOffset, int64_t alignment = 16) {
  MLIRContext *ctx = b.getContext();
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Type element = type.getElementType();
  std::string symbol;
  llvm::raw_string_ostream os(symbol);
  os << "awq_dynamic_smem_" << element;
  if (alignment != 16)
    os << "_a" << alignment;
  auto globalType =
      MemRefType::get({0}, element, MemRefLayoutAttrInterface{}, workgroup);
  if (!module.lookupSymbol(symbol)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(b, symbol, /*sym_visibility=*/StringAttr(),
                             globalType, /*initial_value=*/Attribute(),
                             /*constant=*/false,
                             b.getI64IntegerAttr(alignment));
  }
  Value base = memref::GetGlobalOp::create(b, globalType, symbol);
  SmallVector<int64_t> strides(type.getRank(), 1);
  for (int64_t d = type.getRank() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * type.getDimSize(d + 1);
  int64_t offset = byteOffset / (element.getIntOrFloatBitWidth() / 8);
  auto viewType =
      MemRefType::get(type.getShape(), element,
                      StridedLayoutAttr::get(ctx, offset, strides), workgroup);
  Value view = memref::ReinterpretCastOp::create(b, viewType, base, offset,
                                                 type.getShape(), strides);
  return {view, base};
}

/// Programmatic dependent launch, where `enabled`: the stream's next kernel
/// may be scheduled now (it waits for this one to finish before it touches
/// activations or outputs).
inline void allowDependentLaunch(ImplicitLocOpBuilder &b, bool enabled) {
  if (enabled)
    NVVM::GriddepcontrolOp::create(b,
                                   NVVM::GridDepActionKind::launch_dependents);
}

/// Waits, where `enabled`, until the kernels this one depends on (the
/// stream's previous kernel under programmatic dependent launch) have
/// finished and their writes are visible: before the first read of x or
/// write of y. A no-op in an ordinary launch.
inline void waitForPrerequisiteGrids(ImplicitLocOpBuilder &b, bool enabled) {
  if (enabled)
    NVVM::GriddepcontrolOp::create(b, NVVM::GridDepActionKind::wait);
}

/// Symmetric 4-bit weights have the fixed zero point 2^(bits-1).
constexpr double kSymmetricZero = 8.0;
constexpr int64_t kWarpSize = 32;
/// Weights per row and K step: one 16-byte chunk of four i32 words.
constexpr int64_t kChunk = 32;

} // namespace mlir::awq

#endif // AWQ_CODEGEN_KERNELEMITTER_H
