//===- AwqSearch.cpp - AWQ scale and clip search --------------------------===//

#include "quantize/AwqSearch.h"

#include "formats/Half.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Parallel.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <limits>

using namespace llvm;
using namespace awq::quant;

static Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Backends
//===----------------------------------------------------------------------===//

MatmulBackend::~MatmulBackend() = default;

namespace {
class OpenBlasBackend final : public MatmulBackend {
public:
  StringRef name() const override { return "openblas"; }
  void gemmABt(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
               const float *b, int64_t ldb, float *c, int64_t ldc) override {
    if (m == 0 || n == 0)
      return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(m), int(n),
                int(k), 1.0f, a, int(lda), b, int(ldb), 0.0f, c, int(ldc));
  }
};

class NaiveBackend final : public MatmulBackend {
public:
  StringRef name() const override { return "naive"; }
  void gemmABt(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
               const float *b, int64_t ldb, float *c, int64_t ldc) override {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += double(a[i * lda + p]) * double(b[j * ldb + p]);
        c[i * ldc + j] = float(acc);
      }
  }
};
} // namespace

std::unique_ptr<MatmulBackend> awq::quant::createOpenBlasBackend() {
  return std::make_unique<OpenBlasBackend>();
}
std::unique_ptr<MatmulBackend> awq::quant::createNaiveBackend() {
  return std::make_unique<NaiveBackend>();
}

//===----------------------------------------------------------------------===//
// Statistics
//===----------------------------------------------------------------------===//

std::vector<float> awq::quant::activationMeanAbs(ArrayRef<float> x, int64_t t,
                                                 int64_t k) {
  std::vector<double> sum(k, 0.0);
  for (int64_t i = 0; i < t; ++i)
    for (int64_t c = 0; c < k; ++c)
      sum[c] += std::fabs(double(x[i * k + c]));
  std::vector<float> mean(k);
  for (int64_t c = 0; c < k; ++c)
    mean[c] = float(sum[c] / double(t));
  return mean;
}

std::vector<float>
awq::quant::weightMeanNormalized(ArrayRef<LinearWeight> linears, int64_t k,
                                 int64_t groupSize) {
  std::vector<double> sum(k, 0.0);
  int64_t rows = 0;
  for (const LinearWeight &l : linears) {
    for (int64_t o = 0; o < l.n; ++o) {
      const float *row = l.w.data() + o * k;
      for (int64_t g0 = 0; g0 < k; g0 += groupSize) {
        float amax = 0;
        for (int64_t c = g0; c < g0 + groupSize; ++c)
          amax = std::max(amax, std::fabs(row[c]));
        float denom = amax + 1e-6f;
        for (int64_t c = g0; c < g0 + groupSize; ++c)
          sum[c] += double(std::fabs(row[c]) / denom);
      }
    }
    rows += l.n;
  }
  std::vector<float> mean(k);
  for (int64_t c = 0; c < k; ++c)
    mean[c] = float(sum[c] / double(rows));
  return mean;
}

//===----------------------------------------------------------------------===//
// Scale search
//===----------------------------------------------------------------------===//

std::vector<float> awq::quant::gridScales(ArrayRef<float> xMean,
                                          ArrayRef<float> wMean, float ratio,
                                          bool duoScaling) {
  size_t k = xMean.size();
  std::vector<float> s(k);
  for (size_t c = 0; c < k; ++c) {
    float v = std::pow(xMean[c], ratio);
    if (duoScaling)
      v = v / (std::pow(wMean[c], 1.0f - ratio) + 1e-4f);
    s[c] = std::max(v, 1e-4f);
  }
  float mx = *std::max_element(s.begin(), s.end());
  float mn = *std::min_element(s.begin(), s.end());
  float norm = std::sqrt(mx * mn);
  for (float &v : s) {
    v = v / norm;
    // AutoAWQ replaces overflowed scales by 1 after normalising.
    if (!std::isfinite(v))
      v = 1.0f;
  }
  return s;
}

