//===- AwqSearchTest.cpp - AWQ scale and clip search tests ----------------===//

#include "quantize/AwqSearch.h"

#include <cmath>
#include <gtest/gtest.h>
#include <random>

using namespace awq::formats;
using namespace awq::quant;
using namespace llvm;

namespace {
/// A synthetic layer: activations with a few outlier channels (large |x|),
/// as observed in LLMs, and Gaussian weights.
struct Layer {
  int64_t t = 256, k = 256, n = 128;
  std::vector<float> x, w;
  std::vector<int> outliers = {3, 77, 130, 200};

  explicit Layer(unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    x.resize(t * k);
    w.resize(n * k);
    for (float &v : x)
      v = nd(rng);
    for (int c : outliers)
      for (int64_t i = 0; i < t; ++i)
        x[i * k + c] *= 40.0f;
    for (float &v : w)
      v = 0.02f * nd(rng);
  }
};
} // namespace

TEST(AwqSearch, BackendsAgree) {
  Layer l(1);
  auto blas = createOpenBlasBackend();
  auto naive = createNaiveBackend();
  std::vector<float> c1(l.t * l.n), c2(l.t * l.n);
  blas->gemmABt(l.t, l.n, l.k, l.x.data(), l.k, l.w.data(), l.k, c1.data(),
                l.n);
  naive->gemmABt(l.t, l.n, l.k, l.x.data(), l.k, l.w.data(), l.k, c2.data(),
                 l.n);
  for (size_t i = 0; i < c1.size(); ++i)
    EXPECT_NEAR(c1[i], c2[i], 1e-4f * (1.0f + std::fabs(c2[i])));
}

TEST(AwqSearch, Statistics) {
  std::vector<float> x = {1, -2, 3, -4, 5, 6}; // [3, 2]
  EXPECT_EQ(activationMeanAbs(x, 3, 2), (std::vector<float>{3.0f, 4.0f}));
  // One row, G = 2: |w| / (max + 1e-6).
  std::vector<float> w = {1, -2, 4, 0};
  LinearWeight lw{"l", 1, w};
  std::vector<float> m = weightMeanNormalized(lw, 4, 2);
  EXPECT_FLOAT_EQ(m[0], 1.0f / (2.0f + 1e-6f));
  EXPECT_FLOAT_EQ(m[1], 2.0f / (2.0f + 1e-6f));
  EXPECT_FLOAT_EQ(m[2], 4.0f / (4.0f + 1e-6f));
  EXPECT_EQ(m[3], 0.0f);
}

TEST(AwqSearch, GridScalesAreNormalised) {
  std::vector<float> xm = {0.5f, 2.0f, 8.0f, 0.0f};
  std::vector<float> wm = {0.3f, 0.5f, 0.2f, 0.4f};
  for (bool duo : {false, true})
    for (float r : {0.0f, 0.35f, 0.95f}) {
      std::vector<float> s = gridScales(xm, wm, r, duo);
      float mx = *std::max_element(s.begin(), s.end());
      float mn = *std::min_element(s.begin(), s.end());
      EXPECT_NEAR(mx * mn, 1.0f, 1e-5f); // s /= sqrt(max·min)
      for (float v : s)
        EXPECT_GT(v, 0.0f);
    }
  // Ratio 0 without duo scaling is exactly plain RTN (s = 1).
  for (float v : gridScales(xm, wm, 0.0f, false))
    EXPECT_EQ(v, 1.0f);
}

