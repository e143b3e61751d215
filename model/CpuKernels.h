//===- CpuKernels.h - f32 CPU math of the model IR's ops ---------*- C++
//-*-===//
//
// The arithmetic behind each op the executor runs (Executor.cpp maps ops to
// these), on row-major f32 matrices. Matrix products go to OpenBLAS sgemm
// (multi-threaded); the rest are plain loops. Semantics are the ops'
// (dialects/Awq/AwqOps.td), computed as transformers computes them in fp32.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_CPUKERNELS_H
#define AWQ_MODEL_CPUKERNELS_H

#include "model/Matrix.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>

#include <optional>

namespace awq::model::cpu {

/// y = x · wᵀ (+ bias): x [T, K], w [N, K] -> y [T, N].
Matrix linear(const Matrix &x, const Matrix &w, const Matrix *bias);
/// The same with w given as `n` rows of x.cols values.
Matrix linear(const Matrix &x, const float *w, int64_t n, const Matrix *bias);
/// x / sqrt(mean(x²) + eps) * w, per row.
Matrix rmsNorm(const Matrix &x, const Matrix &w, float eps);
/// silu(gate) * up.
Matrix swiglu(const Matrix &gate, const Matrix &up);
/// a + b.
Matrix add(const Matrix &a, const Matrix &b);
/// x[t, k] / scale[k].
Matrix divideColumns(const Matrix &x, const Matrix &scale);

/// Rotary frequencies of one awq.rope op.
struct RopeFrequencies {
  int64_t headDim = 0;
  std::vector<float> invFreq; ///< headDim / 2 values
};
struct RopeScalingParams {
  std::string kind; ///< "linear" or "llama3"
  double factor = 1, lowFreqFactor = 1, highFreqFactor = 4;
  int64_t originalMaxPosition = 8192;
};
RopeFrequencies
ropeFrequencies(int64_t headDim, double theta,
                const std::optional<RopeScalingParams> &scaling);
/// Rotates each head of each row by positions[t] (rotate_half pairing).
Matrix rope(const Matrix &x, llvm::ArrayRef<int64_t> positions,
            const RopeFrequencies &freq);

/// Keys and values of one attention op's earlier rows in the sequence.
struct KvCache {
  Matrix keys, values; ///< [rows so far, kvHeads * headDim]
};
struct AttentionShape {
  int64_t heads, kvHeads, headDim;
  float scale;
};
/// Appends k, v to `cache`, then causal attention of q over all cached rows.
Matrix attention(const Matrix &q, const Matrix &k, const Matrix &v,
                 KvCache &cache, const AttentionShape &shape);

} // namespace awq::model::cpu

#endif // AWQ_MODEL_CPUKERNELS_H
