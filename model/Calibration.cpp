//===- Calibration.cpp - AWQ scale and clip search on a whole model -------===//
//
// Layer loop (calibrate), one layer's groups (LayerCalibrator) and the
// module forwards the scale search compares (attention block, MLP). The
// grouping follows the Llama-family layout of model IR (ModelBuilder.cpp),
// found by the linears' names.
//
//===----------------------------------------------------------------------===//

#include "model/Calibration.h"

#include "formats/SafeTensors.h"
#include "quantize/AwqSearch.h"
#include "support/Progress.h"

#include "llvm/Support/FormatVariadic.h"

#include <chrono>

using namespace awq;
using namespace awq::model;
using mlir::failure;
using mlir::FailureOr;
using mlir::success;

llvm::Expected<std::vector<std::vector<int64_t>>>
awq::model::selectSamples(llvm::ArrayRef<int32_t> ids, int64_t samples,
                          int64_t tokens, llvm::StringRef textName) {
  if (samples <= 0 || tokens <= 0)
    return llvm::createStringError("calibration needs a positive sample "
                                   "count and length");
  if (int64_t(ids.size()) < samples * tokens)
    return llvm::createStringError(llvm::formatv(
        "calibration text '{0}' has {1} tokens, fewer than the {2} samples x "
        "{3} tokens requested ({4}); pass a longer text or fewer samples",
        textName, ids.size(), samples, tokens, samples * tokens));
  std::vector<std::vector<int64_t>> out;
  for (int64_t s = 0; s < samples; ++s)
    out.emplace_back(ids.begin() + s * tokens, ids.begin() + (s + 1) * tokens);
  return out;
}

namespace {
/// Rows [begin, begin + count) of a matrix, copied.
Matrix rowsOf(const Matrix &m, int64_t begin, int64_t count) {
  Matrix out(count, m.cols);
  std::copy(m.row(begin), m.row(begin) + count * m.cols, out.data.data());
  return out;
}

/// The linears of one decoder layer, by role.
struct LayerLinears {
  std::string q, k, v, o, gate, up, down;
};

LayerLinears linearsOf(int64_t layer) {
  std::string p = llvm::formatv("model.layers.{0}.", layer).str();
  return {p + "self_attn.q_proj", p + "self_attn.k_proj",
          p + "self_attn.v_proj", p + "self_attn.o_proj",
          p + "mlp.gate_proj",    p + "mlp.up_proj",
          p + "mlp.down_proj"};
}

/// Searches one layer's groups on its recorded inputs.
class LayerCalibrator {
public:
  LayerCalibrator(Executor &exec, const CalibrationOptions &options,
                  int64_t layer, std::string function,
                  std::map<std::string, Matrix> &inputs,
                  CalibrationResult &result)
      : exec(exec), options(options), layer(layer),
        function(std::move(function)), names(linearsOf(layer)), inputs(inputs),
        result(result) {}

  mlir::LogicalResult run();

private:
  struct Group {
    std::string kind;
    std::vector<std::string> linears;
    std::string inputOf; ///< the linear whose recorded input x is
    const quant::ModuleForward *module = nullptr;
  };
  FailureOr<std::vector<float>> search(const Group &group);
  mlir::LogicalResult clip(const std::string &name,
                           const std::vector<float> *inputScale,
                           const std::vector<float> *rowScale);
  Matrix lossRows(const std::string &inputOf) const;
  /// lossRows, computed once per input.
  const Matrix &lossInput(const std::string &inputOf) {
    auto it = lossInputs.find(inputOf);
    if (it == lossInputs.end())
      it = lossInputs.emplace(inputOf, lossRows(inputOf)).first;
    return it->second;
  }
  FailureOr<Matrix> attentionBlock(llvm::ArrayRef<const float *> w,
                                   const Matrix &x);
  FailureOr<Matrix> mlpBlock(llvm::ArrayRef<const float *> w, const Matrix &x);
  const Matrix &weightOf(const std::string &name) { return *weights.at(name); }

