//===- Quantize.cpp - group-wise round-to-nearest quantization ------------===//

#include "quantize/Quantize.h"
#include "formats/Half.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Parallel.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace awq::quant;
using namespace awq::formats;

static Error quantError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

Error awq::quant::checkQuantConfig(const QuantConfig &config, int64_t n,
                                   int64_t k, StringRef name) {
  if (config.bits != 3 && config.bits != 4 && config.bits != 8)
    return quantError(formatv("tensor '{0}': unsupported bit width {1} "
                              "(expected 3, 4 or 8)",
                              name, config.bits));
  if (n <= 0 || k <= 0)
    return quantError(
        formatv("tensor '{0}': empty weight shape [{1}, {2}]", name, n, k));
  int64_t g = config.groupFor(k);
  if (g != k && g != 32 && g != 64 && g != 128)
    return quantError(formatv("tensor '{0}': unsupported group size {1} "
                              "(expected 32, 64, 128 or K={2})",
                              name, g, k));
  if (k % g != 0)
    return quantError(formatv("tensor '{0}': group size {1} does not divide "
                              "K={2}",
                              name, g, k));
  return Error::success();
}

Error awq::quant::checkFinite(ArrayRef<float> w, int64_t k, StringRef name) {
  for (size_t i = 0; i < w.size(); ++i)
    if (!std::isfinite(w[i]))
      return quantError(formatv("tensor '{0}': non-finite value {1} at row "
                                "{2}, column {3}",
                                name,
                                std::isnan(w[i]) ? "NaN"
                                : w[i] > 0       ? "+Inf"
                                                 : "-Inf",
                                int64_t(i) / k, int64_t(i) % k));
  return Error::success();
}

namespace {
/// Parameters of one group: the scale and zero point, and the clamp range
/// of round(w/s) + z.
struct GroupParams {
  float scale;
  float zero;
};

/// Rounds to f16 in F16 mode; identity in F32 mode. Each elementwise op of
/// a PyTorch f16 tensor is an f32 op followed by this rounding.
template <bool Half> inline float r(float x) {
  if constexpr (Half)
    return roundToHalf(x);
  else
    return x;
}

template <bool Half>
GroupParams groupParams(const float *w, int64_t g, const QuantConfig &c) {
  float maxq = float((1 << c.bits) - 1);
  if (!c.symmetric) {
    float mx = w[0], mn = w[0];
    for (int64_t i = 1; i < g; ++i) {
      mx = std::max(mx, w[i]);
      mn = std::min(mn, w[i]);
    }
    // (max - min).clamp(min=1e-5) / max_int
    float range = std::max(r<Half>(mx - mn), 1e-5f);
    float s = r<Half>(r<Half>(range) / maxq);
    float z = -std::rint(r<Half>(mn / s));
    z = std::min(std::max(z, 0.0f), maxq);
    return {s, z};
  }
  float amax = 0.0f;
  for (int64_t i = 0; i < g; ++i)
    amax = std::max(amax, std::fabs(w[i]));
  // AutoAWQ clamps max|w| at 1e-5 so that an all-zero group gets a finite
  // scale; DESIGN.md's formula is silent on that case.
  amax = r<Half>(std::max(amax, 1e-5f));
  float s = r<Half>(amax / float((1 << (c.bits - 1)) - 1));
  return {s, float(1 << (c.bits - 1))};
}

/// q = clamp(round(w/s) + z, 0, maxq) for one value.
template <bool Half>
inline float quantValue(float w, GroupParams p, float maxq) {
  float q = std::rint(r<Half>(w / p.scale)) + p.zero;
  return std::min(std::max(q, 0.0f), maxq);
}

/// Converts the input to the working precision; F16 mode rounds to f16
/// first (AutoAWQ calls `.half()` before quantizing).
template <bool Half>
void loadGroup(const float *src, int64_t g, float *dst) {
  for (int64_t i = 0; i < g; ++i)
    dst[i] = r<Half>(src[i]);
}

template <bool Half>
void quantizeRow(const float *w, int64_t k, int64_t g, const QuantConfig &c,
                 uint8_t *q, float *scales, uint8_t *zeros) {
  float maxq = float((1 << c.bits) - 1);
  std::vector<float> buf(g);
  for (int64_t j = 0; j < k / g; ++j) {
    loadGroup<Half>(w + j * g, g, buf.data());
    GroupParams p = groupParams<Half>(buf.data(), g, c);
    scales[j] = p.scale;
    zeros[j] = uint8_t(p.zero);
    for (int64_t i = 0; i < g; ++i)
      q[j * g + i] = uint8_t(quantValue<Half>(buf[i], p, maxq));
  }
}

template <bool Half>
void fakeQuantizeRow(float *w, int64_t k, int64_t g, const QuantConfig &c) {
  float maxq = float((1 << c.bits) - 1);
  for (int64_t j = 0; j < k / g; ++j) {
    float *grp = w + j * g;
    loadGroup<Half>(grp, g, grp);
    GroupParams p = groupParams<Half>(grp, g, c);
    for (int64_t i = 0; i < g; ++i)
      grp[i] = r<Half>((quantValue<Half>(grp[i], p, maxq) - p.zero) * p.scale);
  }
}
} // namespace