namespace {
/// Shared machinery: the default module forward and loss.
struct GroupEval {
  ArrayRef<float> x;
  int64_t t, k;
  ArrayRef<LinearWeight> linears;
  MatmulBackend &backend;
  const ModuleForward *module;
  int64_t totalN = 0;

  void forward(ArrayRef<const float *> weights, std::vector<float> &out) {
    if (module) {
      (*module)(weights, out);
      return;
    }
    out.assign(t * totalN, 0.0f);
    int64_t col = 0;
    for (size_t i = 0; i < linears.size(); ++i) {
      backend.gemmABt(t, linears[i].n, k, x.data(), k, weights[i], k,
                      out.data() + col, totalN);
      col += linears[i].n;
    }
  }

  /// Loss of Q(W·diag(s))·diag(1/s) against `ref`.
  double lossFor(ArrayRef<float> s, const QuantConfig &quant,
                 const std::vector<float> &ref,
                 std::vector<std::vector<float>> &scratch) {
    std::vector<const float *> ptrs;
    for (size_t i = 0; i < linears.size(); ++i) {
      std::vector<float> &w = scratch[i];
      const LinearWeight &l = linears[i];
      w.resize(l.n * k);
      for (int64_t o = 0; o < l.n; ++o)
        for (int64_t c = 0; c < k; ++c)
          w[o * k + c] = l.w[o * k + c] * s[c];
      fakeQuantizeRows(w.data(), l.n, k, quant);
      for (int64_t o = 0; o < l.n; ++o)
        for (int64_t c = 0; c < k; ++c)
          w[o * k + c] = w[o * k + c] / s[c];
      ptrs.push_back(w.data());
    }
    std::vector<float> out;
    forward(ptrs, out);
    double sum = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      double d = double(ref[i]) - double(out[i]);
      sum += d * d;
    }
    return ref.empty() ? 0.0 : sum / double(ref.size());
  }
};

Error checkGroupInputs(ArrayRef<float> x, int64_t t, int64_t k,
                       ArrayRef<LinearWeight> linears,
                       const QuantConfig &quant) {
  if (t <= 0 || k <= 0)
    return fail(formatv("calibration input has empty shape [{0}, {1}]", t, k));
  if (int64_t(x.size()) != t * k)
    return fail(formatv("calibration input has {0} values, expected "
                        "[{1}, {2}]",
                        x.size(), t, k));
  if (linears.empty())
    return fail("scale search needs at least one linear");
  if (Error err = checkFinite(x, k, "calibration input"))
    return err;
  for (const LinearWeight &l : linears) {
    if (int64_t(l.w.size()) != l.n * k)
      return fail(formatv("linear '{0}': weight has {1} values, expected "
                          "[{2}, {3}] to match the input's K",
                          l.name, l.w.size(), l.n, k));
    if (Error err = checkQuantConfig(quant, l.n, k, l.name))
      return err;
    if (Error err = checkFinite(l.w, k, l.name))
      return err;
  }
  return Error::success();
}
} // namespace

