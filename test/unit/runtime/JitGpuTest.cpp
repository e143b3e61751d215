//===- JitGpuTest.cpp - the in-process JIT on a real GPU ------------------===//
//
// awq-jit-gpu-tests: awq_jit_linear compiles shapes that no artifact has
// (f16 with GEMV and GEMM variants; bf16 symmetric with bias), the layers
// compute y = x * W^T (+ bias) within the tolerances of awq-gpu-tests against
// the f64 reference at several M, a first compile takes < 1 s and a cache hit
// < 20 us (printed), 8 racing threads compile a shape once, a second context
// (as a new process would) finds the cubin on disk, AutoAWQ GEMM weights
// repacked with awq_repack_autoawq give the same results, and a shape the
// code generator rejects is reported and not cached.
//
// Unless AWQ_JIT_TEST_KEEP_ENV=1, main() sets CUDA_CACHE_DISABLE=1 (before the
// driver loads: its own JIT cache would hide PTX -> SASS) and points
// AWQ_CACHE_DIR at a fresh temporary directory, so "first" means first.
// Skips (exit 77) without a driver or device. AWQ_GPU_TEST_SEED replays.
//
//===----------------------------------------------------------------------===//

#include "formats/AutoAwq.h"
#include "runtime/awq_runtime.h"
#include "runtime/jit/JitCompiler.h"
#include "runtime/jit/awq_jit.h"
#include "test/unit/runtime/GpuTestUtil.h"
#include "test/unit/runtime/JitTestUtil.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <future>
#include <thread>

using namespace awq;
using namespace awq::formats;
using namespace awq::testutil;

namespace {

struct Environment {
  std::string skipReason, setupError;
  awq_context ctx = nullptr;
  uint64_t seed = 0;
};
Environment env;

#define ASSERT_JIT(call)                                                       \
  do {                                                                         \
    awq_status status_ = (call);                                               \
    ASSERT_EQ(status_, AWQ_SUCCESS)                                            \
        << #call << ": " << awq_status_name(status_) << ": "                   \
        << awq_jit_last_error_message();                                       \
  } while (0)

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

awq_jit_stats stats() {
  awq_jit_stats s{};
  awq_jit_get_stats(&s);
  return s;
}

/// Weights in the kernel layout on the device, x, bias and a poisoned y.
struct JitLayerData : LayerBuffers {
  awq_layer layer = nullptr;
  awq_layer_info info{};
  DType dtype = DType::F16;
  QuantizedWeight weights;
  std::vector<uint16_t> x, bias;
  static constexpr size_t kGuard = 4096;

  /// Random weights; `packed` (if given) replaces the kernel-layout tensors
  /// (the AutoAWQ path), which must encode `canonical`.
  std::string setUp(awq_layer l, int64_t maxM, std::mt19937_64 &rng,
                    const QuantizedWeight *canonical = nullptr,
                    const KernelWeights *packed = nullptr) {
    layer = l;
    if (awq_layer_get_info(l, &info) != AWQ_SUCCESS)
      return awq_last_error_message();
    dtype = info.dtype == AWQ_DTYPE_BF16 ? DType::BF16 : DType::F16;
    weights = canonical ? *canonical
                        : randomWeights(rng, info.n, info.k, info.group_size,
                                        info.has_zeros, dtype);
    KernelWeights own;
    if (!packed) {
      llvm::Expected<KernelWeights> p = packKernelLayout(weights, dtype);
      if (!p)
        return llvm::toString(p.takeError());
      own = std::move(*p);
      packed = &own;
    }
    x = randomActivations(rng, static_cast<size_t>(maxM * info.k), dtype);
    if (info.has_bias)
      bias = randomActivations(rng, static_cast<size_t>(info.n), dtype);
    return upload(*packed, x, bias,
                  static_cast<size_t>(maxM * info.n) + kGuard);
  }

  /// Poisons y, launches for m rows, synchronises, compares with the f64
  /// reference (all rows up to 256, else first, last and 62 random ones).
  void run(int64_t m, std::mt19937_64 &rng, const std::string &what) {
    ASSERT_EQ(check(driver()->cuMemsetD8Async(dY.ptr, 0xff, dY.bytes, nullptr),
                    "cuMemsetD8Async"),
              "");
    ASSERT_AWQ(awq_linear_launch(layer, m, dX.ptr, dQweight.ptr, dScales.ptr,
                                 dZeros.ptr, dBias.ptr, dY.ptr, nullptr));
    ASSERT_EQ(check(driver()->cuCtxSynchronize(), "cuCtxSynchronize"), "");
    verify(m, rng, what);
  }