Expected<QuantizedWeight> awq::quant::quantizeRTN(ArrayRef<float> w,
                                                  int64_t n, int64_t k,
                                                  const QuantConfig &config,
                                                  StringRef name) {
  if (Error err = checkQuantConfig(config, n, k, name))
    return std::move(err);
  if (int64_t(w.size()) != n * k)
    return quantError(formatv("tensor '{0}': has {1} values, expected "
                              "N*K = {2}*{3}",
                              name, w.size(), n, k));
  if (Error err = checkFinite(w, k, name))
    return std::move(err);
  if (config.arith == QuantArith::F16) {
    for (size_t i = 0; i < w.size(); ++i)
      if (std::fabs(w[i]) >= 65520.0f)
        return quantError(formatv("tensor '{0}': value {1} at row {2}, "
                                  "column {3} overflows f16",
                                  name, w[i], int64_t(i) / k,
                                  int64_t(i) % k));
  }
  int64_t g = config.groupFor(k);
  QuantizedWeight qw;
  qw.n = n;
  qw.k = k;
  qw.groupSize = g;
  qw.bits = config.bits;
  qw.symmetric = config.symmetric;
  qw.q.resize(n * k);
  qw.scales.resize(n * (k / g));
  qw.zeros.resize(n * (k / g));
  bool half = config.arith == QuantArith::F16;
  parallelFor(0, n, [&](size_t row) {
    auto fn = half ? quantizeRow<true> : quantizeRow<false>;
    fn(w.data() + row * k, k, g, config, qw.q.data() + row * k,
       qw.scales.data() + row * (k / g), qw.zeros.data() + row * (k / g));
  });
  // A range so large that s overflows would make every q meaningless.
  for (size_t i = 0; i < qw.scales.size(); ++i)
    if (!std::isfinite(qw.scales[i]) || qw.scales[i] <= 0.0f)
      return quantError(formatv("tensor '{0}': row {1}, group {2}: the "
                                "value range gives a non-finite scale",
                                name, int64_t(i) / (k / g),
                                int64_t(i) % (k / g)));
  return std::move(qw);
}

void awq::quant::fakeQuantizeRows(float *w, int64_t rows, int64_t k,
                                  const QuantConfig &config) {
  int64_t g = config.groupFor(k);
  bool half = config.arith == QuantArith::F16;
  auto fn = half ? fakeQuantizeRow<true> : fakeQuantizeRow<false>;
  if (rows * k < (1 << 16)) {
    for (int64_t row = 0; row < rows; ++row)
      fn(w + row * k, k, g, config);
    return;
  }
  parallelFor(0, rows, [&](size_t row) { fn(w + row * k, k, g, config); });
}