  Executor &exec;
  const CalibrationOptions &options;
  int64_t layer;
  std::string function;
  LayerLinears names;
  std::map<std::string, Matrix> &inputs;
  CalibrationResult &result;
  std::map<std::string, const Matrix *> weights, biases;
  /// The layer's rotary frequencies and attention shape, read once.
  std::optional<Executor::AttentionParams> attention;
  std::map<std::string, Matrix> lossInputs;
  std::unique_ptr<quant::MatmulBackend> backend =
      quant::createOpenBlasBackend();
};
} // namespace

/// The loss rows: whole sequences evenly spaced among the samples (the
/// attention block needs whole sequences; the MLP and single linears take
/// the same rows so that every group sees the same tokens).
Matrix LayerCalibrator::lossRows(const std::string &inputOf) const {
  const Matrix &x = inputs.at(inputOf);
  int64_t len = options.sampleTokens, total = x.rows / len;
  int64_t count = options.lossSequences <= 0
                      ? total
                      : std::min(options.lossSequences, total);
  Matrix out;
  out.data.reserve(size_t(count) * len * x.cols);
  for (int64_t i = 0; i < count; ++i)
    out.appendRows(rowsOf(x, (i * total / count) * len, len));
  return out;
}

/// o_proj(attention(rope(x·Wqᵀ), rope(x·Wkᵀ), x·Wvᵀ)), sequence by sequence.
FailureOr<Matrix>
LayerCalibrator::attentionBlock(llvm::ArrayRef<const float *> w,
                                const Matrix &x) {
  const Executor::AttentionParams *params = &*attention;
  int64_t len = options.sampleTokens;
  std::vector<int64_t> positions(len);
  for (int64_t t = 0; t < len; ++t)
    positions[t] = t;
  Matrix out;
  for (int64_t s = 0; s < x.rows / len; ++s) {
    Matrix xs = rowsOf(x, s * len, len);
    auto project = [&](int i, const std::string &name) {
      return cpu::linear(xs, w[i], weightOf(name).rows, biases.at(name));
    };
    Matrix q = cpu::rope(project(0, names.q), positions, params->rope);
    Matrix k = cpu::rope(project(1, names.k), positions, params->rope);
    Matrix v = project(2, names.v);
    cpu::KvCache cache;
    Matrix a = cpu::attention(q, k, v, cache, params->shape);
    out.appendRows(cpu::linear(a, weightOf(names.o), biases.at(names.o)));
  }
  return out;
}

/// down(silu(x·Wgateᵀ) * x·Wupᵀ).
FailureOr<Matrix> LayerCalibrator::mlpBlock(llvm::ArrayRef<const float *> w,
                                            const Matrix &x) {
  Matrix gate = cpu::linear(x, w[0], weightOf(names.gate).rows, nullptr);
  Matrix up = cpu::linear(x, w[1], weightOf(names.up).rows, nullptr);
  return cpu::linear(cpu::swiglu(gate, up), weightOf(names.down), nullptr);
}

FailureOr<std::vector<float>> LayerCalibrator::search(const Group &group) {
  const Matrix &all = inputs.at(group.inputOf);
  const Matrix &x = lossInput(group.inputOf);
  quant::ScaleSearchOptions opts;
  opts.quant = options.quant;
  opts.duoScaling = options.duoScaling;
  opts.xMean = quant::activationMeanAbs(all.data, all.rows, all.cols);
  std::vector<quant::LinearWeight> linears;
  for (const std::string &name : group.linears)
    linears.push_back({name, weightOf(name).rows, weightOf(name).data});
  auto found = quant::searchBestScale(x.data, x.rows, x.cols, linears, opts,
                                      *backend, group.module);
  if (!found) {
    llvm::errs() << "awq: calibration of layer " << layer << " (" << group.kind
                 << "): " << llvm::toString(found.takeError()) << "\n";
    return failure();
  }
  result.groups.push_back({layer, group.kind, group.linears, found->bestRatio,
                           found->rtnLoss, found->losses[found->bestIndex]});
  for (const std::string &name : group.linears)
    result.linears[name].scale = found->scales;
  return std::move(found->scales);
}