  /// Compares the y of a finished launch for m rows with the reference.
  void verify(int64_t m, std::mt19937_64 &rng, const std::string &what) {
    size_t count = static_cast<size_t>(m * info.n);
    std::vector<uint16_t> y(dY.bytes / 2);
    ASSERT_EQ(dY.download(y.data(), y.size() * 2), "");
    for (size_t i = count; i < y.size(); ++i)
      ASSERT_EQ(y[i], 0xffff) << what << " M=" << m << ": element " << i
                              << " past y[M,N] was written";
    for (size_t i = 0; i < count; ++i)
      ASSERT_TRUE(std::isfinite(decodeHalf(y[i], dtype)))
          << what << " M=" << m << ": y[" << i / info.n << "," << i % info.n
          << "] is NaN/Inf (unwritten?)";
    std::vector<int64_t> rows;
    if (m <= 256) {
      for (int64_t r = 0; r < m; ++r)
        rows.push_back(r);
    } else {
      rows = {0, m - 1};
      std::uniform_int_distribution<int64_t> pick(1, m - 2);
      while (rows.size() < 64)
        rows.push_back(pick(rng));
      std::sort(rows.begin(), rows.end());
      rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    }
    std::vector<double> ref(rows.size() * info.n);
    referenceLinear(rows, x.data(), dtype, weights,
                    info.has_bias ? bias.data() : nullptr, ref.data());
    double errSq = 0, refSq = 0, worstRow = 0;
    for (size_t r = 0; r < rows.size(); ++r) {
      double rowErr = 0, rowRef = 0;
      for (int64_t c = 0; c < info.n; ++c) {
        double got = decodeHalf(y[rows[r] * info.n + c], dtype);
        double want = ref[r * info.n + c];
        rowErr += (got - want) * (got - want);
        rowRef += want * want;
      }
      errSq += rowErr;
      refSq += rowRef;
      worstRow = std::max(worstRow, std::sqrt(rowErr / std::max(rowRef, 1e-30)));
    }
    double rel = std::sqrt(errSq / std::max(refSq, 1e-30));
    double tol = tolerance(info.dtype);
    std::printf("  %-36s M=%-5lld rel_err=%.3e worst_row=%.3e (tol %.0e)\n",
                what.c_str(), static_cast<long long>(m), rel, worstRow, tol);
    EXPECT_LT(rel, tol) << what << " M=" << m;
    EXPECT_LT(worstRow, 4 * tol) << what << " M=" << m;
  }
};

/// The first compile of a fresh `spec` (whole, or for `firstRows` > 0 the
/// first-M compile): exactly one compile, into an empty cubin cache.
struct FreshCompile {
  char key[160] = {};
  awq_jit_stats before{}, after{};
  Clock::time_point start;
  double seconds = 0;
  awq_layer layer = nullptr;
  awq_load_info load{};

