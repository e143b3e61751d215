//===- AwqOps.cpp - awq dialect operations ---------------------------------===//
//
// Verifiers, folders and canonicalization patterns of the awq operations.
// ODS checks element types and ranks; the rules here relate the shapes of
// several operands to each other, which ODS cannot say.
//
//===----------------------------------------------------------------------===//

#include "dialects/Awq/AwqOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <tuple>

using namespace mlir;
using namespace mlir::awq;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Two dimensions agree unless both are static and differ.
static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimString(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

/// Emits "expected <what> to be <want>, got <got>" unless the two agree.
static LogicalResult checkDim(Operation *op, StringRef what, int64_t got,
                              int64_t want) {
  if (dimsCompatible(got, want))
    return success();
  return op->emitOpError("expected ")
         << what << " to be " << dimString(want) << ", got " << dimString(got);
}

/// The linear ops share the rules for bias and result.
static LogicalResult verifyLinearResult(Operation *op, RankedTensorType input,
                                        int64_t n, Value bias,
                                        RankedTensorType result) {
  if (bias) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (failed(checkDim(op, "bias size (N)", biasType.getDimSize(0), n)))
      return failure();
    if (biasType.getElementType() != input.getElementType())
      return op->emitOpError("expected bias element type ")
             << input.getElementType() << " (the activation type), got "
             << biasType.getElementType();
  }
  if (result.getElementType() != input.getElementType())
    return op->emitOpError("expected result element type ")
           << input.getElementType() << " (the activation type), got "
           << result.getElementType();
  if (failed(checkDim(op, "result dim 0 (M)", result.getDimSize(0),
                      input.getDimSize(0))))
    return failure();
  return checkDim(op, "result dim 1 (N)", result.getDimSize(1), n);
}

/// `scales-type (, zeros zeros-type)? (, bias bias-type)?` in the qlinear's
/// type list. ODS cannot say this: two optional groups that both begin with
/// `,` commit to the first one, so a symmetric linear with a bias could not
/// be parsed. The scales type is part of the directive only so that the
/// printer's space before a custom directive does not land before a comma.
static ParseResult parseQuantParamTypes(OpAsmParser &parser, Type &scalesType,
                                        Type &zerosType, Type &biasType) {
  if (parser.parseType(scalesType))
    return failure();
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc loc = parser.getCurrentLocation();
    if (succeeded(parser.parseOptionalKeyword("zeros"))) {
      if (zerosType || biasType)
        return parser.emitError(loc, "expected 'zeros' type once, before "
                                     "'bias'");
      if (parser.parseType(zerosType))
        return failure();
    } else if (succeeded(parser.parseOptionalKeyword("bias"))) {
      if (biasType)
        return parser.emitError(loc, "expected 'bias' type once");
      if (parser.parseType(biasType))
        return failure();
    } else {
      return parser.emitError(loc, "expected 'zeros' or 'bias'");
    }
  }
  return success();
}

static void printQuantParamTypes(OpAsmPrinter &printer, Operation *,
                                 Type scalesType, Type zerosType,
                                 Type biasType) {
  printer << scalesType;
  if (zerosType)
    printer << ", zeros " << zerosType;
  if (biasType)
    printer << ", bias " << biasType;
}

//===----------------------------------------------------------------------===//
// KernelVariantAttr
//===----------------------------------------------------------------------===//

LogicalResult KernelVariantAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, SymbolRefAttr kernel,
    StringRef family, int64_t mMin, int64_t mMax, int64_t mTile,
    ArrayRef<int64_t> grid, ArrayRef<int64_t> block, int64_t sharedBytes) {
  if (family != "gemv" && family != "gemm")
    return emitError() << "expected kernel family 'gemv' or 'gemm', got '"
                       << family << "'";
  if (mMin < 1 || mMax < mMin)
    return emitError() << "expected 1 <= m_min <= m_max, got m_min = " << mMin
                       << ", m_max = " << mMax;
  if (mTile < 1)
    return emitError() << "expected m_tile >= 1, got " << mTile;
  if (grid.size() != 3 || block.size() != 3)
    return emitError() << "expected 3-element grid and block";
  if (llvm::any_of(grid, [](int64_t d) { return d < 1; }) ||
      llvm::any_of(block, [](int64_t d) { return d < 1; }))
    return emitError() << "expected positive grid and block sizes";
  if (sharedBytes < 0)
    return emitError() << "expected shared_bytes >= 0, got " << sharedBytes;
  return success();
}