/// x's `rows`, each divided by the input scale (if any).
static Matrix scaledRows(const Matrix &x, llvm::ArrayRef<int64_t> rows,
                         const std::vector<float> *inputScale) {
  Matrix out(rows.size(), x.cols);
  for (size_t i = 0; i < rows.size(); ++i)
    for (int64_t c = 0; c < x.cols; ++c)
      out.row(i)[c] = x.row(rows[i])[c] / (inputScale ? (*inputScale)[c] : 1);
  return out;
}

/// The rows halfway between the clip search's sampled rows.
static std::vector<int64_t> validationRows(llvm::ArrayRef<int64_t> rows,
                                           int64_t total) {
  int64_t half = rows.size() > 1 ? (rows[1] - rows[0]) / 2 : 0;
  std::vector<int64_t> out;
  for (int64_t r : rows)
    if (half > 0 && r + half < total)
      out.push_back(r + half);
  return out;
}

/// The clip search on the final weight diag(1 / rowScale) · W · diag(s),
/// with the inputs divided by s (AutoAWQ clips after applying all scales).
mlir::LogicalResult LayerCalibrator::clip(const std::string &name,
                                          const std::vector<float> *inputScale,
                                          const std::vector<float> *rowScale) {
  const Matrix &w = weightOf(name);
  std::string inputOf = name == names.k || name == names.v ? names.q
                        : name == names.up                 ? names.gate
                                                           : name;
  const Matrix &x = inputs.at(inputOf);
  std::vector<int64_t> rows =
      quant::clipSampleRows(x.rows, options.clipSampleTokens);
  Matrix xs = scaledRows(x, rows, inputScale);
  Matrix final = w;
  for (int64_t o = 0; o < w.rows; ++o)
    for (int64_t c = 0; c < w.cols; ++c)
      final.row(o)[c] = w.row(o)[c] * (inputScale ? (*inputScale)[c] : 1) /
                        (rowScale ? (*rowScale)[o] : 1);
  quant::ClipSearchOptions opts;
  opts.quant = options.quant;
  opts.quant.arith = options.clipArith;
  opts.nSampleTokens = xs.rows;
  auto found = quant::searchBestClip(final.data, w.rows, w.cols, xs.data,
                                     xs.rows, opts, *backend, name);
  if (!found) {
    llvm::errs() << "awq: clip search of '" << name
                 << "': " << llvm::toString(found.takeError()) << "\n";
    return failure();
  }
  if (options.clipValidate) {
    Matrix xv = scaledRows(x, validationRows(rows, x.rows), inputScale);
    if (xv.rows > 0)
      quant::validateClip(*found, final.data, w.rows, w.cols, xv.data,
                          xv.rows, opts, *backend);
  }
  LinearCalibration &cal = result.linears[name];
  cal.n = w.rows;
  cal.clipGroups = found->groups;
  cal.clipMax = std::move(found->maxVal);
  int64_t clipped =
      llvm::count_if(found->bestStep, [](uint8_t step) { return step > 0; });
  cal.clippedFraction = double(clipped) / double(found->bestStep.size());
  return success();
}

