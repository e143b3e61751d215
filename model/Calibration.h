//===- Calibration.h - AWQ scale and clip search on a whole model -*- C++
//-*-===//
//
// Runs the AWQ search as AutoAWQ does, on model IR run by the CPU executor:
// the calibration samples go through the model layer by layer (each decoder
// layer's input is the previous layer's floating-point output); in each
// layer the inputs of its linears are recorded, and for each scaling group
// the channel scale is searched with the loss on the output of the module
// the group feeds (q/k/v -> the attention block's output; v -> o_proj when
// their shapes agree; gate/up -> the MLP's output; up -> down_proj), with
// duo scaling; then, on the scaled weights, the clip search (not for q, k).
// The searches themselves are quantize/AwqSearch.h's.
//
// Scope of the losses (docs/quality.md measures what it does to quality):
// x_mean, the clip search's token sample and every recorded input use all
// calibration tokens; the scale search's loss is computed on
// `lossSequences` whole sequences, evenly spaced among the samples.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_CALIBRATION_H
#define AWQ_MODEL_CALIBRATION_H

#include "model/Executor.h"
#include "quantize/Quantize.h"

#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace awq::model {

struct CalibrationOptions {
  int64_t samples = 128;      ///< sequences
  int64_t sampleTokens = 512; ///< tokens per sequence
  quant::QuantConfig quant;
  bool duoScaling = true;
  bool clip = true;
  /// Keep a group's clip only where it also helps on other tokens
  /// (quant::validateClip).
  bool clipValidate = true;
  /// Arithmetic of the clip search (quant::searchBestClip).
  quant::QuantArith clipArith = quant::QuantArith::F32;
  /// Sequences whose module outputs the scale search compares (0: all).
  int64_t lossSequences = 16;
  /// Tokens the clip search samples (AutoAWQ: 512, evenly strided).
  int64_t clipSampleTokens = 512;
  bool showProgress = false;
};

/// One scaling group's search, for the per-layer report.
struct GroupReport {
  int64_t layer = 0;
  std::string kind; ///< "qkv", "o", "gate_up", "down"
  std::vector<std::string> linears;
  float ratio = 0;    ///< the chosen grid ratio
  double rtnLoss = 0; ///< module-output MSE, RTN (s = 1), no clip
  double awqLoss = 0; ///< module-output MSE, best s, no clip
};

/// What the IR needs for one linear: the input-channel scale of its group
/// (W · diag(s), x / s) and the clip of its final weight.
struct LinearCalibration {
  std::vector<float> scale;   ///< [K]; empty: not scaled
  std::vector<float> clipMax; ///< [N, K/G] in final-weight units; empty: none
  int64_t n = 0, clipGroups = 0;
  double clippedFraction = 0; ///< groups whose clip is below the max |w|
};

struct CalibrationResult {
  std::map<std::string, LinearCalibration> linears;
  std::vector<GroupReport> groups;
  double forwardSeconds = 0, searchSeconds = 0;
};

/// The text's tokens cut into consecutive `tokens`-long samples, the first
/// `samples` of them; an error naming the shortfall if there are fewer.
llvm::Expected<std::vector<std::vector<int64_t>>>
selectSamples(llvm::ArrayRef<int32_t> ids, int64_t samples, int64_t tokens,
              llvm::StringRef textName);

mlir::FailureOr<CalibrationResult>
calibrate(Executor &exec, llvm::ArrayRef<std::vector<int64_t>> samples,
          const CalibrationOptions &options);

/// Safetensors with `<linear>.awq_scale` (f32 [K], what awq-apply-scales
/// reads) and `<linear>.awq_clip` (f32 [N, K/G], what awq-apply-clips
/// reads), written atomically.
llvm::Error writeCalibration(const CalibrationResult &result, int64_t groupSize,
                             llvm::StringRef path);

} // namespace awq::model

#endif // AWQ_MODEL_CALIBRATION_H