  void run(const awq_linear_spec &spec, int64_t firstRows) {
    ASSERT_JIT(awq_jit_linear_key(&spec, key, sizeof(key), nullptr));
    before = stats();
    start = Clock::now();
    ASSERT_JIT(firstRows > 0
                   ? awq_jit_linear_for_rows(env.ctx, &spec, firstRows, &layer)
                   : awq_jit_linear(env.ctx, &spec, &layer));
    seconds = secondsSince(start);
    after = stats();
    EXPECT_EQ(after.compiles, before.compiles + 1)
        << key << " was not compiled by this call (not fresh?)";
    ASSERT_AWQ(awq_jit_get_load_info(layer, &load));
    EXPECT_EQ(load.cubin_cache_hit, 0)
        << "the cubin cache already had " << key
        << " (run with a fresh AWQ_CACHE_DIR)";
  }
};

/// First compile (< 1 s, into an empty cubin cache), cache hits (< 20 us),
/// then results at several M.
void compileTimeHitTimeAndResults(const awq_linear_spec &spec,
                                  const std::vector<int64_t> &ms,
                                  uint64_t seedOffset) {
  FreshCompile fresh;
  fresh.run(spec, 0);
  if (testing::Test::HasFatalFailure())
    return;
  const char *key = fresh.key;
  awq_layer layer = fresh.layer;
  const awq_jit_stats &after = fresh.after;
  const awq_load_info &load = fresh.load;
  double first = fresh.seconds;

  // Hits: the first one, then the median and mean of many.
  constexpr int kHits = 2000;
  std::vector<double> hits(kHits);
  for (int i = 0; i < kHits; ++i) {
    awq_layer again = nullptr;
    auto t = Clock::now();
    awq_status status = awq_jit_linear(env.ctx, &spec, &again);
    hits[i] = secondsSince(t);
    ASSERT_EQ(status, AWQ_SUCCESS) << awq_jit_last_error_message();
    ASSERT_EQ(again, layer);
  }
  EXPECT_EQ(stats().compiles, after.compiles) << "a hit compiled";
  double firstHit = hits[0];
  double mean = 0;
  for (double h : hits)
    mean += h / kHits;
  std::sort(hits.begin(), hits.end());
  double median = hits[kHits / 2], worst = hits.back();
  std::printf("JIT %s on %s:\n  first call %.1f ms (codegen IR->PTX %.1f ms, "
              "driver PTX->SASS %.1f ms, cubin cache %s)\n  cache hit: first "
              "%.2f us, median %.2f us, mean %.2f us, max %.2f us (%d calls)\n",
              key, load.ptx_arch, first * 1e3,
              after.last_compile_seconds * 1e3, load.jit_seconds * 1e3,
              load.cubin_cache_hit ? "hit" : "miss", firstHit * 1e6,
              median * 1e6, mean * 1e6, worst * 1e6, kHits);
  // Timings are reported, not asserted: under compute-sanitizer or a loaded
  // machine they say nothing about correctness (docs/perf.md records them).

  std::mt19937_64 rng(env.seed + seedOffset);
  JitLayerData data;
  ASSERT_EQ(data.setUp(layer, ms.back(), rng), "");
  for (int64_t m : ms) {
    data.run(m, rng, key + std::string(""));
    if (testing::Test::HasFatalFailure() || testing::Test::HasFailure())
      return;
  }
}

TEST(JitGpu, FreshF16CompileTimeHitTimeAndResults) {
  AWQ_GPU_TEST_PRELUDE(env);
  // GEMV and GEMM variants; no artifact has this shape.
  compileTimeHitTimeAndResults(
      makeSpec(1536, 2304, 128, AWQ_DTYPE_F16, true, false),
      {1, 2, 7, 16, 17, 64, 100, 256, 1000}, 1);
}

TEST(JitGpu, FreshBf16CompileTimeHitTimeAndResults) {
  AWQ_GPU_TEST_PRELUDE(env);
  compileTimeHitTimeAndResults(
      makeSpec(1280, 3072, 64, AWQ_DTYPE_BF16, false, true),
      {1, 3, 8, 9, 31, 128, 1000}, 2);
}

TEST(JitGpu, EightThreadsCompileOnce) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_linear_spec spec = makeSpec(2048, 1024, 32, AWQ_DTYPE_F16, true, true);
  awq_jit_stats before = stats();
  constexpr int kThreads = 8;
  std::vector<awq_layer> layers(kThreads, nullptr);
  std::vector<awq_status> statuses(kThreads, AWQ_ERROR_JIT);
  std::vector<std::string> errors(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads)
        std::this_thread::yield();
      statuses[t] = awq_jit_linear(env.ctx, &spec, &layers[t]);
      if (statuses[t] != AWQ_SUCCESS)
        errors[t] = awq_jit_last_error_message();
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(statuses[t], AWQ_SUCCESS) << "thread " << t << ": " << errors[t];
    EXPECT_EQ(layers[t], layers[0]) << "thread " << t;
  }
  awq_jit_stats after = stats();
  std::printf("8 threads: %llu compile(s), %.1f ms codegen\n",
              (unsigned long long)(after.compiles - before.compiles),
              after.last_compile_seconds * 1e3);
  EXPECT_EQ(after.compiles, before.compiles + 1)
      << "8 racing threads must compile the shape once";
  std::mt19937_64 rng(env.seed + 3);
  JitLayerData data;
  ASSERT_EQ(data.setUp(layers[0], 128, rng), "");
  for (int64_t m : {1, 33, 128}) {
    data.run(m, rng, "race n2048_k1024_g32_f16_z_b");
    if (testing::Test::HasFailure())
      return;
  }
}

