//===- OracleDriver.cpp - dump quantizer inputs/outputs for the oracle ----===//
//
// Writes the inputs and this library's results for a fixed set of cases to
// safetensors files in OUTDIR; test/oracle/awq_oracle.py recomputes every
// result independently with NumPy and compares. Case parameters go in the
// `__metadata__` of each file as JSON.
//
//   awq-quantize-oracle-driver OUTDIR
//
//===----------------------------------------------------------------------===//

#include "formats/AutoAwq.h"
#include "formats/Half.h"
#include "formats/SafeTensors.h"
#include "quantize/AwqSearch.h"
#include "quantize/Quantize.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <random>

using namespace awq::formats;
using namespace awq::quant;
using namespace llvm;

namespace {
std::vector<float> gaussian(int64_t count, unsigned seed, float sigma) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, sigma);
  std::vector<float> v(count);
  for (float &x : v)
    x = nd(rng);
  return v;
}

template <typename T>
ArrayRef<uint8_t> asBytes(const std::vector<T> &v) {
  return ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(v.data()),
                           v.size() * sizeof(T));
}

Error rtnCases(StringRef dir) {
  SafeTensorsWriter w;
  json::Array cases;
  struct Case {
    std::string name;
    int64_t n, k, g;
    int bits;
    bool sym;
    QuantArith arith;
    std::vector<float> w;
  };
  std::vector<Case> list;
  int seed = 100;
  for (QuantArith arith : {QuantArith::F32, QuantArith::F16})
    for (bool sym : {false, true})
      for (int bits : {3, 4, 8})
        for (int64_t g : {32, 64, 128, 0}) {
          std::string name = formatv("r_{0}_{1}_b{2}_g{3}",
                                     arith == QuantArith::F16 ? "f16" : "f32",
                                     sym ? "sym" : "asym", bits, g);
          list.push_back({name, 16, 256, g, bits, sym, arith,
                          gaussian(16 * 256, seed++, 0.05f)});
        }
  // Edge cases: constant, zero, positive-only, ties, tiny K per-channel,
  // and values at the extremes of the f16 range.
  {
    std::vector<float> e(8 * 128, 0.0f);
    for (int i = 0; i < 32; ++i)
      e[32 + i] = 0.75f;        // constant positive group
    for (int i = 0; i < 32; ++i)
      e[64 + i] = -2.0f;        // constant negative group
    for (int i = 0; i < 32; ++i)
      e[96 + i] = float(i) * 0.5f; // ties at .5 after scaling
    std::vector<float> rnd = gaussian(7 * 128, 7, 1.0f);
    for (int i = 0; i < 7 * 128; ++i)
      e[128 + i] = rnd[i] > 0 ? rnd[i] * 1000.0f : rnd[i] * 1e-3f;
    for (QuantArith arith : {QuantArith::F32, QuantArith::F16})
      for (bool sym : {false, true})
        list.push_back({formatv("edge_{0}_{1}",
                                arith == QuantArith::F16 ? "f16" : "f32",
                                sym ? "sym" : "asym"),
                        8, 128, 32, 4, sym, arith, e});
    std::vector<float> tiny = {0.1f, -0.2f, 0.3f, 0.05f, 1.0f, 2.0f,
                               -1.0f, 0.0f, 5.0f, 5.0f, 5.0f,  5.0f};
    list.push_back({"tiny_k4", 3, 4, 0, 4, false, QuantArith::F32, tiny});
    list.push_back({"tiny_k4_f16", 3, 4, 0, 4, false, QuantArith::F16, tiny});
  }

  for (Case &c : list) {
    QuantConfig cfg;
    cfg.bits = c.bits;
    cfg.groupSize = c.g;
    cfg.symmetric = c.sym;
    cfg.arith = c.arith;
    auto qw = quantizeRTN(c.w, c.n, c.k, cfg, c.name);
    if (!qw)
      return qw.takeError();
    int64_t groups = qw->numGroups();
    if (Error e = w.addF32(c.name + ".w", {c.n, c.k}, c.w))
      return e;
    if (Error e = w.add(c.name + ".q", DType::U8, {c.n, c.k}, qw->q))
      return e;
    if (Error e = w.addF32(c.name + ".scales", {c.n, groups}, qw->scales))
      return e;
    if (Error e = w.add(c.name + ".zeros", DType::U8, {c.n, groups}, qw->zeros))
      return e;
    std::vector<float> deq = dequantize(*qw);
    if (Error e = w.addF32(c.name + ".deq", {c.n, c.k}, deq))
      return e;
    std::vector<float> fq = c.w;
    fakeQuantizeRows(fq.data(), c.n, c.k, cfg);
    if (Error e = w.addF32(c.name + ".fake", {c.n, c.k}, fq))
      return e;
    bool packed = false;
    if (c.bits == 4 && !c.sym && c.arith == QuantArith::F16 && c.n % 8 == 0) {
      auto p = packAwqGemm(*qw, c.name);
      if (!p)
        return p.takeError();
      if (Error e = w.addI32(c.name + ".qweight", {c.k, c.n / 8}, p->qweight))
        return e;
      if (Error e = w.addI32(c.name + ".qzeros", {groups, c.n / 8}, p->qzeros))
        return e;
      if (Error e = w.addF16Bits(c.name + ".scales_f16", {groups, c.n},
                                 p->scales))
        return e;
      packed = true;
    }
    cases.push_back(json::Object{{"name", c.name},
                                 {"n", c.n},
                                 {"k", c.k},
                                 {"group", c.g},
                                 {"bits", c.bits},
                                 {"sym", c.sym},
                                 {"arith", c.arith == QuantArith::F16 ? "f16"
                                                                      : "f32"},
                                 {"packed", packed}});
  }
  std::string meta;
  raw_string_ostream(meta) << json::Value(std::move(cases));
  w.setMetadata("cases", meta);
  SmallString<128> p(dir);
  sys::path::append(p, "rtn.safetensors");
  return w.write(p);
}