mlir::LogicalResult LayerCalibrator::run() {
  for (const std::string &name :
       {names.q, names.k, names.v, names.o, names.gate, names.up, names.down}) {
    auto w = exec.linearWeight(name);
    auto b = exec.linearBias(name);
    if (failed(w) || failed(b))
      return failure();
    weights[name] = *w;
    biases[name] = *b;
  }
  auto params = exec.attentionParams(function);
  if (failed(params))
    return failure();
  attention = std::move(*params);
  quant::ModuleForward attentionForward = [&](llvm::ArrayRef<const float *> w,
                                              std::vector<float> &out) {
    auto y = attentionBlock(w, lossInput(names.q));
    out = succeeded(y) ? std::move(y->data) : std::vector<float>();
  };
  quant::ModuleForward mlp = [&](llvm::ArrayRef<const float *> w,
                                 std::vector<float> &out) {
    auto y = mlpBlock(w, lossInput(names.gate));
    out = succeeded(y) ? std::move(y->data) : std::vector<float>();
  };
  auto qkv =
      search({"qkv", {names.q, names.k, names.v}, names.q, &attentionForward});
  if (failed(qkv))
    return failure();
  // v -> o only where v's rows map one to one onto o's input channels.
  std::optional<std::vector<float>> o;
  if (weightOf(names.v).rows == weightOf(names.o).rows &&
      weightOf(names.v).cols == weightOf(names.o).cols) {
    auto found = search({"o", {names.o}, names.o, nullptr});
    if (failed(found))
      return failure();
    o = std::move(*found);
  }
  auto gateUp = search({"gate_up", {names.gate, names.up}, names.gate, &mlp});
  auto down = search({"down", {names.down}, names.down, nullptr});
  if (failed(gateUp) || failed(down))
    return failure();
  if (!options.clip)
    return success();
  const std::vector<float> *oScale = o ? &*o : nullptr;
  if (failed(clip(names.v, &*qkv, oScale)) ||
      failed(clip(names.o, oScale, nullptr)) ||
      failed(clip(names.gate, &*gateUp, nullptr)) ||
      failed(clip(names.up, &*gateUp, &*down)) ||
      failed(clip(names.down, &*down, nullptr)))
    return failure();
  return success();
}

FailureOr<CalibrationResult>
awq::model::calibrate(Executor &exec,
                      llvm::ArrayRef<std::vector<int64_t>> samples,
                      const CalibrationOptions &options) {
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point from) {
    return std::chrono::duration<double>(Clock::now() - from).count();
  };
  CalibrationResult result;
  std::vector<Matrix> hidden;
  for (const std::vector<int64_t> &sample : samples) {
    auto h = exec.embed(sample);
    if (failed(h))
      return failure();
    hidden.push_back(std::move(*h));
  }
  std::vector<std::string> layers = exec.layerFunctions();
  ProgressBar bar("calibrating", layers.size(), "layers");
  for (auto [index, function] : llvm::enumerate(layers)) {
    LayerLinears names = linearsOf(index);
    std::map<std::string, Matrix> inputs;
    exec.setLinearInputHook([&](llvm::StringRef name, const Matrix &x) {
      if (name == names.q || name == names.o || name == names.gate ||
          name == names.down)
        inputs[name.str()].appendRows(x);
    });
    auto start = Clock::now();
    for (Matrix &h : hidden) {
      auto next = exec.runFunction(function, std::move(h));
      if (failed(next))
        return failure();
      h = std::move(*next);
    }
    exec.setLinearInputHook(nullptr);
    result.forwardSeconds += seconds(start);
    start = Clock::now();
    LayerCalibrator calibrator(exec, options, index, function, inputs, result);
    if (failed(calibrator.run()))
      return failure();
    result.searchSeconds += seconds(start);
    if (options.showProgress)
      bar.update(index + 1);
  }
  if (options.showProgress)
    bar.finish(llvm::formatv("forward {0}, search {1}",
                             formatDuration(result.forwardSeconds),
                             formatDuration(result.searchSeconds))
                   .str());
  return result;
}

llvm::Error awq::model::writeCalibration(const CalibrationResult &result,
                                         int64_t groupSize,
                                         llvm::StringRef path) {
  ::awq::formats::SafeTensorsWriter writer;
  for (const auto &[name, cal] : result.linears) {
    if (!cal.scale.empty())
      if (llvm::Error err = writer.addF32(
              name + ".awq_scale", {int64_t(cal.scale.size())}, cal.scale))
        return err;
    if (!cal.clipMax.empty())
      if (llvm::Error err = writer.addF32(name + ".awq_clip",
                                          {cal.n, cal.clipGroups}, cal.clipMax))
        return err;
  }
  writer.setMetadata("awq_clip_group_size", std::to_string(groupSize));
  return writer.write(path);
}
