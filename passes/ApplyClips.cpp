//===- ApplyClips.cpp - clamp weights to the AWQ clip maxima --------------===//
//
// Implements awq-apply-clips: the clip search's per-row, per-group maxima
// (awq-calibrate's results file) become `awq.clip` ops on the weight
// expressions of the linears they belong to; the maxima stay in their file,
// referenced by awq.weight, so the IR stays small.
//
//===----------------------------------------------------------------------===//

#include "dialects/Awq/AwqOps.h"
#include "formats/SafeTensors.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Path.h"

namespace mlir::awq {
#define GEN_PASS_DEF_AWQAPPLYCLIPSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;

namespace {
constexpr llvm::StringLiteral kClipSuffix = ".awq_clip";

struct AwqApplyClipsPass final
    : mlir::awq::impl::AwqApplyClipsPassBase<AwqApplyClipsPass> {
  using Base::Base;

  /// The option, or the module's `awq.calibration` file.
  std::string clipsPath() {
    if (!clipsFile.empty())
      return clipsFile;
    auto module = getOperation()->getParentOfType<ModuleOp>();
    auto attr = module ? module->getAttrOfType<StringAttr>("awq.calibration")
                       : StringAttr();
    return attr ? attr.getValue().str() : "";
  }

  /// Checks the stored maxima against the linear; returns the group size.
  FailureOr<int64_t> groupSizeFor(LinearOp op,
                                  const ::awq::formats::TensorView &view) {
    auto type = cast<RankedTensorType>(op.getWeight().getType());
    int64_t n = type.getDimSize(0), k = type.getDimSize(1);
    if (view.dtype != ::awq::formats::DType::F32 || view.shape.size() != 2 ||
        view.shape[0] != n || view.shape[1] <= 0 || k % view.shape[1] != 0)
      return op.emitOpError("clip maxima '")
             << view.name << "' do not fit a [" << n << ", " << k
             << "] weight: expected f32 [" << n << ", K / group size]";
    return k / view.shape[1];
  }

  void runOnOperation() override {
    std::string path = clipsPath();
    if (path.empty()) {
      getOperation().emitError("awq-apply-clips: no clips file (clips-file="
                               "<path> or a module awq.calibration attribute)");
      return signalPassFailure();
    }
    auto file = ::awq::formats::SafeTensorsFile::open(path);
    if (!file) {
      getOperation().emitError("awq-apply-clips: ")
          << llvm::toString(file.takeError());
      return signalPassFailure();
    }
    OpBuilder builder(&getContext());
    bool ok = true;
    getOperation().walk([&](LinearOp op) {
      if (!op.getName())
        return;
      std::string tensor = (*op.getName() + kClipSuffix).str();
      const ::awq::formats::TensorView *view = (*file)->lookup(tensor);
      if (!view)
        return;
      FailureOr<int64_t> group = groupSizeFor(op, *view);
      if (failed(group)) {
        ok = false;
        return;
      }
      builder.setInsertionPoint(op);
      auto maxType = RankedTensorType::get(view->shape, builder.getF32Type());
      Value max = WeightOp::create(builder, op.getLoc(), maxType, tensor, path,
                                   Storage::plain, IntegerAttr());
      Value clipped = ClipOp::create(builder, op.getLoc(), op.getWeight(), max,
                                     builder.getI64IntegerAttr(*group));
      op.getWeightMutable().assign(clipped);
    });
    if (!ok)
      signalPassFailure();
  }
};
} // namespace