TEST(JitGpu, AutoAwqWeightsRepackedOnTheHost) {
  AWQ_GPU_TEST_PRELUDE(env);
  const int64_t n = 1536, k = 2304, g = 128;
  awq_linear_spec spec = makeSpec(n, k, g, AWQ_DTYPE_F16, true, false);
  awq_layer layer = nullptr;
  ASSERT_JIT(awq_jit_linear(env.ctx, &spec, &layer));
  std::mt19937_64 rng(env.seed + 4);
  // AutoAWQ checkpoints hold f16 scales: randomWeights rounds to f16.
  QuantizedWeight canonical =
      randomWeights(rng, n, k, g, /*hasZeros=*/true, DType::F16);
  llvm::Expected<AwqGemmWeights> autoawq = packAwqGemm(canonical);
  ASSERT_TRUE(static_cast<bool>(autoawq)) << llvm::toString(autoawq.takeError());
  KernelWeights packed;
  packed.n = n;
  packed.k = k;
  packed.groupSize = g;
  packed.qweight.resize(n * k / 8);
  packed.scales.resize(n * (k / g));
  packed.zeros.resize(n * (k / g));
  ASSERT_JIT(awq_repack_autoawq(n, k, g, AWQ_DTYPE_F16,
                                autoawq->qweight.data(), autoawq->qzeros.data(),
                                autoawq->scales.data(), packed.qweight.data(),
                                packed.scales.data(), packed.zeros.data()));
  JitLayerData data;
  ASSERT_EQ(data.setUp(layer, 100, rng, &canonical, &packed), "");
  for (int64_t m : {1, 16, 100}) {
    data.run(m, rng, "AutoAWQ n1536_k2304_g128_f16_z");
    if (testing::Test::HasFailure())
      return;
  }
}

TEST(JitGpu, SecondContextFindsTheCubinOnDisk) {
  AWQ_GPU_TEST_PRELUDE(env);
  // A context has its own in-memory JIT cache, like a new process; the
  // JIT results and cubins on disk are shared.
  awq_linear_spec spec = makeSpec(1536, 2304, 128, AWQ_DTYPE_F16, true, false);
  awq_layer first = nullptr;
  ASSERT_JIT(awq_jit_linear(env.ctx, &spec, &first)); // on disk now
  awq_context other = nullptr;
  ASSERT_AWQ(awq_context_create(0, &other));
  awq_jit_stats before = stats();
  auto start = Clock::now();
  awq_layer layer = nullptr;
  awq_status status = awq_jit_linear(other, &spec, &layer);
  double seconds = secondsSince(start);
  std::string error = status == AWQ_SUCCESS ? "" : awq_jit_last_error_message();
  awq_load_info load{};
  if (status == AWQ_SUCCESS)
    awq_jit_get_load_info(layer, &load);
  awq_jit_stats after = stats();
  std::printf("second context: %.2f ms (%s, cubin cache %s)\n",
              seconds * 1e3,
              after.disk_hits > before.disk_hits ? "JIT result from disk"
                                                 : "code generation",
              load.cubin_cache_hit ? "hit" : "miss");
  if (status == AWQ_SUCCESS) {
    EXPECT_NE(layer, first);
    // The manifest and PTX come from the disk, not from code generation.
    EXPECT_EQ(after.compiles, before.compiles);
    EXPECT_EQ(after.disk_hits, before.disk_hits + 1);
    EXPECT_EQ(load.cubin_cache_hit, 1) << "the cubin was not found on disk";
    EXPECT_EQ(load.jit_seconds, 0.0);
    std::mt19937_64 rng(env.seed + 5);
    JitLayerData data;
    std::string setup = data.setUp(layer, 3, rng);
    EXPECT_EQ(setup, "");
    if (setup.empty())
      data.run(3, rng, "second context");
  }
  EXPECT_EQ(awq_context_destroy(other), AWQ_SUCCESS);
  ASSERT_EQ(status, AWQ_SUCCESS) << error;
}

