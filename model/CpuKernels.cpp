//===- CpuKernels.cpp - f32 CPU math of the model IR's ops ----------------===//

#include "model/CpuKernels.h"

#include <cblas.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace awq::model;
using namespace awq::model::cpu;

Matrix cpu::linear(const Matrix &x, const Matrix &w, const Matrix *bias) {
  assert(x.cols == w.cols && "linear: K mismatch");
  return linear(x, w.data.data(), w.rows, bias);
}

Matrix cpu::linear(const Matrix &x, const float *w, int64_t n,
                   const Matrix *bias) {
  Matrix y(x.rows, n);
  if (bias)
    for (int64_t t = 0; t < y.rows; ++t)
      std::copy(bias->data.begin(), bias->data.end(), y.row(t));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, x.rows, n, x.cols, 1.0f,
              x.data.data(), x.cols, w, x.cols, bias ? 1.0f : 0.0f,
              y.data.data(), y.cols);
  return y;
}

Matrix cpu::rmsNorm(const Matrix &x, const Matrix &w, float eps) {
  Matrix y(x.rows, x.cols);
  for (int64_t t = 0; t < x.rows; ++t) {
    const float *in = x.row(t);
    double sumSquares = 0;
    for (int64_t k = 0; k < x.cols; ++k)
      sumSquares += double(in[k]) * in[k];
    float inv = 1.0f / std::sqrt(float(sumSquares / x.cols) + eps);
    float *out = y.row(t);
    for (int64_t k = 0; k < x.cols; ++k)
      out[k] = w.data[k] * (in[k] * inv);
  }
  return y;
}

Matrix cpu::swiglu(const Matrix &gate, const Matrix &up) {
  Matrix y(gate.rows, gate.cols);
  for (size_t i = 0; i < y.data.size(); ++i) {
    float g = gate.data[i];
    y.data[i] = g / (1.0f + std::exp(-g)) * up.data[i];
  }
  return y;
}

Matrix cpu::add(const Matrix &a, const Matrix &b) {
  Matrix y(a.rows, a.cols);
  for (size_t i = 0; i < y.data.size(); ++i)
    y.data[i] = a.data[i] + b.data[i];
  return y;
}

Matrix cpu::divideColumns(const Matrix &x, const Matrix &scale) {
  Matrix y(x.rows, x.cols);
  for (int64_t t = 0; t < x.rows; ++t)
    for (int64_t k = 0; k < x.cols; ++k)
      y.row(t)[k] = x.row(t)[k] / scale.data[k];
  return y;
}

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// Llama 3.1's rule (see awq.rope): keep short wavelengths, stretch long
/// ones by `factor`, interpolate the band between.
static double llama3Scaled(double invFreq, const RopeScalingParams &s) {
  double wavelength = 2 * M_PI / invFreq;
  double lowWavelength = s.originalMaxPosition / s.lowFreqFactor;
  double highWavelength = s.originalMaxPosition / s.highFreqFactor;
  if (wavelength < highWavelength)
    return invFreq;
  if (wavelength > lowWavelength)
    return invFreq / s.factor;
  double smooth = (s.originalMaxPosition / wavelength - s.lowFreqFactor) /
                  (s.highFreqFactor - s.lowFreqFactor);
  return (1 - smooth) * invFreq / s.factor + smooth * invFreq;
}

RopeFrequencies
cpu::ropeFrequencies(int64_t headDim, double theta,
                     const std::optional<RopeScalingParams> &scaling) {
  RopeFrequencies f;
  f.headDim = headDim;
  for (int64_t j = 0; j < headDim / 2; ++j) {
    // transformers computes theta^(2j/d) in f32; rounding the exponent and
    // the result to f32 reproduces its frequencies.
    float exponent = float(2 * j) / float(headDim);
    double inv = 1.0 / double(std::pow(float(theta), exponent));
    if (scaling && scaling->kind == "linear")
      inv /= scaling->factor;
    else if (scaling && scaling->kind == "llama3")
      inv = llama3Scaled(inv, *scaling);
    f.invFreq.push_back(float(inv));
  }
  return f;
}

Matrix cpu::rope(const Matrix &x, llvm::ArrayRef<int64_t> positions,
                 const RopeFrequencies &freq) {
  Matrix y = x;
  int64_t half = freq.headDim / 2;
  std::vector<float> cosines(half), sines(half);
  for (int64_t t = 0; t < x.rows; ++t) {
    for (int64_t j = 0; j < half; ++j) {
      float angle = float(positions[t]) * freq.invFreq[j];
      cosines[j] = std::cos(angle);
      sines[j] = std::sin(angle);
    }
    float *out = y.row(t);
    const float *in = x.row(t);
    for (int64_t head = 0; head < x.cols / freq.headDim; ++head) {
      const float *a = in + head * freq.headDim, *b = a + half;
      float *oa = out + head * freq.headDim, *ob = oa + half;
      for (int64_t j = 0; j < half; ++j) {
        oa[j] = a[j] * cosines[j] - b[j] * sines[j];
        ob[j] = b[j] * cosines[j] + a[j] * sines[j];
      }
    }
  }
  return y;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Softmax of row t over its first `visible` scores; the rest become 0.
static void causalSoftmax(float *scores, int64_t visible, int64_t total) {
  float maxScore = -std::numeric_limits<float>::infinity();
  for (int64_t s = 0; s < visible; ++s)
    maxScore = std::max(maxScore, scores[s]);
  double sum = 0;
  for (int64_t s = 0; s < visible; ++s) {
    scores[s] = std::exp(scores[s] - maxScore);
    sum += scores[s];
  }
  float inv = float(1.0 / sum);
  for (int64_t s = 0; s < visible; ++s)
    scores[s] *= inv;
  std::fill(scores + visible, scores + total, 0.0f);
}

Matrix cpu::attention(const Matrix &q, const Matrix &k, const Matrix &v,
                      KvCache &cache, const AttentionShape &shape) {
  int64_t past = cache.keys.rows;
  cache.keys.appendRows(k);
  cache.values.appendRows(v);
  int64_t rows = q.rows, total = cache.keys.rows, d = shape.headDim;
  int64_t group = shape.heads / shape.kvHeads;
  int64_t qStride = q.cols, kvStride = cache.keys.cols;
  Matrix out(rows, q.cols);
  std::vector<float> scores(size_t(rows) * total);
  for (int64_t h = 0; h < shape.heads; ++h) {
    int64_t kvOffset = (h / group) * d;
    // scores = scale * Q_h · K_gᵀ: [rows, total].
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, total, d,
                shape.scale, q.data.data() + h * d, qStride,
                cache.keys.data.data() + kvOffset, kvStride, 0.0f,
                scores.data(), total);
    for (int64_t t = 0; t < rows; ++t)
      causalSoftmax(scores.data() + t * total, past + t + 1, total);
    // out_h = P · V_g.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, total, 1.0f,
                scores.data(), total, cache.values.data.data() + kvOffset,
                kvStride, 0.0f, out.data.data() + h * d, qStride);
  }
  return out;
}