TEST(AwqSearch, OutlierChannelsBeatRTN) {
  Layer l(7);
  auto backend = createOpenBlasBackend();
  for (bool duo : {true, false}) {
    ScaleSearchOptions opt;
    opt.quant.groupSize = 128;
    opt.duoScaling = duo;
    LinearWeight lw{"down_proj", l.n, l.w};
    auto r = searchBestScale(l.x, l.t, l.k, lw, opt, *backend);
    ASSERT_TRUE(bool(r)) << toString(r.takeError());
    ASSERT_EQ(r->losses.size(), 20u);
    double best = *std::min_element(r->losses.begin(), r->losses.end());
    EXPECT_EQ(r->losses[r->bestIndex], best);
    EXPECT_GT(r->bestIndex, 0);
    // Protecting the outlier channels must lower the output error clearly.
    EXPECT_LT(best, 0.8 * r->rtnLoss) << "duo=" << duo;
    if (!duo) // Grid point 0 without duo scaling is RTN itself.
      EXPECT_DOUBLE_EQ(r->losses[0], r->rtnLoss);
    // Outlier channels get the largest scales.
    float minOutlier = 1e30f;
    for (int c : l.outliers)
      minOutlier = std::min(minOutlier, r->scales[c]);
    int larger = 0;
    for (int64_t c = 0; c < l.k; ++c)
      larger += r->scales[c] > minOutlier;
    EXPECT_LT(larger, int(l.outliers.size()));
  }
}

TEST(AwqSearch, ConcatenatedGroupAndCustomModule) {
  Layer l(3);
  auto backend = createOpenBlasBackend();
  std::vector<float> w2(l.w.begin(), l.w.begin() + 64 * l.k);
  std::vector<LinearWeight> group = {{"gate_proj", l.n, l.w},
                                     {"up_proj", 64, w2}};
  ScaleSearchOptions opt;
  auto r = searchBestScale(l.x, l.t, l.k, group, opt, *backend);
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  // The same search with an explicit module forward that computes the same
  // concatenation gives the same losses.
  ModuleForward fwd = [&](ArrayRef<const float *> ws, std::vector<float> &out) {
    int64_t total = l.n + 64;
    out.assign(l.t * total, 0.0f);
    backend->gemmABt(l.t, l.n, l.k, l.x.data(), l.k, ws[0], l.k, out.data(),
                     total);
    backend->gemmABt(l.t, 64, l.k, l.x.data(), l.k, ws[1], l.k,
                     out.data() + l.n, total);
  };
  auto r2 = searchBestScale(l.x, l.t, l.k, group, opt, *backend, &fwd);
  ASSERT_TRUE(bool(r2));
  EXPECT_EQ(r->losses, r2->losses);
  EXPECT_EQ(r->bestIndex, r2->bestIndex);
}

TEST(AwqSearch, InputErrors) {
  Layer l(2);
  auto backend = createOpenBlasBackend();
  ScaleSearchOptions opt;
  LinearWeight bad{"o_proj", l.n, ArrayRef<float>(l.w).drop_back(1)};
  std::string e =
      toString(searchBestScale(l.x, l.t, l.k, bad, opt, *backend).takeError());
  EXPECT_NE(e.find("linear 'o_proj'"), std::string::npos) << e;
  l.x[5] = NAN;
  LinearWeight ok{"o_proj", l.n, l.w};
  e = toString(searchBestScale(l.x, l.t, l.k, ok, opt, *backend).takeError());
  EXPECT_NE(e.find("calibration input"), std::string::npos) << e;
  EXPECT_NE(e.find("NaN"), std::string::npos) << e;
}