LogicalResult KernelChoiceAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, int64_t mMin, int64_t mMax,
    StringRef spec) {
  if (mMin < 1 || mMax < mMin)
    return emitError() << "expected 1 <= m_min <= m_max, got m_min = " << mMin
                       << ", m_max = " << mMax;
  if (spec.empty())
    return emitError() << "expected a kernel spec";
  return success();
}

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

/// llama.cpp reorders rows within each head: a rank-2 weight whose rows are
/// whole heads of an even size.
static LogicalResult verifyRopeInterleaved(WeightOp op, RankedTensorType type) {
  std::optional<uint64_t> headDim = op.getRopeHeadDim();
  if (!headDim)
    return op.emitOpError("expected 'rope_head_dim' with 'rope_interleaved' "
                          "storage");
  if (type.getRank() != 2)
    return op.emitOpError("expected a rank-2 tensor for 'rope_interleaved' "
                          "storage, got ")
           << type;
  if (*headDim % 2 != 0 || type.getDimSize(0) % *headDim != 0)
    return op.emitOpError("expected an even rope_head_dim dividing the row "
                          "count ")
           << type.getDimSize(0) << ", got " << *headDim;
  return success();
}

LogicalResult WeightOp::verify() {
  auto type = cast<RankedTensorType>(getResult().getType());
  if (getName().empty())
    return emitOpError("expected a non-empty tensor name");
  if (getFile().empty())
    return emitOpError("expected a non-empty file name");
  if (!type.hasStaticShape())
    return emitOpError("expected a statically shaped tensor, got ") << type;
  if (getRopeHeadDim() && getStorage() != Storage::rope_interleaved)
    return emitOpError("expected 'rope_head_dim' only with "
                       "'rope_interleaved' storage");
  switch (getStorage()) {
  case Storage::plain:
    return success();
  case Storage::rope_interleaved:
    return verifyRopeInterleaved(*this, type);
  case Storage::transposed:
    if (type.getRank() != 2)
      return emitOpError("expected a rank-2 tensor for 'transposed' storage");
    return success();
  case Storage::awq_gemm_qweight:
  case Storage::awq_gemm_qzeros:
    if (type.getRank() != 2 || !type.getElementType().isInteger(4))
      return emitOpError("expected a rank-2 i4 tensor for AutoAWQ GEMM "
                         "storage, got ")
             << type;
    // AutoAWQ packs eight output channels per int32 word.
    if (type.getDimSize(0) % 8 != 0)
      return emitOpError("expected N divisible by 8 for AutoAWQ GEMM "
                         "storage, got N = ")
             << type.getDimSize(0);
    return success();
  }
  llvm_unreachable("unknown storage");
}

//===----------------------------------------------------------------------===//
// RmsNormOp
//===----------------------------------------------------------------------===//