Expected<ScaleSearchResult>
awq::quant::searchBestScale(ArrayRef<float> x, int64_t t, int64_t k,
                            ArrayRef<LinearWeight> linears,
                            const ScaleSearchOptions &options,
                            MatmulBackend &backend,
                            const ModuleForward *module) {
  if (Error err = checkGroupInputs(x, t, k, linears, options.quant))
    return std::move(err);
  if (options.nGrid <= 0)
    return fail("scale search: nGrid must be positive");
  GroupEval eval{x, t, k, linears, backend, module};
  for (const LinearWeight &l : linears)
    eval.totalN += l.n;

  ScaleSearchResult res;
  if (!options.xMean.empty() && int64_t(options.xMean.size()) != k)
    return fail(formatv("scale search: x_mean has {0} values, expected {1}",
                        options.xMean.size(), k));
  res.xMean =
      options.xMean.empty() ? activationMeanAbs(x, t, k) : options.xMean;
  res.wMean = weightMeanNormalized(linears, k, options.quant.groupFor(k));

  std::vector<const float *> orig;
  for (const LinearWeight &l : linears)
    orig.push_back(l.w.data());
  std::vector<float> ref;
  eval.forward(orig, ref);

  std::vector<std::vector<float>> scratch(linears.size());
  std::vector<float> ones(k, 1.0f);
  res.rtnLoss = eval.lossFor(ones, options.quant, ref, scratch);

  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < options.nGrid; ++i) {
    // torch.arange(n_grid, dtype=float32) / n_grid: an f32 division.
    float ratio = float(i) / float(options.nGrid);
    std::vector<float> s =
        gridScales(res.xMean, res.wMean, ratio, options.duoScaling);
    double loss = eval.lossFor(s, options.quant, ref, scratch);
    res.losses.push_back(loss);
    if (loss < best) { // Strict: the first minimum wins, as in AutoAWQ.
      best = loss;
      res.bestIndex = i;
      res.bestRatio = ratio;
      res.scales = std::move(s);
    }
  }
  if (res.bestIndex < 0)
    return fail("scale search: every grid point gave a non-finite loss");
  return std::move(res);
}

//===----------------------------------------------------------------------===//
// Clip search
//===----------------------------------------------------------------------===//

std::vector<int64_t> awq::quant::clipSampleRows(int64_t t,
                                                int64_t nSampleTokens) {
  int64_t step = std::max<int64_t>(1, t / std::max<int64_t>(1, nSampleTokens));
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < t; i += step)
    rows.push_back(i);
  return rows;
}

namespace {
/// The clip search's arithmetic. F32: IEEE f32 throughout. F16 reproduces
/// the reference running on f16 tensors: weights, inputs, the clamp bound,
/// the per-group partial outputs, their difference and its square are each
/// rounded to f16, and the mean is rounded to f16. That rounding is not
/// noise only: a squared error below f16's smallest subnormal is 0, and a
/// later shrink step must be strictly better to win, so groups with small
/// outputs keep their full range (docs/quality.md measures what it does).
struct ClipArith {
  bool half;
  float round(float v) const { return half ? awq::formats::roundToHalf(v) : v; }
  void roundAll(std::vector<float> &v) const {
    if (half)
      for (float &x : v)
        x = awq::formats::roundToHalf(x);
  }
};

/// Per-(channel, group) absolute maxima of w[n, k] in groups of g.
std::vector<float> groupAbsMax(ArrayRef<float> w, int64_t n, int64_t k,
                               int64_t g) {
  int64_t groups = k / g;
  std::vector<float> absMax(n * groups);
  for (int64_t o = 0; o < n; ++o)
    for (int64_t j = 0; j < groups; ++j) {
      float m = 0;
      for (int64_t c = j * g; c < (j + 1) * g; ++c)
        m = std::max(m, std::fabs(w[o * k + c]));
      absMax[o * groups + j] = m;
    }
  return absMax;
}

/// Per-group partial outputs: out[j][i, o] = Σ_{c in group j} x[i,c] w[o,c].
void groupOutputs(MatmulBackend &backend, const std::vector<float> &xs,
                  int64_t ts, const float *w, int64_t n, int64_t k, int64_t g,
                  const ClipArith &arith, std::vector<float> &out) {
  int64_t groups = k / g;
  out.resize(groups * ts * n);
  for (int64_t j = 0; j < groups; ++j)
    backend.gemmABt(ts, n, g, xs.data() + j * g, k, w + j * g, k,
                    out.data() + j * ts * n, n);
  arith.roundAll(out);
}

/// Mean over tokens of the squared error per (channel, group), summed in
/// token order; the loops run along contiguous output rows.
void groupErrors(const std::vector<float> &cur, const std::vector<float> &org,
                 int64_t ts, int64_t n, int64_t groups, const ClipArith &arith,
                 std::vector<float> &err) {
  std::vector<double> sum(n * groups, 0.0);
  parallelFor(0, groups, [&](size_t j) {
    for (int64_t i = 0; i < ts; ++i) {
      const float *a = cur.data() + (j * ts + i) * n;
      const float *b = org.data() + (j * ts + i) * n;
      for (int64_t o = 0; o < n; ++o) {
        double d = arith.half ? double(arith.round(a[o] - b[o]))
                              : double(a[o]) - double(b[o]);
        sum[o * groups + j] += arith.half ? double(arith.round(float(d * d)))
                                          : d * d;
      }
    }
  });
  err.resize(n * groups);
  for (int64_t idx = 0; idx < n * groups; ++idx)
    err[idx] = arith.round(float(sum[idx] / double(ts)));
}
} // namespace