/// awq_jit_linear_for_rows on a fresh shape: the layer comes back with the
/// first M's kernel (printed: that time beside the whole compile's in the
/// tests above), serves that M at once, waits for the deferred kernels at
/// other M, and every variant is correct.
void firstRowsCompile(const awq_linear_spec &spec, int64_t firstRows,
                      const std::vector<int64_t> &ms, uint64_t seedOffset) {
  FreshCompile fresh;
  fresh.run(spec, firstRows);
  if (testing::Test::HasFatalFailure())
    return;
  const char *key = fresh.key;
  awq_layer layer = fresh.layer;
  const awq_jit_stats &before = fresh.before, &after = fresh.after;
  const awq_load_info &load = fresh.load;
  double first = fresh.seconds;
  auto start = fresh.start;
  std::mt19937_64 rng(env.seed + seedOffset);
  JitLayerData data;
  ASSERT_EQ(data.setUp(layer, ms.back(), rng), "");
  data.run(firstRows, rng, key + std::string(" (first)"));
  double firstResult = secondsSince(start);
  // ms[1] is served by another kernel: this launch waits for the deferred
  // ones (awq_linear_launch's wait, not awq_layer_wait's).
  data.run(ms[1], rng, key + std::string(" (deferred)"));
  double deferredResult = secondsSince(start);
  ASSERT_AWQ(awq_layer_wait(layer));
  double all = secondsSince(start);
  awq_jit_stats waited = stats();
  EXPECT_GT(waited.total_compile_seconds - before.total_compile_seconds,
            after.last_compile_seconds)
      << "no deferred lowering was counted: was everything compiled first?";
  std::printf("JIT %s on %s, first M = %lld:\n  layer returned after %.1f ms "
              "(codegen IR->PTX %.1f ms, driver PTX->SASS %.1f ms), first "
              "result after %.1f ms, M = %lld after %.1f ms, every variant "
              "loaded after %.1f ms\n",
              key, load.ptx_arch, static_cast<long long>(firstRows),
              first * 1e3, after.last_compile_seconds * 1e3,
              load.jit_seconds * 1e3, firstResult * 1e3,
              static_cast<long long>(ms[1]), deferredResult * 1e3, all * 1e3);
  for (int64_t m : ms) {
    data.run(m, rng, key + std::string(""));
    if (testing::Test::HasFatalFailure() || testing::Test::HasFailure())
      return;
  }
  awq_layer again = nullptr;
  ASSERT_JIT(awq_jit_linear(env.ctx, &spec, &again));
  EXPECT_EQ(again, layer);
}

TEST(JitGpu, FirstRowsDecodeShape) {
  AWQ_GPU_TEST_PRELUDE(env);
  firstRowsCompile(makeSpec(2560, 2048, 128, AWQ_DTYPE_F16, true, false), 1,
                   {1, 5, 16, 33, 64, 128, 300, 1000}, 7);
}

TEST(JitGpu, FirstRowsBatchShape) {
  AWQ_GPU_TEST_PRELUDE(env);
  firstRowsCompile(makeSpec(3328, 1536, 64, AWQ_DTYPE_BF16, true, true), 64,
                   {64, 1, 17, 100, 256, 700}, 8);
}

/// The layer of `spec` (fresh) compiled for a first M of 1 through
/// `compile`, a wrapper of the JIT's callback; "" or the error.
std::string firstRowsLayerVia(const awq_linear_spec &spec,
                              awq_jit_compile_fn compile, awq_layer &layer) {
  char key[160];
  if (awq_jit_linear_key(&spec, key, sizeof(key), nullptr) != AWQ_SUCCESS)
    return awq_jit_last_error_message();
  awq_device_info device{};
  if (awq_context_get_device_info(env.ctx, &device) != AWQ_SUCCESS)
    return awq_last_error_message();
  // Read by the callback during the call only.
  jit::CompileRequest request{device.device, 1};
  if (awq_jit_get_layer(env.ctx, key, compile, &request, &layer) !=
      AWQ_SUCCESS)
    return awq_last_error_message();
  return "";
}

/// The compile callback of awq_jit_linear_for_rows (first M = 1) whose
/// deferred part fails as a broken code generator's would.
awq_status failingFinish(void *, awq_jit_result *rest) {
  rest->error_message = "injected failure of the deferred kernels";
  return AWQ_ERROR_JIT;
}
awq_status compileWithFailingFinish(void *userData, const char *key,
                                    const char *arch, awq_jit_result *result) {
  awq_status status = jit::compileCallback(userData, key, arch, result);
  if (status == AWQ_SUCCESS && result->finish)
    result->finish = failingFinish;
  return status;
}