LogicalResult RmsNormOp::verify() {
  auto inputType = getInput().getType();
  if (failed(checkDim(*this, "weight size (K)",
                      getWeight().getType().getDimSize(0),
                      inputType.getDimSize(1))))
    return failure();
  if (!(getEpsilon().convertToFloat() > 0.0f))
    return emitOpError("expected a positive epsilon");
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  auto tableType = getTable().getType();
  if (tableType.getRank() != 2)
    return emitOpError("expected a rank-2 table [V, C], got rank ")
           << tableType.getRank();
  auto resultType = getResult().getType();
  if (failed(checkDim(*this, "result dim 0 (tokens)", resultType.getDimSize(0),
                      getTokens().getType().getDimSize(0))))
    return failure();
  return checkDim(*this, "result dim 1 (C)", resultType.getDimSize(1),
                  tableType.getDimSize(1));
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

static std::optional<double> toDouble(std::optional<APFloat> value) {
  if (!value)
    return std::nullopt;
  return value->convertToDouble();
}

/// The factors a scaling rule needs are present, and no others.
static LogicalResult verifyRopeScaling(RopeOp op) {
  bool hasBands = op.getLowFreqFactor() || op.getHighFreqFactor() ||
                  op.getOriginalMaxPosition();
  std::optional<StringRef> kind = op.getScaling();
  if (!kind) {
    if (op.getScalingFactor() || hasBands)
      return op.emitOpError("expected 'scaling' with scaling factors");
    return success();
  }
  if (!(toDouble(op.getScalingFactor()).value_or(0.0) > 0.0))
    return op.emitOpError("expected a positive 'scaling_factor' for '")
           << *kind << "' scaling";
  if (*kind == "linear") {
    if (hasBands)
      return op.emitOpError("expected no frequency bands for 'linear' "
                            "scaling");
    return success();
  }
  if (*kind != "llama3")
    return op.emitOpError("expected scaling 'linear' or 'llama3', got '")
           << *kind << "'";
  if (!op.getLowFreqFactor() || !op.getHighFreqFactor() ||
      !op.getOriginalMaxPosition())
    return op.emitOpError("expected 'low_freq_factor', 'high_freq_factor' "
                          "and 'original_max_position' for 'llama3' scaling");
  if (!(*toDouble(op.getHighFreqFactor()) >
        *toDouble(op.getLowFreqFactor())) ||
      *op.getOriginalMaxPosition() <= 0)
    return op.emitOpError("expected high_freq_factor > low_freq_factor and a "
                          "positive original_max_position");
  return success();
}

LogicalResult RopeOp::verify() {
  int64_t headDim = getHeadDim();
  if (headDim % 2 != 0)
    return emitOpError("expected an even head_dim, got ") << headDim;
  int64_t channels = getInput().getType().getDimSize(1);
  if (!ShapedType::isDynamic(channels) && channels % headDim != 0)
    return emitOpError("expected head_dim ")
           << headDim << " to divide the channel count " << channels;
  if (failed(checkDim(*this, "positions size (rows)",
                      getPositions().getType().getDimSize(0),
                      getInput().getType().getDimSize(0))))
    return failure();
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError("expected a positive theta");
  return verifyRopeScaling(*this);
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

double AttentionOp::getEffectiveScale() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(getHeadDim()));
}

LogicalResult AttentionOp::verify() {
  int64_t heads = getNumHeads(), kvHeads = getNumKvHeads();
  int64_t headDim = getHeadDim();
  if (heads % kvHeads != 0)
    return emitOpError("expected num_kv_heads ")
           << kvHeads << " to divide num_heads " << heads;
  Type elementType = getQuery().getType().getElementType();
  for (auto [what, value, width] :
       {std::tuple<StringRef, Value, int64_t>{"query", getQuery(),
                                              heads * headDim},
        {"key", getKey(), kvHeads * headDim},
        {"value", getValue(), kvHeads * headDim},
        {"result", getResult(), heads * headDim}}) {
    auto type = cast<RankedTensorType>(value.getType());
    if (failed(checkDim(*this, (what + " dim 1 (heads * head_dim)").str(),
                        type.getDimSize(1), width)) ||
        failed(checkDim(*this, (what + " dim 0 (rows)").str(),
                        type.getDimSize(0),
                        getQuery().getType().getDimSize(0))))
      return failure();
    if (type.getElementType() != elementType)
      return emitOpError("expected ")
             << what << " element type " << elementType << ", got "
             << type.getElementType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ScaleOp
//===----------------------------------------------------------------------===//

LogicalResult ScaleOp::verify() {
  auto inputType = getInput().getType();
  int64_t rank = inputType.getRank();
  if (rank != 1 && rank != 2)
    return emitOpError("expected a rank-1 or rank-2 input, got rank ") << rank;
  int64_t axis = getAxisAttr().getInt();
  if (axis < -rank || axis >= rank)
    return emitOpError("expected axis in [")
           << -rank << ", " << rank - 1 << "], got " << axis;
  return checkDim(*this, "scale size", getScale().getType().getDimSize(0),
                  inputType.getDimSize(getNormalizedAxis()));
}

OpFoldResult ScaleOp::fold(FoldAdaptor adaptor) {
  // x / 1 == x exactly, in every float type.
  auto scale = dyn_cast_if_present<DenseFPElementsAttr>(adaptor.getScale());
  if (scale && llvm::all_of(scale.getValues<APFloat>(), [](const APFloat &v) {
        return v.isExactlyValue(1.0);
      }))
    return getInput();
  return {};
}

namespace {
/// scale(scale(x, a), b) -> scale(x, a * b) on the same axis: x / a / b ==
/// x / (a · b) up to one rounding, and the merged scale folds into one
/// producer.
struct MergeConsecutiveScales final : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ScaleOp>();
    if (!inner || !inner->hasOneUse())
      return failure();
    if (inner.getNormalizedAxis() != op.getNormalizedAxis())
      return rewriter.notifyMatchFailure(op, "scales on different axes");
    Value a = inner.getScale(), b = op.getScale();
    if (a.getType() != b.getType())
      return rewriter.notifyMatchFailure(op, "scales of different types");
    Value product = arith::MulFOp::create(rewriter, op.getLoc(), a, b);
    rewriter.replaceOpWithNewOp<ScaleOp>(op, op.getType(), inner.getInput(),
                                         product, op.getAxisAttr());
    return success();
  }
};
} // namespace

void ScaleOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<MergeConsecutiveScales>(context);
}

//===----------------------------------------------------------------------===//
// ClipOp
//===----------------------------------------------------------------------===//

LogicalResult ClipOp::verify() {
  auto inputType = getInput().getType();
  auto maxType = getMaxValue().getType();
  int64_t groupSize = getGroupSize();
  if (inputType.getRank() != 2 || maxType.getRank() != 2)
    return emitOpError("expected a rank-2 weight and a rank-2 maximum");
  int64_t k = inputType.getDimSize(1);
  if (!ShapedType::isDynamic(k) && k % groupSize != 0)
    return emitOpError("expected group size ")
           << groupSize << " to divide K = " << k;
  if (failed(checkDim(*this, "max_value dim 0 (N)", maxType.getDimSize(0),
                      inputType.getDimSize(0))))
    return failure();
  if (ShapedType::isDynamic(k))
    return success();
  return checkDim(*this, "max_value dim 1 (K / group_size)",
                  maxType.getDimSize(1), k / groupSize);
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  auto inputType = getInput().getType();
  auto weightType = getWeight().getType();
  if (weightType.getRank() != 2)
    return emitOpError("expected a rank-2 weight [N, K], got rank ")
           << weightType.getRank();
  if (failed(checkDim(*this, "weight dim 1 (K)", weightType.getDimSize(1),
                      inputType.getDimSize(1))))
    return failure();
  return verifyLinearResult(*this, inputType, weightType.getDimSize(0),
                            getBias(), getResult().getType());
}

//===----------------------------------------------------------------------===//
// QLinearOp
//===----------------------------------------------------------------------===//

/// kernel_choices, if present, cover M from 1 on without gaps or overlaps.
static LogicalResult verifyKernelChoices(QLinearOp op) {
  ArrayAttr choices = op.getKernelChoicesAttr();
  if (!choices)
    return success();
  int64_t next = 1;
  for (auto [i, attr] : llvm::enumerate(choices)) {
    auto choice = cast<KernelChoiceAttr>(attr);
    if (choice.getMMin() != next)
      return op.emitOpError("expected kernel_choices[")
             << i << "] to start at M = " << next << ", got m_min = "
             << choice.getMMin();
    next = choice.getMMax() + 1;
  }
  return success();
}

LogicalResult QLinearOp::verify() {
  auto inputType = getInput().getType();
  auto qType = getQweight().getType();
  if (!qType.hasStaticShape())
    return emitOpError("expected a statically shaped qweight, got ") << qType;

  int64_t n = getN(), k = getK(), groupSize = getGroupSize();
  if (failed(checkDim(*this, "input dim 1 (K)", inputType.getDimSize(1), k)))
    return failure();
  if (k % groupSize != 0)
    return emitOpError("expected group size ")
           << groupSize << " to divide K = " << k;
  int64_t numGroups = k / groupSize;

  auto scalesType = getScales().getType();
  if (scalesType.getRank() != 2 || scalesType.getDimSize(0) != n ||
      scalesType.getDimSize(1) != numGroups)
    return emitOpError("expected scales of shape [")
           << n << ", " << numGroups << "] ([N, K / group_size]), got "
           << scalesType;
  if (Value zeros = getZeros()) {
    auto zerosType = cast<RankedTensorType>(zeros.getType());
    if (zerosType.getShape() != scalesType.getShape())
      return emitOpError("expected zeros of shape [")
             << n << ", " << numGroups << "] (the shape of scales), got "
             << zerosType;
    if (zerosType.getElementType() != qType.getElementType())
      return emitOpError("expected zeros element type ")
             << qType.getElementType() << " (that of qweight), got "
             << zerosType.getElementType();
  }
  if (failed(verifyKernelChoices(*this)))
    return failure();
  return verifyLinearResult(*this, inputType, n, getBias(),
                            getResult().getType());
}

#define GET_OP_CLASSES
#include "dialects/Awq/AwqOps.cpp.inc"
