//===- CalibratePass.cpp - awq-calibrate ----------------------------------===//
//
// The pass wrapper around model/Calibration.h: checks every option against
// the model before the long work, tokenizes and samples the text, runs the
// search, writes the results and applies the scales to the IR through
// awq-apply-scales (one implementation of W·diag(s)).
//
//===----------------------------------------------------------------------===//

#include "model/Calibration.h"
#include "model/ModelFile.h"
#include "model/Passes.h"
#include "passes/Passes.h"
#include "quantize/Quantize.h"
#include "tokenizer/Tokenizer.h"

#include "dialects/Awq/AwqOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

namespace mlir::awq {
#define GEN_PASS_DEF_AWQCALIBRATEPASS
#include "model/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;
namespace model = ::awq::model;

namespace {
struct AwqCalibratePass final
    : mlir::awq::impl::AwqCalibratePassBase<AwqCalibratePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkOptions(module)))
      return signalPassFailure();
    FailureOr<std::vector<std::vector<int64_t>>> samples = sample(module);
    if (failed(samples))
      return signalPassFailure();
    FailureOr<model::CalibrationResult> result = search(module, *samples);
    if (failed(result) || failed(record(module, *result)))
      return signalPassFailure();
  }

  /// Bits and group size against every linear, before any long work.
  LogicalResult checkOptions(ModuleOp module) {
    if (bits != 3 && bits != 4 && bits != 8)
      return module.emitError("awq-calibrate: unsupported bit width ")
             << static_cast<int64_t>(bits) << " (expected 3, 4 or 8)";
    if (textFile.empty())
      return module.emitError("awq-calibrate: no calibration text (text=...)");
    if (clipTokens < 1)
      return module.emitError("awq-calibrate: clip-tokens must be positive, not ")
             << static_cast<int64_t>(clipTokens);
    if (clipArith != "f32" && clipArith != "f16")
      return module.emitError("awq-calibrate: unknown clip-arith '")
             << clipArith << "' (expected f32 or f16)";
    ::awq::quant::QuantConfig config;
    config.bits = bits;
    config.groupSize = groupSize;
    WalkResult walk = module.walk([&](LinearOp op) {
      auto type = op.getWeight().getType();
      int64_t n = type.getDimSize(0), k = type.getDimSize(1);
      if (groupSize > 0 && k % groupSize != 0) {
        op.emitError("awq-calibrate: group size ")
            << static_cast<int64_t>(groupSize) << " does not divide K = " << k
            << " of this linear; use a group size that divides every "
               "linear's input width (or 0 for per-channel)";
        return WalkResult::interrupt();
      }
      if (llvm::Error err = ::awq::quant::checkQuantConfig(
              config, n, k, op.getName() ? *op.getName() : "linear")) {
        op.emitError("awq-calibrate: ") << llvm::toString(std::move(err));
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    return failure(walk.wasInterrupted());
  }

  std::string modelPath(ModuleOp module) {
    if (auto loc = dyn_cast<FileLineColLoc>(module.getLoc()))
      return loc.getFilename().str();
    return "";
  }

  FailureOr<std::vector<std::vector<int64_t>>> sample(ModuleOp module) {
    auto tok = model::openTokenizer(module, modelPath(module), tokenizer,
                                    "set tokenizer=...");
    if (!tok)
      return module.emitError("awq-calibrate: ")
             << llvm::toString(tok.takeError());
    auto buffer = llvm::MemoryBuffer::getFile(textFile);
    if (!buffer)
      return module.emitError("awq-calibrate: cannot read '")
             << textFile << "': " << buffer.getError().message();
    auto text = model::sliceText((*buffer)->getBuffer(), slice);
    if (!text)
      return module.emitError("awq-calibrate: ")
             << llvm::toString(text.takeError());
    std::vector<int32_t> ids = (*tok)->encode(*text, /*addSpecial=*/false);
    auto samples = model::selectSamples(ids, this->samples, tokens, textFile);
    if (!samples)
      return module.emitError("awq-calibrate: ")
             << llvm::toString(samples.takeError());
    return std::move(*samples);
  }

  FailureOr<model::CalibrationResult>
  search(ModuleOp module, ArrayRef<std::vector<int64_t>> samples) {
    model::ExecutorOptions execOptions;
    execOptions.weightsDir = weightsDir;
    execOptions.showProgress = showProgress;
    auto exec = model::Executor::create(module, execOptions);
    if (failed(exec))
      return failure();
    model::CalibrationOptions options;
    options.samples = this->samples;
    options.sampleTokens = tokens;
    options.quant.bits = bits;
    options.quant.groupSize = groupSize;
    options.quant.symmetric = symmetric;
    options.lossSequences = lossSequences;
    options.clip = clip;
    options.clipSampleTokens = clipTokens;
    options.clipValidate = clipValidate;
    options.clipArith = clipArith == "f16" ? ::awq::quant::QuantArith::F16
                                           : ::awq::quant::QuantArith::F32;
    options.showProgress = showProgress;
    return model::calibrate(**exec, samples, options);
  }

  LogicalResult record(ModuleOp module,
                       const model::CalibrationResult &result) {
    if (llvm::Error err = model::writeCalibration(result, groupSize, results))
      return module.emitError("awq-calibrate: ")
             << llvm::toString(std::move(err));
    if (!report.empty())
      if (failed(writeReport(module, result)))
        return failure();
    module->setAttr("awq.calibration", StringAttr::get(&getContext(), results));
    OpPassManager pm(ModuleOp::getOperationName());
    AwqApplyScalesPassOptions applyOptions;
    applyOptions.scalesFile = results;
    pm.addNestedPass<func::FuncOp>(createAwqApplyScalesPass(applyOptions));
    return runPipeline(pm, module);
  }

  LogicalResult writeReport(ModuleOp module,
                            const model::CalibrationResult &result) {
    llvm::json::Array groups;
    for (const model::GroupReport &g : result.groups) {
      llvm::json::Array linears;
      for (const std::string &name : g.linears)
        linears.push_back(name);
      groups.push_back(llvm::json::Object{{"layer", g.layer},
                                          {"kind", g.kind},
                                          {"linears", std::move(linears)},
                                          {"ratio", g.ratio},
                                          {"rtn_loss", g.rtnLoss},
                                          {"awq_loss", g.awqLoss}});
    }
    llvm::json::Object clips;
    for (const auto &[name, cal] : result.linears)
      if (!cal.clipMax.empty())
        clips[name] = cal.clippedFraction;
    llvm::json::Object root{{"groups", std::move(groups)},
                            {"clipped_group_fraction", std::move(clips)},
                            {"forward_seconds", result.forwardSeconds},
                            {"search_seconds", result.searchSeconds}};
    std::error_code ec;
    llvm::raw_fd_ostream os(report, ec);
    if (ec)
      return module.emitError("awq-calibrate: cannot write '")
             << report << "': " << ec.message();
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
    return success();
  }
};
} // namespace