/// Activations with outlier channels, as in the gtest.
void outlierLayer(int64_t t, int64_t k, int64_t n, unsigned seed,
                  std::vector<float> &x, std::vector<float> &w) {
  x = gaussian(t * k, seed, 1.0f);
  w = gaussian(n * k, seed + 1, 0.02f);
  std::mt19937 rng(seed + 2);
  for (int i = 0; i < 6; ++i) {
    int64_t c = rng() % k;
    for (int64_t r = 0; r < t; ++r)
      x[r * k + c] *= 30.0f;
  }
}

Error searchCases(StringRef dir, MatmulBackend &backend) {
  SafeTensorsWriter w;
  json::Array cases;
  struct Case {
    std::string name;
    int64_t t, k, g;
    std::vector<int64_t> ns;
    bool duo;
  };
  std::vector<Case> list = {
      {"s_duo_g128", 200, 256, 128, {96}, true},
      {"s_noduo_g128", 200, 256, 128, {96}, false},
      {"s_group_g64", 160, 128, 64, {64, 32, 32}, true},
      {"s_perchan", 64, 64, 0, {40}, true},
  };
  unsigned seed = 500;
  for (Case &c : list) {
    std::vector<float> x, wall;
    int64_t total = 0;
    for (int64_t n : c.ns)
      total += n;
    outlierLayer(c.t, c.k, total, seed++, x, wall);
    std::vector<LinearWeight> linears;
    int64_t row = 0;
    for (size_t i = 0; i < c.ns.size(); ++i) {
      linears.push_back({formatv("lin{0}", i).str(), c.ns[i],
                         ArrayRef<float>(wall).slice(row * c.k, c.ns[i] * c.k)});
      row += c.ns[i];
    }
    ScaleSearchOptions opt;
    opt.quant.groupSize = c.g;
    opt.duoScaling = c.duo;
    auto r = searchBestScale(x, c.t, c.k, linears, opt, backend);
    if (!r)
      return r.takeError();
    std::vector<double> losses = r->losses;
    losses.push_back(r->rtnLoss);
    if (Error e = w.addF32(c.name + ".x", {c.t, c.k}, x))
      return e;
    if (Error e = w.addF32(c.name + ".w", {total, c.k}, wall))
      return e;
    if (Error e = w.addF32(c.name + ".scales", {c.k}, r->scales))
      return e;
    if (Error e = w.addF32(c.name + ".x_mean", {c.k}, r->xMean))
      return e;
    if (Error e = w.addF32(c.name + ".w_mean", {c.k}, r->wMean))
      return e;
    if (Error e = w.add(c.name + ".losses", DType::F64,
                        {int64_t(losses.size())}, asBytes(losses)))
      return e;
    json::Array ns;
    for (int64_t n : c.ns)
      ns.push_back(n);
    cases.push_back(json::Object{{"name", c.name},
                                 {"t", c.t},
                                 {"k", c.k},
                                 {"group", c.g},
                                 {"ns", std::move(ns)},
                                 {"duo", c.duo},
                                 {"best", r->bestIndex}});
  }

  // Clip search cases.
  struct ClipCase {
    std::string name;
    int64_t t, k, n, g, nSample;
  };
  std::vector<ClipCase> clips = {{"c_g64", 300, 128, 32, 64, 128},
                                 {"c_g32_all", 100, 64, 16, 32, 512}};
  for (ClipCase &c : clips) {
    std::vector<float> x, wt;
    outlierLayer(c.t, c.k, c.n, seed++, x, wt);
    for (size_t i = 0; i < wt.size(); i += 13)
      wt[i] *= 6.0f; // heavy tails
    ClipSearchOptions opt;
    opt.quant.groupSize = c.g;
    opt.nSampleTokens = c.nSample;
    auto r = searchBestClip(wt, c.n, c.k, x, c.t, opt, backend, c.name);
    if (!r)
      return r.takeError();
    if (Error e = w.addF32(c.name + ".x", {c.t, c.k}, x))
      return e;
    if (Error e = w.addF32(c.name + ".w", {c.n, c.k}, wt))
      return e;
    if (Error e = w.addF32(c.name + ".max_val", {c.n, r->groups}, r->maxVal))
      return e;
    if (Error e = w.add(c.name + ".best_step", DType::U8, {c.n, r->groups},
                        r->bestStep))
      return e;
    if (Error e = w.addF32(c.name + ".min_err", {c.n, r->groups}, r->minErr))
      return e;
    cases.push_back(json::Object{{"name", c.name},
                                 {"clip", true},
                                 {"t", c.t},
                                 {"k", c.k},
                                 {"n", c.n},
                                 {"group", c.g},
                                 {"n_sample", c.nSample}});
  }
  std::string meta;
  raw_string_ostream(meta) << json::Value(std::move(cases));
  w.setMetadata("cases", meta);
  SmallString<128> p(dir);
  sys::path::append(p, "search.safetensors");
  return w.write(p);
}
} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    errs() << "usage: " << argv[0] << " OUTDIR\n";
    return 2;
  }
  StringRef dir = argv[1];
  if (std::error_code ec = sys::fs::create_directories(dir)) {
    WithColor::error() << "cannot create '" << dir << "': " << ec.message()
                       << "\n";
    return 1;
  }
  auto backend = createOpenBlasBackend();
  if (Error e = rtnCases(dir)) {
    WithColor::error() << toString(std::move(e)) << "\n";
    return 1;
  }
  if (Error e = searchCases(dir, *backend)) {
    WithColor::error() << toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