TEST(AwqSearch, ClipSearchLowersGroupError) {
  Layer l(5);
  // Heavy-tailed weights make clipping worthwhile.
  for (size_t i = 0; i < l.w.size(); i += 97)
    l.w[i] *= 8.0f;
  auto backend = createOpenBlasBackend();
  ClipSearchOptions opt;
  opt.quant.groupSize = 64;
  opt.nSampleTokens = 100; // step = 256 / 100 = 2 -> 128 rows
  auto r = searchBestClip(l.w, l.n, l.k, l.x, l.t, opt, *backend, "down_proj");
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ(r->sampledTokens, 128);
  EXPECT_EQ(r->maxVal.size(), size_t(l.n * 4));
  int clipped = 0;
  for (size_t i = 0; i < r->maxVal.size(); ++i) {
    EXPECT_LE(r->bestStep[i], 9);
    clipped += r->bestStep[i] > 0;
  }
  EXPECT_GT(clipped, 0);

  // The chosen clamp's error is no larger than no clipping's, per group.
  ClipSearchOptions one = opt;
  one.maxShrink = 0.05f; // Only step 0.
  auto r0 = searchBestClip(l.w, l.n, l.k, l.x, l.t, one, *backend, "down_proj");
  ASSERT_TRUE(bool(r0));
  for (size_t i = 0; i < r->minErr.size(); ++i)
    EXPECT_LE(r->minErr[i], r0->minErr[i]);

  std::vector<float> w = l.w;
  applyClip(w, l.n, l.k, 64, r->maxVal);
  for (int64_t o = 0; o < l.n; ++o)
    for (int64_t c = 0; c < l.k; ++c)
      EXPECT_LE(std::fabs(w[o * l.k + c]), r->maxVal[o * 4 + c / 64]);
}

TEST(AwqSearch, ProcessGroupSkipsClipForQK) {
  Layer l(9);
  auto backend = createOpenBlasBackend();
  std::vector<LinearWeight> group = {{"self_attn.q_proj", l.n, l.w},
                                     {"self_attn.v_proj", l.n, l.w}};
  AwqGroupOptions opt;
  opt.clip.nSampleTokens = 64;
  auto r = awqProcessGroup(l.x, l.t, l.k, group, opt, *backend);
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_TRUE(r->clips[0].maxVal.empty());
  EXPECT_FALSE(r->clips[1].maxVal.empty());
  // Weights come back scaled: W'[o, c] = W[o, c] · s[c] for q (unclipped).
  for (int64_t c = 0; c < l.k; ++c)
    EXPECT_EQ(r->weights[0][c], l.w[c] * r->scale.scales[c]);
  EXPECT_TRUE(skipClipFor("model.layers.0.self_attn.k_proj"));
  EXPECT_FALSE(skipClipFor("model.layers.0.mlp.down_proj"));
}

/// One output channel, one group of 32: an outlier in channel 0, the rest
/// small. Sample tokens never use channel 0, so clipping the outlier only
/// sharpens the others' grid; validation tokens either use it heavily
/// (the clip must be dropped) or do not (it must be kept).
TEST(AwqSearch, ValidateClipDropsClipsOtherTokensReject) {
  const int64_t k = 32, t = 64;
  std::vector<float> w(k);
  for (int64_t c = 0; c < k; ++c)
    w[c] = c == 0 ? 1.0f : 0.02f * float((c % 7) - 3);
  auto tokens = [&](float channel0) {
    std::vector<float> x(t * k);
    for (int64_t i = 0; i < t; ++i)
      for (int64_t c = 0; c < k; ++c)
        x[i * k + c] = c == 0 ? channel0 : float(((i + c) % 5) - 2);
    return x;
  };
  auto backend = createOpenBlasBackend();
  ClipSearchOptions opt;
  opt.quant.groupSize = k;
  opt.quant.bits = 3;
  opt.nSampleTokens = t;
  std::vector<float> sample = tokens(0.0f);
  auto chosen = searchBestClip(w, 1, k, sample, t, opt, *backend, "down_proj");
  ASSERT_TRUE(bool(chosen)) << toString(chosen.takeError());
  ASSERT_GT(chosen->bestStep[0], 0) << "the sample should favour clipping";

  ClipSearchResult kept = *chosen;
  EXPECT_EQ(validateClip(kept, w, 1, k, sample, t, opt, *backend), 0);
  EXPECT_EQ(kept.maxVal[0], chosen->maxVal[0]);

  ClipSearchResult dropped = *chosen;
  std::vector<float> heavy = tokens(8.0f);
  EXPECT_EQ(validateClip(dropped, w, 1, k, heavy, t, opt, *backend), 1);
  EXPECT_EQ(dropped.bestStep[0], 0);
  EXPECT_EQ(dropped.maxVal[0], 1.0f);
}
