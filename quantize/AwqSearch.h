//===- AwqSearch.h - AWQ scale and clip search ------------------*- C++ -*-===//
//
// The AWQ algorithm of DESIGN.md ("The AWQ algorithm"), as AutoAWQ's
// AwqQuantizer computes it: per-channel activation statistics, the 20-point
// grid search for channel scales (with and without duo scaling), and the
// clip search. All arithmetic is f32 (the reference runs in the model
// dtype; see docs/quantize.md for why f32 here), losses are accumulated in
// f64. Matrix products go through MatmulBackend so that a GPU backend can
// replace the multi-threaded OpenBLAS one.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_QUANTIZE_AWQSEARCH_H
#define AWQ_QUANTIZE_AWQSEARCH_H

#include "quantize/Quantize.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace awq::quant {

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

/// Row-major f32 matrix products. The only operation the searches need is
/// C = A · Bᵀ (activations times a weight in nn.Linear layout).
class MatmulBackend {
public:
  virtual ~MatmulBackend();
  virtual llvm::StringRef name() const = 0;
  /// C[m, n] = A[m, k] · B[n, k]ᵀ with leading dimensions lda, ldb, ldc.
  virtual void gemmABt(int64_t m, int64_t n, int64_t k, const float *a,
                       int64_t lda, const float *b, int64_t ldb, float *c,
                       int64_t ldc) = 0;
};

/// OpenBLAS sgemm (multi-threaded by OpenBLAS itself).
std::unique_ptr<MatmulBackend> createOpenBlasBackend();
/// Straightforward loops with f64 accumulation; a reference for tests.
std::unique_ptr<MatmulBackend> createNaiveBackend();

//===----------------------------------------------------------------------===//
// Statistics
//===----------------------------------------------------------------------===//

/// x_mean[c] = mean over the t rows of |x[:, c]| (f64 sum, f32 result).
std::vector<float> activationMeanAbs(llvm::ArrayRef<float> x, int64_t t,
                                     int64_t k);

/// A linear's weight W[n, k] (nn.Linear layout), not owned.
struct LinearWeight {
  std::string name;
  int64_t n = 0;
  llvm::ArrayRef<float> w;
};

/// w_mean[c]: |W| divided by (max |W| of its group of G + 1e-6), averaged
/// over the rows of all linears (AutoAWQ's _search_best_scale step 1).
std::vector<float> weightMeanNormalized(llvm::ArrayRef<LinearWeight> linears,
                                        int64_t k, int64_t groupSize);

//===----------------------------------------------------------------------===//
// Scale search
//===----------------------------------------------------------------------===//

/// The inspected module: given candidate weights (one [n_i, k] array per
/// linear, in order), writes the module output for the calibration input.
/// The default concatenates the linears' outputs X · Wᵢᵀ, which is the
/// inspected module for single linears (o, down) and a stand-in for
/// attention/MLP blocks when no block forward is supplied.
using ModuleForward =
    std::function<void(llvm::ArrayRef<const float *> weights,
                       std::vector<float> &out)>;

struct ScaleSearchOptions {
  QuantConfig quant;
  bool duoScaling = true;
  int nGrid = 20;
  /// x_mean measured on more tokens than the loss uses (calibration with
  /// a token subset for the loss); empty: computed from x.
  std::vector<float> xMean;
};

struct ScaleSearchResult {
  std::vector<float> scales; ///< best s[k]
  int bestIndex = -1;        ///< grid index i (ratio = i / nGrid)
  float bestRatio = 0;
  std::vector<double> losses; ///< loss per grid point
  double rtnLoss = 0;         ///< loss with s = 1 (plain RTN), for reference
  std::vector<float> xMean, wMean;
};

/// The scale s for grid ratio `ratio` (before the search's quantization),
/// exactly as the search computes it.
std::vector<float> gridScales(llvm::ArrayRef<float> xMean,
                              llvm::ArrayRef<float> wMean, float ratio,
                              bool duoScaling);

/// Searches the channel scale for a group of linears sharing the input x[t,
/// k]. Errors on shape mismatches and non-finite inputs.
llvm::Expected<ScaleSearchResult>
searchBestScale(llvm::ArrayRef<float> x, int64_t t, int64_t k,
                llvm::ArrayRef<LinearWeight> linears,
                const ScaleSearchOptions &options, MatmulBackend &backend,
                const ModuleForward *module = nullptr);

//===----------------------------------------------------------------------===//
// Clip search
//===----------------------------------------------------------------------===//

struct ClipSearchOptions {
  QuantConfig quant;
  int nGrid = 20;
  float maxShrink = 0.5f;
  int64_t nSampleTokens = 512;
};

struct ClipSearchResult {
  int64_t n = 0, groups = 0;
  std::vector<float> maxVal;      ///< [n, K/G] best clamp
  std::vector<uint8_t> bestStep;  ///< [n, K/G] chosen i
  std::vector<float> minErr;      ///< [n, K/G] its error
  int64_t sampledTokens = 0;
};

/// Token rows the clip search uses: 0, step, 2·step, ... with step =
/// max(1, t / nSampleTokens) (AutoAWQ's input_feat[:, ::step]).
std::vector<int64_t> clipSampleRows(int64_t t, int64_t nSampleTokens);

llvm::Expected<ClipSearchResult>
searchBestClip(llvm::ArrayRef<float> w, int64_t n, int64_t k,
               llvm::ArrayRef<float> x, int64_t t,
               const ClipSearchOptions &options, MatmulBackend &backend,
               llvm::StringRef name = "weight");

/// Keeps each (channel, group)'s clip only where it also lowers the group's
/// output error on other tokens xv[tv, k] than those it was chosen on;
/// elsewhere the group keeps its full range (a guard against choosing on
/// 512 tokens; docs/quality.md measures it). Returns the clips dropped.
int64_t validateClip(ClipSearchResult &clip, llvm::ArrayRef<float> w,
                     int64_t n, int64_t k, llvm::ArrayRef<float> xv,
                     int64_t tv, const ClipSearchOptions &options,
                     MatmulBackend &backend);

/// w[o, c] = clamp(w, -maxVal[o, c/G], maxVal[o, c/G]).
void applyClip(llvm::MutableArrayRef<float> w, int64_t n, int64_t k,
               int64_t groupSize, llvm::ArrayRef<float> maxVal);

//===----------------------------------------------------------------------===//
// One scaling group end to end
//===----------------------------------------------------------------------===//

struct AwqGroupOptions {
  ScaleSearchOptions scale;
  ClipSearchOptions clip;
  bool applyClip = true;
};

struct AwqGroupResult {
  ScaleSearchResult scale;
  /// Per linear: the clip result (empty maxVal where clipping is skipped).
  std::vector<ClipSearchResult> clips;
  /// Per linear: W · diag(s), clipped: the weight to quantize. The
  /// producer of x must be divided by `scale.scales` (folded by the passes).
  std::vector<std::vector<float>> weights;
};

/// True for linears AutoAWQ never clips (q/k: the q·kᵀ product amplifies
/// clipping error).
bool skipClipFor(llvm::StringRef linearName);

/// Scale search, applies s to the weights and x, then clip search on each
/// linear that `skipClipFor` allows.
llvm::Expected<AwqGroupResult>
awqProcessGroup(llvm::ArrayRef<float> x, int64_t t, int64_t k,
                llvm::ArrayRef<LinearWeight> linears,
                const AwqGroupOptions &options, MatmulBackend &backend,
                const ModuleForward *module = nullptr);

} // namespace awq::quant

#endif // AWQ_QUANTIZE_AWQSEARCH_H
