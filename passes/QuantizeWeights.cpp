//===- QuantizeWeights.cpp - RTN-quantize awq.linear weights ---------------===//
//
// Implements awq-quantize-weights: each awq.linear's weight expression is
// evaluated on the host (WeightEvaluator), quantized group-wise by round to
// nearest with the quantize/ library's quantizeRTN (the one implementation
// of DESIGN.md's formulas in the project), and the linear becomes an
// awq.qlinear over dense constants: q and zero points as signless iN holding
// 0 … 2^N − 1, scales in the activation type.
//
//===----------------------------------------------------------------------===//

#include "dialects/Awq/AwqOps.h"
#include "formats/Half.h"
#include "passes/Passes.h"
#include "passes/WeightEvaluator.h"
#include "quantize/Quantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::awq {
#define GEN_PASS_DEF_AWQQUANTIZEWEIGHTSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;
namespace formats = ::awq::formats;
namespace quant = ::awq::quant;

namespace {

/// A dense constant of `type` from one byte (iN, N <= 8) or one 16-bit
/// pattern (f16, bf16) per element: DenseElementsAttr stores sub-byte
/// integers in a byte each, so the raw buffer is exactly that.
template <typename T>
static Value denseConstant(OpBuilder &builder, Location loc,
                           RankedTensorType type, ArrayRef<T> values) {
  ArrayRef<char> raw(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
  auto attr = DenseElementsAttr::getFromRawBuffer(type, raw);
  return arith::ConstantOp::create(builder, loc, type, attr);
}

/// Erases `value`'s defining op and, transitively, its operands' defining
/// ops once they have no users left: the float weight expression that the
/// quantized constants replace.
static void eraseDeadExpression(RewriterBase &rewriter, Value value) {
  SmallVector<Operation *> worklist;
  if (Operation *def = value.getDefiningOp())
    worklist.push_back(def);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!op->use_empty() || !isMemoryEffectFree(op))
      continue;
    SmallVector<Operation *> operands;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        operands.push_back(def);
    rewriter.eraseOp(op);
    for (Operation *def : operands)
      if (!llvm::is_contained(worklist, def))
        worklist.push_back(def);
  }
}

struct AwqQuantizeWeightsPass final
    : mlir::awq::impl::AwqQuantizeWeightsPassBase<AwqQuantizeWeightsPass> {
  using Base::Base;

  LogicalResult quantize(LinearOp op, WeightEvaluator &evaluator,
                         RewriterBase &rewriter) {
    auto inputType = op.getInput().getType();
    // The scales' type: the activations' for f16 and bf16; f16 for f32
    // model IR (run on the CPU, deployed as an f16 AutoAWQ checkpoint).
    Type actType = inputType.getElementType();
    if (actType.isF32())
      actType = Float16Type::get(op.getContext());
    FailureOr<HostTensor> weight = evaluator.evaluate(op.getWeight());
    if (failed(weight))
      return failure();

    int64_t n = weight->shape[0], k = weight->shape[1];
    quant::QuantConfig config;
    config.bits = bits;
    config.groupSize = groupSize;
    config.symmetric = symmetric;
    // f16: bit-exact with AutoAWQ, which quantizes the `.half()` weight in
    // f16 arithmetic, and whose scales are then exactly f16 values. bf16:
    // quantized in f32 arithmetic; the scales are rounded to bf16 when
    // stored (see docs/architecture.md).
    config.arith = actType.isF16() ? quant::QuantArith::F16
                                   : quant::QuantArith::F32;
    std::string name = op.getName() ? op.getName()->str() : "weight";
    auto quantized = quant::quantizeRTN(weight->floats, n, k, config, name);
    if (!quantized)
      return op.emitOpError("cannot be quantized: ")
             << llvm::toString(quantized.takeError());

    MLIRContext *ctx = op.getContext();
    int64_t g = quantized->groupSize, groups = k / g;
    auto intType = IntegerType::get(ctx, bits);
    auto qType = RankedTensorType::get({n, k}, intType);
    auto paramType = RankedTensorType::get({n, groups}, actType);
    auto zerosType = RankedTensorType::get({n, groups}, intType);

    std::vector<uint16_t> scaleBits(quantized->scales.size());
    for (size_t i = 0; i < scaleBits.size(); ++i)
      scaleBits[i] = actType.isF16()
                         ? formats::floatToHalf(quantized->scales[i])
                         : formats::floatToBf16(quantized->scales[i]);

    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    Value q = denseConstant<uint8_t>(rewriter, loc, qType, quantized->q);
    Value scales =
        denseConstant<uint16_t>(rewriter, loc, paramType, scaleBits);
    Value zeros = symmetric ? Value()
                            : denseConstant<uint8_t>(rewriter, loc, zerosType,
                                                     quantized->zeros);
    Value oldWeight = op.getWeight();
    auto qlinear = QLinearOp::create(
        rewriter, loc, op.getType(), op.getInput(), q, scales, zeros,
        op.getBias(), rewriter.getI64IntegerAttr(g), op.getNameAttr(),
        /*kernel_choices=*/nullptr, /*kernels=*/nullptr);
    rewriter.replaceOp(op, qlinear);
    eraseDeadExpression(rewriter, oldWeight);
    return success();
  }

  void runOnOperation() override {
    if (bits != 3 && bits != 4 && bits != 8) {
      getOperation().emitError("awq-quantize-weights: unsupported bit width ")
          << static_cast<int64_t>(bits) << " (expected 3, 4 or 8)";
      return signalPassFailure();
    }
    if (groupSize < 0) {
      getOperation().emitError("awq-quantize-weights: expected a group size "
                               ">= 0 (0 = per-channel), got ")
          << static_cast<int64_t>(groupSize);
      return signalPassFailure();
    }
    SmallVector<LinearOp> linears;
    // The output head stays in floating point, as in AutoAWQ (its error
    // goes straight into the logits; vLLM and transformers load it as a
    // plain linear).
    getOperation().walk([&](LinearOp op) {
      if (!op.getName() || !llvm::is_contained(skip, *op.getName()))
        linears.push_back(op);
    });

    WeightEvaluator evaluator(weightsDir);
    IRRewriter rewriter(&getContext());
    // Report every linear that cannot be quantized, then fail.
    bool ok = true;
    for (LinearOp op : linears)
      ok &= succeeded(quantize(op, evaluator, rewriter));
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