Expected<ClipSearchResult>
awq::quant::searchBestClip(ArrayRef<float> w, int64_t n, int64_t k,
                           ArrayRef<float> x, int64_t t,
                           const ClipSearchOptions &options,
                           MatmulBackend &backend, StringRef name) {
  LinearWeight lw{name.str(), n, w};
  if (Error err = checkGroupInputs(x, t, k, lw, options.quant))
    return std::move(err);
  int64_t g = options.quant.groupFor(k), groups = k / g;
  ClipArith arith{options.quant.arith == QuantArith::F16};

  // Sampled tokens, gathered contiguously; the weight in working precision.
  std::vector<int64_t> rows = clipSampleRows(t, options.nSampleTokens);
  int64_t ts = rows.size();
  std::vector<float> xs(ts * k), w0(w.begin(), w.end());
  for (int64_t i = 0; i < ts; ++i)
    std::copy_n(x.data() + rows[i] * k, k, xs.data() + i * k);
  arith.roundAll(xs);
  arith.roundAll(w0);

  ClipSearchResult res;
  res.n = n;
  res.groups = groups;
  res.sampledTokens = ts;
  res.maxVal = groupAbsMax(w0, n, k, g);
  res.bestStep.assign(n * groups, 0);
  // AutoAWQ's initial min_errs: 1e9, which is +inf once rounded to f16.
  res.minErr.assign(n * groups, arith.round(1e9f));
  const std::vector<float> absMax = res.maxVal;

  std::vector<float> orgOut, curOut, cur(n * k), err;
  groupOutputs(backend, xs, ts, w0.data(), n, k, g, arith, orgOut);
  int steps = int(options.maxShrink * float(options.nGrid));
  for (int step = 0; step < steps; ++step) {
    // 1 - i_s / n_grid is a Python float; PyTorch multiplies in the
    // tensor's precision.
    float factor = float(1.0 - double(step) / double(options.nGrid));
    for (int64_t o = 0; o < n; ++o)
      for (int64_t j = 0; j < groups; ++j) {
        float mv = arith.round(absMax[o * groups + j] * factor);
        for (int64_t c = j * g; c < (j + 1) * g; ++c)
          cur[o * k + c] = std::min(std::max(w0[o * k + c], -mv), mv);
      }
    fakeQuantizeRows(cur.data(), n, k, options.quant);
    groupOutputs(backend, xs, ts, cur.data(), n, k, g, arith, curOut);
    groupErrors(curOut, orgOut, ts, n, groups, arith, err);
    for (int64_t idx = 0; idx < n * groups; ++idx)
      if (err[idx] < res.minErr[idx]) {
        res.minErr[idx] = err[idx];
        res.bestStep[idx] = uint8_t(step);
        res.maxVal[idx] = arith.round(absMax[idx] * factor);
      }
  }
  return std::move(res);
}