TEST(JitGpu, FailedDeferredKernelsFailOnlyTheirM) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_linear_spec spec = makeSpec(1152, 1536, 128, AWQ_DTYPE_F16, true, false);
  awq_layer layer = nullptr;
  ASSERT_EQ(firstRowsLayerVia(spec, compileWithFailingFinish, layer), "");
  std::mt19937_64 rng(env.seed + 9);
  JitLayerData data;
  ASSERT_EQ(data.setUp(layer, 512, rng), "");
  data.run(1, rng, "first kernel of a failing deferred compile");
  EXPECT_EQ(awq_layer_wait(layer), AWQ_ERROR_JIT);
  std::string waited = awq_last_error_message();
  EXPECT_NE(waited.find("injected failure"), std::string::npos) << waited;
  EXPECT_EQ(awq_linear_launch(layer, 512, data.dX.ptr, data.dQweight.ptr,
                              data.dScales.ptr, data.dZeros.ptr, 0,
                              data.dY.ptr, nullptr),
            AWQ_ERROR_JIT);
  std::string launched = awq_last_error_message();
  EXPECT_NE(launched.find("could not be loaded"), std::string::npos)
      << launched;
  EXPECT_NE(launched.find("M = 512"), std::string::npos) << launched;
  std::printf("failed deferred compile: %s\n", launched.c_str());
  data.run(1, rng, "first kernel still serves M = 1");
}

/// The compile callback of awq_jit_linear_for_rows whose deferred part
/// waits for the test to open `gate` (so that it loads when the test wants).
std::shared_future<void> gate;
awq_status (*ungatedFinish)(void *, awq_jit_result *) = nullptr;
awq_status gatedFinish(void *data, awq_jit_result *rest) {
  gate.wait();
  return ungatedFinish(data, rest);
}
awq_status compileWithGatedFinish(void *userData, const char *key,
                                  const char *arch, awq_jit_result *result) {
  awq_status status = jit::compileCallback(userData, key, arch, result);
  if (status == AWQ_SUCCESS && result->finish) {
    ungatedFinish = result->finish;
    result->finish = gatedFinish;
  }
  return status;
}

/// Opens the gate when the test ends however it ends (a closed gate would
/// block the context's destruction, which joins the deferred thread).
struct GateOpener {
  std::promise<void> promise;
  bool open = false;
  void operator()() {
    if (!open)
      promise.set_value();
    open = true;
  }
  ~GateOpener() { (*this)(); }
};

/// A CUDA graph captured in global mode (PyTorch's default) while the
/// layer's deferred kernels load: the deferred part is held until the
/// capture has begun, the launch inside the capture waits for it, the
/// loading threads (relaxed capture mode) do not break the capture, and
/// the replay is correct.
TEST(JitGpu, GraphCaptureWhileKernelsAreDeferred) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_linear_spec spec = makeSpec(2176, 1792, 128, AWQ_DTYPE_F16, true, false);
  GateOpener opener;
  gate = opener.promise.get_future().share();
  awq_layer layer = nullptr;
  ASSERT_EQ(firstRowsLayerVia(spec, compileWithGatedFinish, layer), "");
  ASSERT_NE(ungatedFinish, nullptr) << "the compile deferred nothing";
  std::mt19937_64 rng(env.seed + 10);
  JitLayerData data;
  const int64_t m = 200;
  ASSERT_EQ(data.setUp(layer, m, rng), "");
  const cuda::DriverApi &drv = *driver();
  CUstream stream;
  ASSERT_CU(drv.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  ASSERT_CU(drv.cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL));
  opener();
  awq_status status =
      awq_linear_launch(layer, m, data.dX.ptr, data.dQweight.ptr,
                        data.dScales.ptr, data.dZeros.ptr, 0, data.dY.ptr,
                        stream);
  CUgraph graph = nullptr;
  std::string endError = check(drv.cuStreamEndCapture(stream, &graph),
                               "cuStreamEndCapture");
  ASSERT_EQ(status, AWQ_SUCCESS) << awq_last_error_message();
  ASSERT_EQ(endError, "");
  ASSERT_AWQ(awq_layer_wait(layer));
  CUgraphExec exec;
  ASSERT_CU(drv.cuGraphInstantiate(&exec, graph, 0));
  ASSERT_CU(drv.cuMemsetD8Async(data.dY.ptr, 0xff, data.dY.bytes, stream));
  ASSERT_CU(drv.cuGraphLaunch(exec, stream));
  ASSERT_CU(drv.cuStreamSynchronize(stream));
  data.verify(m, rng, "graph captured during the deferred load");
  drv.cuGraphExecDestroy(exec);
  drv.cuGraphDestroy(graph);
  drv.cuStreamDestroy(stream);
}

