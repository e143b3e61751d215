//===- ApplyScales.cpp - apply AWQ channel scales to linears ---------------===//
//
// Implements awq-apply-scales: for a linear with a searched AWQ scale s[K]
// (read from a safetensors file), the input becomes x / s (an awq.scale op,
// which awq-fold-scales later moves into the producer of x) and the weight
// becomes W · diag(s). The product is unchanged; quantizing W · diag(s)
// instead of W is what makes AWQ activation-aware (DESIGN.md "Semantics").
//
// The new weight is an expression, not numbers: extf to f32, a multiply by
// the broadcast scale, truncf back, exactly as PyTorch's
// `fc.weight.mul_(scales.view(1, -1))` rounds it; awq-quantize-weights
// evaluates it lazily (WeightEvaluator).
//
//===----------------------------------------------------------------------===//

#include "dialects/Awq/AwqOps.h"
#include "formats/SafeTensors.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <map>

namespace mlir::awq {
#define GEN_PASS_DEF_AWQAPPLYSCALESPASS
#include "passes/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;
namespace formats = ::awq::formats;

namespace {

/// The suffix of a linear's scale tensor in the scales file.
constexpr llvm::StringLiteral kScaleSuffix = ".awq_scale";

struct AwqApplyScalesPass final
    : mlir::awq::impl::AwqApplyScalesPassBase<AwqApplyScalesPass> {
  using Base::Base;

  /// Reads and checks the scale of `op`: f32 [K], finite and positive.
  FailureOr<std::vector<float>> readScale(LinearOp op,
                                          const formats::TensorView &view) {
    int64_t k = op.getInput().getType().getDimSize(1);
    if (view.dtype != formats::DType::F32)
      return op.emitOpError("AWQ scale '")
             << view.name << "' has dtype " << formats::dtypeName(view.dtype)
             << ", expected F32";
    if (view.shape.size() != 1 || view.shape[0] != k)
      return op.emitOpError("AWQ scale '")
             << view.name << "' has " << view.shape.size()
             << "-d shape with " << view.numElements()
             << " elements, expected [" << k << "] (K)";
    std::vector<float> values = view.toFloat();
    for (size_t i = 0; i < values.size(); ++i)
      if (!std::isfinite(values[i]) || !(values[i] > 0.0f))
        return op.emitOpError("AWQ scale '")
               << view.name << "' has value " << values[i] << " at channel "
               << i << ", expected finite positive scales";
    return values;
  }

  /// W · diag(s): extf to f32 (exact), multiply by s broadcast over the
  /// rows, truncf back to W's type (one rounding).
  Value scaleColumns(OpBuilder &builder, Location loc, Value weight,
                     Value scale) {
    auto type = cast<RankedTensorType>(weight.getType());
    auto f32 = builder.getF32Type();
    auto wideType = type.clone(f32);
    Value wide = weight;
    if (!type.getElementType().isF32())
      wide = arith::ExtFOp::create(builder, loc, wideType, weight);
    Value init =
        tensor::EmptyOp::create(builder, loc, wideType.getShape(), f32);
    Value broadcast =
        linalg::BroadcastOp::create(builder, loc, scale, init,
                                    ArrayRef<int64_t>{0})
            ->getResult(0);
    Value product = arith::MulFOp::create(builder, loc, wide, broadcast);
    if (type.getElementType().isF32())
      return product;
    return arith::TruncFOp::create(builder, loc, type, product);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (scalesFile.empty()) {
      func.emitError("awq-apply-scales: no scales file given "
                     "(scales-file=<path.safetensors>)");
      return signalPassFailure();
    }
    auto file = formats::SafeTensorsFile::open(scalesFile);
    if (!file) {
      func.emitError("awq-apply-scales: ")
          << llvm::toString(file.takeError());
      return signalPassFailure();
    }

    SmallVector<LinearOp> linears;
    func.walk([&](LinearOp op) {
      if (op.getName())
        linears.push_back(op);
    });

    // One awq.scale per (input, scale values): q/k/v (gate/up) share theirs,
    // so that the input has a single user that awq-fold-scales can fold.
    std::map<std::pair<void *, std::vector<float>>, std::pair<Value, Value>>
        shared;
    IRRewriter rewriter(&getContext());
    bool ok = true;
    for (LinearOp op : linears) {
      std::string tensorName = (*op.getName() + kScaleSuffix).str();
      const formats::TensorView *view = (*file)->lookup(tensorName);
      if (!view)
        continue;
      FailureOr<std::vector<float>> values = readScale(op, *view);
      if (failed(values)) {
        ok = false;
        continue;
      }
      Value input = op.getInput();
      auto key = std::make_pair(input.getAsOpaquePointer(), *values);
      auto it = shared.find(key);
      if (it == shared.end()) {
        // Right after x's definition: dominates every linear reading x.
        rewriter.setInsertionPointAfterValue(input);
        Location loc = op.getLoc();
        int64_t k = static_cast<int64_t>(values->size());
        auto scaleType = RankedTensorType::get({k}, rewriter.getF32Type());
        Value scale = arith::ConstantOp::create(
            rewriter, loc, scaleType,
            DenseElementsAttr::get(scaleType, ArrayRef<float>(*values)));
        Value scaled = ScaleOp::create(rewriter, loc, input.getType(), input,
                                       scale, rewriter.getI64IntegerAttr(-1));
        it = shared.emplace(key, std::make_pair(scale, scaled)).first;
      }
      Value scale = it->second.first, scaled = it->second.second;
      rewriter.setInsertionPoint(op);
      Value weight = scaleColumns(rewriter, op.getLoc(), op.getWeight(), scale);
      rewriter.modifyOpInPlace(op, [&] {
        op.getInputMutable().assign(scaled);
        op.getWeightMutable().assign(weight);
      });
    }
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