int64_t awq::quant::validateClip(ClipSearchResult &clip, ArrayRef<float> w,
                                 int64_t n, int64_t k, ArrayRef<float> xv,
                                 int64_t tv, const ClipSearchOptions &options,
                                 MatmulBackend &backend) {
  int64_t g = options.quant.groupFor(k), groups = k / g;
  ClipArith arith{options.quant.arith == QuantArith::F16};
  std::vector<float> xs(xv.begin(), xv.end()), w0(w.begin(), w.end());
  arith.roundAll(xs);
  arith.roundAll(w0);
  std::vector<float> clipped = w0, full = w0;
  applyClip(clipped, n, k, g, clip.maxVal);
  fakeQuantizeRows(clipped.data(), n, k, options.quant);
  fakeQuantizeRows(full.data(), n, k, options.quant);
  std::vector<float> orgOut, clippedOut, fullOut, clippedErr, fullErr;
  groupOutputs(backend, xs, tv, w0.data(), n, k, g, arith, orgOut);
  groupOutputs(backend, xs, tv, clipped.data(), n, k, g, arith, clippedOut);
  groupOutputs(backend, xs, tv, full.data(), n, k, g, arith, fullOut);
  groupErrors(clippedOut, orgOut, tv, n, groups, arith, clippedErr);
  groupErrors(fullOut, orgOut, tv, n, groups, arith, fullErr);
  std::vector<float> absMax = groupAbsMax(w0, n, k, g);
  int64_t dropped = 0;
  for (int64_t idx = 0; idx < n * groups; ++idx)
    if (clip.bestStep[idx] > 0 && !(clippedErr[idx] < fullErr[idx])) {
      clip.bestStep[idx] = 0;
      clip.maxVal[idx] = absMax[idx];
      ++dropped;
    }
  return dropped;
}

void awq::quant::applyClip(MutableArrayRef<float> w, int64_t n, int64_t k,
                           int64_t groupSize, ArrayRef<float> maxVal) {
  int64_t groups = k / groupSize;
  for (int64_t o = 0; o < n; ++o)
    for (int64_t c = 0; c < k; ++c) {
      float mv = maxVal[o * groups + c / groupSize];
      w[o * k + c] = std::min(std::max(w[o * k + c], -mv), mv);
    }
}

//===----------------------------------------------------------------------===//
// One scaling group
//===----------------------------------------------------------------------===//

bool awq::quant::skipClipFor(StringRef linearName) {
  // AutoAWQ's avoid_clipping list, matched as substrings.
  for (StringRef pat : {"q_", "k_", "query", "key", "Wqkv"})
    if (linearName.contains(pat))
      return true;
  return false;
}

Expected<AwqGroupResult>
awq::quant::awqProcessGroup(ArrayRef<float> x, int64_t t, int64_t k,
                            ArrayRef<LinearWeight> linears,
                            const AwqGroupOptions &options,
                            MatmulBackend &backend,
                            const ModuleForward *module) {
  AwqGroupResult res;
  Expected<ScaleSearchResult> scale =
      searchBestScale(x, t, k, linears, options.scale, backend, module);
  if (!scale)
    return scale.takeError();
  res.scale = std::move(*scale);
  const std::vector<float> &s = res.scale.scales;

  // After apply_scale the linears see x / s and hold W · diag(s).
  std::vector<float> xs(x.begin(), x.end());
  for (int64_t i = 0; i < t; ++i)
    for (int64_t c = 0; c < k; ++c)
      xs[i * k + c] = xs[i * k + c] / s[c];
  for (const LinearWeight &l : linears) {
    std::vector<float> w(l.w.begin(), l.w.end());
    for (int64_t o = 0; o < l.n; ++o)
      for (int64_t c = 0; c < k; ++c)
        w[o * k + c] = w[o * k + c] * s[c];
    ClipSearchResult clip;
    if (options.applyClip && !skipClipFor(l.name)) {
      Expected<ClipSearchResult> c =
          searchBestClip(w, l.n, k, xs, t, options.clip, backend, l.name);
      if (!c)
        return c.takeError();
      clip = std::move(*c);
      applyClip(w, l.n, k, options.clip.quant.groupFor(k), clip.maxVal);
    }
    res.clips.push_back(std::move(clip));
    res.weights.push_back(std::move(w));
  }
  return std::move(res);
}