TEST(JitGpu, RejectedShapeIsReportedAndNotCached) {
  AWQ_GPU_TEST_PRELUDE(env);
  // g | k holds, so this reaches the code generator, which needs K % 32 == 0.
  awq_linear_spec spec = makeSpec(64, 100, 50, AWQ_DTYPE_F16, true, false);
  awq_jit_stats before = stats();
  for (int attempt = 0; attempt < 2; ++attempt) {
    awq_layer layer = reinterpret_cast<awq_layer>(1);
    EXPECT_EQ(awq_jit_linear(env.ctx, &spec, &layer), AWQ_ERROR_JIT);
    EXPECT_EQ(layer, nullptr);
    std::string message = awq_jit_last_error_message();
    EXPECT_NE(message.find("multiple of 32"), std::string::npos) << message;
    EXPECT_NE(message.find("awq.linear.v1:n=64,k=100,g=50"), std::string::npos)
        << message;
    if (attempt == 0)
      std::printf("rejected shape: %s\n", message.c_str());
  }
  awq_jit_stats after = stats();
  EXPECT_EQ(after.compiles, before.compiles + 2) << "a failure was cached";
  EXPECT_EQ(after.failures, before.failures + 2);
  awq_linear_spec bits8 = makeSpec(64, 128, 32, AWQ_DTYPE_F16, true, false);
  bits8.bits = 8;
  awq_layer layer = nullptr;
  EXPECT_EQ(awq_jit_linear(env.ctx, &bits8, &layer),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(awq_jit_last_error_message()).find("4-bit"),
            std::string::npos);
}

} // namespace

int main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  std::string cacheDir;
  const char *keep = std::getenv("AWQ_JIT_TEST_KEEP_ENV");
  if (!keep || std::string(keep) != "1") {
    // Before the driver is loaded: it reads CUDA_CACHE_DISABLE at cuInit.
    setenv("CUDA_CACHE_DISABLE", "1", 1);
    unsetenv("AWQ_CACHE_DISABLE");
    cacheDir = makeTempDir("awq-jit-cache");
    if (cacheDir.empty()) {
      env.setupError = "cannot create a temporary cubin cache directory";
    } else {
      setenv("AWQ_CACHE_DIR", cacheDir.c_str(), 1);
    }
  }
  std::printf("awq-jit-gpu-tests: CUDA_CACHE_DISABLE=%s AWQ_CACHE_DIR=%s\n",
              std::getenv("CUDA_CACHE_DISABLE") ? std::getenv("CUDA_CACHE_DISABLE")
                                                : "(unset)",
              std::getenv("AWQ_CACHE_DIR") ? std::getenv("AWQ_CACHE_DIR")
                                           : "(default)");
  if (const char *seed = std::getenv("AWQ_GPU_TEST_SEED"); seed && *seed)
    env.seed = std::strtoull(seed, nullptr, 10);
  else
    env.seed = static_cast<uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count());
  std::printf("seed %llu (rerun with AWQ_GPU_TEST_SEED=%llu)\n",
              (unsigned long long)env.seed, (unsigned long long)env.seed);
  if (env.setupError.empty()) {
    awq_status status = awq_context_create(0, &env.ctx);
    if (status == AWQ_ERROR_NO_DRIVER || status == AWQ_ERROR_NO_DEVICE) {
      env.skipReason = awq_last_error_message();
    } else if (status != AWQ_SUCCESS) {
      env.setupError =
          std::string("awq_context_create: ") + awq_last_error_message();
    } else {
      awq_device_info device;
      awq_context_get_device_info(env.ctx, &device);
      std::printf("device: %s (sm_%d%d, driver %d)\n", device.name,
                  device.cc_major, device.cc_minor, device.driver_version);
      // The caller keeps the primary context current (test allocations).
      if (driver()->cuCtxPushCurrent(device.context) != CUDA_SUCCESS)
        env.setupError = "cuCtxPushCurrent failed";
    }
  }
  int result = RUN_ALL_TESTS();
  if (env.ctx)
    awq_context_destroy(env.ctx);
  if (!cacheDir.empty())
    llvm::sys::fs::remove_directories(cacheDir);
  return gpuTestExitCode(result);
}
