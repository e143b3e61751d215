//===- GpuLinearTest.cpp - generated kernels vs the f64 reference ---------===//
//
// awq-gpu-tests: loads the artifact named by $AWQ_GPU_TEST_ARTIFACT and, for
// every layer in its manifest and every M of the list that the
// layer's variants cover, launches the kernel on fresh random data and
// compares with referenceLinear (f64). Outputs are poisoned with NaN bytes
// before each launch and a guard region after y[M,N] must stay poisoned, so
// unwritten and out-of-bounds elements are caught.
//
// Without a driver, a device or the environment variable every test skips
// with the reason; the process then exits with 77 (ctest: skipped).
//
// Environment: AWQ_GPU_TEST_ARTIFACT (required), AWQ_GPU_TEST_SEED (default:
// time), AWQ_GPU_TEST_M_LIST (comma-separated, default the list),
// AWQ_GPU_TEST_LAYERS (comma-separated layer names, default all).
//
//===----------------------------------------------------------------------===//

#include "formats/Half.h"
#include "formats/KernelLayout.h"
#include "runtime/awq_runtime.h"
#include "runtime/Manifest.h"
#include "test/unit/runtime/GpuTestUtil.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace awq;
using namespace awq::formats;
using namespace awq::testutil;

namespace {

//===----------------------------------------------------------------------===//
// Process-wide setup
//===----------------------------------------------------------------------===//

struct Environment {
  /// Non-empty: every test skips with this reason.
  std::string skipReason;
  /// Non-empty: setup failed in a way that must fail the tests.
  std::string setupError;
  std::string artifactDir;
  awq_context ctx = nullptr;
  awq_artifact artifact = nullptr;
  uint64_t seed = 0;
  std::vector<int64_t> ms = {1,  2,   3,   7,   8,   9,   15,   16,  17,
                             31, 64,  100, 128, 255, 256, 1000, 4096};
};
Environment env;

DType actType(awq_dtype dtype) {
  return dtype == AWQ_DTYPE_F16 ? DType::F16 : DType::BF16;
}

/// Reference MACs per case before rows are sampled instead of all checked.
constexpr double kReferenceBudget = 3e9;

//===----------------------------------------------------------------------===//
// One layer on the device
//===----------------------------------------------------------------------===//

/// Random weights for `layer`, packed and uploaded, plus x, bias and y
/// buffers for up to maxM rows.
struct LayerData : LayerBuffers {
  awq_layer layer = nullptr;
  awq_layer_info info{};
  DType dtype = DType::F16;
  int64_t maxM = 0;
  QuantizedWeight weights;
  std::vector<uint16_t> x, bias;
  /// Elements after y[maxM, N] that must stay poisoned.
  static constexpr size_t kGuard = 4096;

  std::string setUp(awq_layer l, int64_t maxRows, std::mt19937_64 &rng) {
    layer = l;
    if (awq_layer_get_info(l, &info) != AWQ_SUCCESS)
      return awq_last_error_message();
    if (info.bits != 4)
      return "layer '" + std::string(info.name) +
             "': only 4-bit layers have a kernel layout (format v1)";
    dtype = actType(info.dtype);
    maxM = maxRows;
    weights = randomWeights(rng, info.n, info.k, info.group_size,
                            info.has_zeros, dtype);
    llvm::Expected<KernelWeights> packed = packKernelLayout(weights, dtype);
    if (!packed)
      return llvm::toString(packed.takeError());
    x = randomActivations(rng, static_cast<size_t>(maxM * info.k), dtype);
    if (info.has_bias)
      bias = randomActivations(rng, static_cast<size_t>(info.n), dtype);
    return upload(*packed, x, bias,
                  static_cast<size_t>(maxM * info.n) + kGuard);
  }

  awq_status launch(int64_t m, CUstream stream) const {
    return awq_linear_launch(layer, m, dX.ptr, dQweight.ptr, dScales.ptr,
                             dZeros.ptr, dBias.ptr, dY.ptr, stream);
  }

  /// Fills all of y (and the guard) with 0xFF bytes: a NaN in f16 and bf16.
  std::string poison(CUstream stream) const {
    return check(driver()->cuMemsetD8Async(dY.ptr, 0xff, dY.bytes, stream),
                 "cuMemsetD8Async");
  }

  /// Downloads y and compares its first m rows with the reference.
  void verify(int64_t m, std::mt19937_64 &rng, const std::string &what) const {
    size_t count = static_cast<size_t>(m * info.n);
    std::vector<uint16_t> y(count + kGuard);
    ASSERT_EQ(dY.download(y.data(), y.size() * 2), "");
    // Out-of-bounds writes: the guard after y[m, N] must stay poisoned
    // (for m < maxM the rows in between are the guard too).
    size_t end = std::min(y.size(), count + kGuard);
    for (size_t i = count; i < end; ++i)
      ASSERT_EQ(y[i], 0xffff) << what << ": element " << i
                              << " past y[M,N] was written (M*N = " << count
                              << ")";
    // Unwritten or non-finite outputs anywhere in y[m, N].
    size_t bad = 0, firstBad = 0;
    for (size_t i = 0; i < count; ++i) {
      if (!std::isfinite(decodeHalf(y[i], dtype))) {
        if (!bad++)
          firstBad = i;
      }
    }
    ASSERT_EQ(bad, 0u) << what << ": " << bad
                       << " outputs are NaN/Inf (unwritten?), first at row "
                       << firstBad / info.n << " col " << firstBad % info.n;

    // Rows to compare: all, or a sample (first, last, random) within budget.
    std::vector<int64_t> rows;
    double perRow = double(info.n) * double(info.k);
    int64_t maxRows = std::max<int64_t>(8, int64_t(kReferenceBudget / perRow));
    if (m <= maxRows) {
      for (int64_t r = 0; r < m; ++r)
        rows.push_back(r);
    } else {
      rows = {0, m - 1};
      std::uniform_int_distribution<int64_t> pick(1, m - 2);
      while (int64_t(rows.size()) < maxRows)
        rows.push_back(pick(rng));
      std::sort(rows.begin(), rows.end());
      rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    }
    std::vector<double> ref(rows.size() * info.n);
    referenceLinear(rows, x.data(), dtype, weights,
                    info.has_bias ? bias.data() : nullptr, ref.data());
    double errSq = 0, refSq = 0, worstRow = 0;
    int64_t worstRowIndex = 0;
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
      double rel = std::sqrt(rowErr / std::max(rowRef, 1e-30));
      if (rel > worstRow) {
        worstRow = rel;
        worstRowIndex = rows[r];
      }
    }
    double rel = std::sqrt(errSq / std::max(refSq, 1e-30));
    double tol = tolerance(info.dtype);
    std::printf("  %-44s M=%-5lld rows=%-5zu rel_err=%.3e worst_row=%.3e "
                "(tol %.0e)\n",
                what.c_str(), static_cast<long long>(m), rows.size(), rel,
                worstRow, tol);
    EXPECT_LT(rel, tol) << what << ": relative Frobenius error";
    // A single wrong row in a large M would barely move the global error.
    EXPECT_LT(worstRow, 4 * tol)
        << what << ": row " << worstRowIndex << " is off";
  }
};

std::vector<int64_t> msFor(const awq_layer_info &info) {
  std::vector<int64_t> out;
  for (int64_t m : env.ms)
    if (m >= 1 && m <= info.max_m)
      out.push_back(m);
  return out;
}

std::string variantFor(awq_layer layer, int64_t m) {
  awq_layer_info info;
  awq_layer_get_info(layer, &info);
  for (size_t i = 0; i < info.num_variants; ++i) {
    awq_variant_info v;
    if (awq_layer_get_variant(layer, i, &v) == AWQ_SUCCESS && m >= v.m_min &&
        m <= v.m_max)
      return v.kernel;
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

/// Every layer at every M: the core correctness test.
void testLayer(size_t index) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_layer layer;
  ASSERT_AWQ(awq_artifact_get_layer_at(env.artifact, index, &layer));
  awq_layer_info info;
  ASSERT_AWQ(awq_layer_get_info(layer, &info));
  std::vector<int64_t> ms = msFor(info);
  ASSERT_FALSE(ms.empty()) << "no M of the list is covered";
  std::mt19937_64 rng(env.seed + index);
  LayerData data;
  std::printf("layer %s: n=%lld k=%lld g=%lld %s zeros=%d bias=%d seed=%llu\n",
              info.name, (long long)info.n, (long long)info.k,
              (long long)info.group_size,
              info.dtype == AWQ_DTYPE_F16 ? "f16" : "bf16", info.has_zeros,
              info.has_bias, (unsigned long long)(env.seed + index));
  std::string error = data.setUp(layer, ms.back(), rng);
  ASSERT_EQ(error, "");
  for (int64_t m : ms) {
    std::string what = std::string(info.name) + " [" + variantFor(layer, m) +
                       "]";
    SCOPED_TRACE(what + " M=" + std::to_string(m));
    ASSERT_EQ(data.poison(nullptr), "");
    ASSERT_AWQ(data.launch(m, nullptr));
    ASSERT_CU(driver()->cuCtxSynchronize());
    data.verify(m, rng, what);
    if (testing::Test::HasFatalFailure())
      return;
  }
}

TEST(GpuArtifact, LoadAndCubinCache) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_load_info first;
  ASSERT_AWQ(awq_artifact_get_load_info(env.artifact, &first));
  std::printf("artifact %s: ptx %s, load %.1f ms (JIT %.1f ms, cubin cache "
              "%s)\n",
              env.artifactDir.c_str(), first.ptx_arch,
              first.load_seconds * 1e3, first.jit_seconds * 1e3,
              first.cubin_cache_hit ? "hit" : "miss");
  // A second load of the same artifact must find the cubin the first one
  // stored (unless the cache is disabled).
  awq_artifact again = nullptr;
  ASSERT_AWQ(awq_artifact_load(env.ctx, env.artifactDir.c_str(), &again));
  awq_load_info second;
  ASSERT_AWQ(awq_artifact_get_load_info(again, &second));
  std::printf("second load: %.2f ms, cubin cache %s\n",
              second.load_seconds * 1e3,
              second.cubin_cache_hit ? "hit" : "miss");
  const char *disabled = std::getenv("AWQ_CACHE_DISABLE");
  if (!disabled || !*disabled || std::string(disabled) == "0")
    EXPECT_EQ(second.cubin_cache_hit, 1);
  awq_artifact_destroy(again);
}

TEST(GpuArtifact, BadInputsAreReported) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_artifact bad = nullptr;
  EXPECT_EQ(awq_artifact_load(env.ctx, "/nonexistent/artifact", &bad),
            AWQ_ERROR_IO);
  EXPECT_NE(std::string(awq_last_error_message())
                .find("/nonexistent/artifact/manifest.json"),
            std::string::npos)
      << awq_last_error_message();

  // The real manifest with PTX the driver rejects: the message must carry
  // the file name and the JIT's log.
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("awq-bad-artifact", dir));
  llvm::SmallString<256> manifestPath(env.artifactDir);
  llvm::sys::path::append(manifestPath, "manifest.json");
  auto manifest = llvm::MemoryBuffer::getFile(manifestPath);
  ASSERT_TRUE(static_cast<bool>(manifest));
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*manifest)->getBuffer());
  ASSERT_TRUE(static_cast<bool>(json));
  std::string ptxBody;
  for (const auto &entry : *json->getAsObject()->getObject("ptx")) {
    llvm::SmallString<256> src(env.artifactDir);
    llvm::sys::path::append(src, *entry.second.getAsString());
    auto ptx = llvm::MemoryBuffer::getFile(src);
    ASSERT_TRUE(static_cast<bool>(ptx));
    std::string text = (*ptx)->getBuffer().str();
    // Keep the entry declarations (so the host-side checks pass) but break
    // an instruction, so that only the driver's JIT can notice.
    size_t ret = text.rfind("ret;");
    ASSERT_NE(ret, std::string::npos);
    text.replace(ret, 4, "ret.bogus %nonexistent;");
    llvm::SmallString<256> dst(dir);
    llvm::sys::path::append(dst, *entry.second.getAsString());
    std::error_code ec;
    llvm::raw_fd_ostream(dst, ec) << text;
    ASSERT_FALSE(ec);
  }
  {
    llvm::SmallString<256> dst(dir);
    llvm::sys::path::append(dst, "manifest.json");
    std::error_code ec;
    llvm::raw_fd_ostream(dst, ec) << (*manifest)->getBuffer();
  }
  awq_status status = awq_artifact_load(env.ctx, dir.c_str(), &bad);
  EXPECT_EQ(status, AWQ_ERROR_CUDA) << awq_last_error_message();
  std::string message = awq_last_error_message();
  EXPECT_NE(message.find("PTX -> SASS failed"), std::string::npos) << message;
  std::printf("broken PTX is reported as: %s\n", message.c_str());
  llvm::sys::fs::remove_directories(dir);
}

TEST(GpuLaunch, ArgumentErrors) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_layer layer;
  ASSERT_AWQ(awq_artifact_get_layer_at(env.artifact, 0, &layer));
  std::mt19937_64 rng(env.seed);
  LayerData data;
  ASSERT_EQ(data.setUp(layer, 4, rng), "");
  EXPECT_EQ(data.launch(0, nullptr), AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(awq_last_error_message()).find("M = 0"),
            std::string::npos);
  EXPECT_EQ(awq_linear_launch(layer, 1, data.dX.ptr + 2, data.dQweight.ptr,
                              data.dScales.ptr, data.dZeros.ptr,
                              data.dBias.ptr, data.dY.ptr, nullptr),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(awq_last_error_message()).find("'x' is misaligned"),
            std::string::npos)
      << awq_last_error_message();
  EXPECT_EQ(awq_linear_launch(layer, 1, data.dX.ptr, data.dQweight.ptr,
                              data.dScales.ptr, data.dZeros.ptr,
                              data.dBias.ptr, 0, nullptr),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(awq_last_error_message()).find("'y' is null"),
            std::string::npos);
  awq_layer none;
  EXPECT_EQ(awq_artifact_get_layer(env.artifact, "no.such.layer", &none),
            AWQ_ERROR_NOT_FOUND);
  EXPECT_NE(std::string(awq_last_error_message()).find("no.such.layer"),
            std::string::npos);
}

TEST(GpuLaunch, CudaGraphCapture) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_layer layer;
  ASSERT_AWQ(awq_artifact_get_layer_at(env.artifact, 0, &layer));
  awq_layer_info info;
  ASSERT_AWQ(awq_layer_get_info(layer, &info));
  std::mt19937_64 rng(env.seed ^ 0x5eed);
  LayerData data;
  int64_t m = std::min<int64_t>(17, info.max_m);
  ASSERT_EQ(data.setUp(layer, m, rng), "");
  const cuda::DriverApi &drv = *driver();
  CUstream stream;
  ASSERT_CU(drv.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  // GLOBAL mode: any allocation, synchronisation or host copy inside the
  // launch call would fail the capture.
  ASSERT_CU(drv.cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL));
  awq_status status = data.launch(m, stream);
  CUgraph graph = nullptr;
  std::string endError = check(drv.cuStreamEndCapture(stream, &graph),
                               "cuStreamEndCapture");
  ASSERT_EQ(status, AWQ_SUCCESS) << awq_last_error_message();
  ASSERT_EQ(endError, "");
  CUgraphExec exec;
  ASSERT_CU(drv.cuGraphInstantiate(&exec, graph, 0));
  // Poison after capture, so only the replay can write y.
  for (int replay = 0; replay < 2; ++replay) {
    ASSERT_EQ(data.poison(stream), "");
    ASSERT_CU(drv.cuGraphLaunch(exec, stream));
    ASSERT_CU(drv.cuStreamSynchronize(stream));
    data.verify(m, rng, std::string(info.name) + " (graph replay)");
  }
  drv.cuGraphExecDestroy(exec);
  drv.cuGraphDestroy(graph);
  drv.cuStreamDestroy(stream);
}

/// Programmatic dependent launch: layer B reads the y that layer A writes,
/// A's y is poisoned (NaN) before A runs, and B may be scheduled while A
/// still runs: B's outputs match a reference on A's actual outputs only if
/// B waited for A. Run on a stream and replayed from a CUDA graph, at M
/// values that take the stream kernel (launched programmatically) and the
/// GEMV and the tensor-core GEMM (launched plainly, next to it).
TEST(GpuLaunch, ProgrammaticLaunchWaitsForThePreviousKernel) {
  AWQ_GPU_TEST_PRELUDE(env);
  awq_device_info device;
  ASSERT_AWQ(awq_context_get_device_info(env.ctx, &device));
  if (device.cc_major < 9) {
    EXPECT_EQ(awq_context_set_programmatic_launch(env.ctx, 1),
              AWQ_ERROR_UNSUPPORTED_ARCH);
    GTEST_SKIP() << "programmatic dependent launch needs compute capability "
                    "9.0; "
                 << device.name << " is " << device.cc_major << "."
                 << device.cc_minor;
  }
  awq_layer first, second;
  if (awq_artifact_get_layer(env.artifact, "t.llama_qkv_g128", &first) !=
          AWQ_SUCCESS ||
      awq_artifact_get_layer(env.artifact, "t.k6144_bias_g128", &second) !=
          AWQ_SUCCESS)
    GTEST_SKIP() << "the artifact lacks the layers t.llama_qkv_g128 and "
                    "t.k6144_bias_g128 (examples/gpu-test-shapes.mlir)";
  // M = 16 must take a variant the runtime launches programmatically (a
  // tensor-core tile of at most 16 rows), or this test would not test it.
  awq_layer_info firstInfo;
  ASSERT_AWQ(awq_layer_get_info(first, &firstInfo));
  bool programmatic16 = false;
  for (size_t v = 0; v < firstInfo.num_variants; ++v) {
    awq_variant_info variant;
    ASSERT_AWQ(awq_layer_get_variant(first, v, &variant));
    if (variant.m_min <= 16 && 16 <= variant.m_max)
      programmatic16 = std::string(variant.family) == "gemm" &&
                       variant.m_tile <= 16;
  }
  EXPECT_TRUE(programmatic16)
      << "M = 16 no longer takes a one-tile tensor-core variant";
  ASSERT_AWQ(awq_context_set_programmatic_launch(env.ctx, 1));
  struct Off {
    ~Off() { awq_context_set_programmatic_launch(env.ctx, 0); }
  } off;
  std::mt19937_64 rng(env.seed ^ 0x9d1);
  const cuda::DriverApi &drv = *driver();
  CUstream stream;
  ASSERT_CU(drv.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  for (int64_t m : {int64_t(1), int64_t(16), int64_t(100)}) {
    LayerData a, b;
    ASSERT_EQ(a.setUp(first, m, rng), "");
    ASSERT_EQ(b.setUp(second, m, rng), "");
    ASSERT_EQ(a.info.n, b.info.k);
    auto enqueue = [&]() {
      EXPECT_EQ(a.poison(stream), "");
      EXPECT_EQ(b.poison(stream), "");
      EXPECT_EQ(a.launch(m, stream), AWQ_SUCCESS) << awq_last_error_message();
      EXPECT_EQ(awq_linear_launch(second, m, a.dY.ptr, b.dQweight.ptr,
                                  b.dScales.ptr, b.dZeros.ptr, b.dBias.ptr,
                                  b.dY.ptr, stream),
                AWQ_SUCCESS)
          << awq_last_error_message();
    };
    auto check = [&](const std::string &how) {
      ASSERT_CU(drv.cuStreamSynchronize(stream));
      a.verify(m, rng, std::string(a.info.name) + " " + how);
      // B's reference takes A's actual outputs as its x.
      std::vector<uint16_t> aY(static_cast<size_t>(m * a.info.n));
      ASSERT_EQ(a.dY.download(aY.data(), aY.size() * 2), "");
      b.x = aY;
      b.verify(m, rng, std::string(b.info.name) + " after it, " + how);
    };
    enqueue();
    check("(programmatic launch)");
    ASSERT_CU(drv.cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL));
    enqueue();
    CUgraph graph = nullptr;
    ASSERT_CU(drv.cuStreamEndCapture(stream, &graph));
    CUgraphExec exec;
    ASSERT_CU(drv.cuGraphInstantiate(&exec, graph, 0));
    ASSERT_CU(drv.cuGraphLaunch(exec, stream));
    check("(programmatic launch, graph replay)");
    drv.cuGraphExecDestroy(exec);
    drv.cuGraphDestroy(graph);
  }
  drv.cuStreamDestroy(stream);
}

/// Serves one layer of the test artifact as a JIT specialisation.
struct JitSource {
  std::string manifest;
  std::string ptx;
  std::atomic<int> calls{0};
};

awq_status serveJit(void *userData, const char *key, const char *arch,
                    awq_jit_result *result) {
  auto *source = static_cast<JitSource *>(userData);
  ++source->calls;
  // Long enough for the other threads to pile up on the same key.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  (void)key;
  (void)arch;
  result->manifest_json = source->manifest.data();
  result->manifest_size = source->manifest.size();
  result->ptx = source->ptx.data();
  result->ptx_size = source->ptx.size();
  return AWQ_SUCCESS;
}

awq_status failJit(void *, const char *, const char *,
                   awq_jit_result *result) {
  result->error_message = "no compiler in this test";
  return AWQ_ERROR_JIT;
}

TEST(GpuJit, CompilesOncePerKeyAndComputes) {
  AWQ_GPU_TEST_PRELUDE(env);
  // Build the single-layer manifest and PTX from the artifact on disk.
  llvm::SmallString<256> manifestPath(env.artifactDir);
  llvm::sys::path::append(manifestPath, "manifest.json");
  auto buffer = llvm::MemoryBuffer::getFile(manifestPath);
  ASSERT_TRUE(static_cast<bool>(buffer));
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  ASSERT_TRUE(static_cast<bool>(json));
  llvm::json::Object *root = json->getAsObject();
  awq_load_info load;
  ASSERT_AWQ(awq_artifact_get_load_info(env.artifact, &load));
  llvm::SmallString<256> ptxPath(env.artifactDir);
  llvm::sys::path::append(ptxPath,
                          *root->getObject("ptx")->getString(load.ptx_arch));
  auto ptx = llvm::MemoryBuffer::getFile(ptxPath);
  ASSERT_TRUE(static_cast<bool>(ptx));
  JitSource source;
  source.ptx = (*ptx)->getBuffer().str();
  // A JIT result carries this device's variants only.
  llvm::json::Object layer(*(*root->getArray("layers"))[0].getAsObject());
  awq::runtime::selectArchVariants(layer, load.ptx_arch);
  llvm::json::Object single{{"format", "awq-artifact"},
                            {"version", 1},
                            {"layers", llvm::json::Array{std::move(layer)}}};
  llvm::raw_string_ostream(source.manifest)
      << llvm::json::Value(std::move(single));

  std::string key = "test:" + std::to_string(env.seed);
  std::vector<awq_layer> layers(8, nullptr);
  std::vector<awq_status> statuses(8, AWQ_SUCCESS);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      statuses[t] = awq_jit_get_layer(env.ctx, key.c_str(), serveJit, &source,
                                      &layers[t]);
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(source.calls, 1);
  for (int t = 0; t < 8; ++t) {
    EXPECT_EQ(statuses[t], AWQ_SUCCESS);
    EXPECT_EQ(layers[t], layers[0]);
  }
  ASSERT_NE(layers[0], nullptr);
  awq_load_info info;
  ASSERT_AWQ(awq_jit_get_load_info(layers[0], &info));

  // A hit is an in-memory lookup.
  auto start = std::chrono::steady_clock::now();
  awq_layer hit = nullptr;
  const int lookups = 1000;
  for (int i = 0; i < lookups; ++i)
    ASSERT_AWQ(awq_jit_get_layer(env.ctx, key.c_str(), serveJit, &source,
                                 &hit));
  double hitSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count() /
      lookups;
  std::printf("JIT miss: %.2f ms (cubin cache %s), hit: %.3f us\n",
              info.load_seconds * 1e3, info.cubin_cache_hit ? "hit" : "miss",
              hitSeconds * 1e6);
  EXPECT_EQ(hit, layers[0]);
  EXPECT_EQ(source.calls, 1);
  EXPECT_LT(hitSeconds, 20e-6) << "issue target: a cache hit under 20 us";

  // The JIT layer computes like the artifact's.
  awq_layer_info layerInfo;
  ASSERT_AWQ(awq_layer_get_info(hit, &layerInfo));
  std::mt19937_64 rng(env.seed ^ 0x717);
  LayerData data;
  int64_t m = std::min<int64_t>(9, layerInfo.max_m);
  ASSERT_EQ(data.setUp(hit, m, rng), "");
  ASSERT_EQ(data.poison(nullptr), "");
  ASSERT_AWQ(data.launch(m, nullptr));
  ASSERT_CU(driver()->cuCtxSynchronize());
  data.verify(m, rng, std::string(layerInfo.name) + " (JIT)");

  // Failures are reported, with the callback's message, and not cached.
  awq_layer failed = nullptr;
  EXPECT_EQ(awq_jit_get_layer(env.ctx, "failing", failJit, nullptr, &failed),
            AWQ_ERROR_JIT);
  EXPECT_NE(std::string(awq_last_error_message())
                .find("no compiler in this test"),
            std::string::npos)
      << awq_last_error_message();

  // A JIT result is for this device only: per-arch lists are refused.
  JitSource perArch;
  perArch.ptx = source.ptx;
  {
    llvm::Expected<llvm::json::Value> parsed =
        llvm::json::parse(source.manifest);
    ASSERT_TRUE(static_cast<bool>(parsed));
    llvm::json::Object *l0 =
        (*parsed->getAsObject()->getArray("layers"))[0].getAsObject();
    (*l0)["arch_variants"] =
        llvm::json::Object{{load.ptx_arch, *l0->get("variants")}};
    llvm::raw_string_ostream(perArch.manifest) << *parsed;
  }
  awq_layer refused = nullptr;
  EXPECT_EQ(
      awq_jit_get_layer(env.ctx, "per-arch", serveJit, &perArch, &refused),
      AWQ_ERROR_JIT);
  EXPECT_NE(std::string(awq_last_error_message()).find("arch_variants"),
            std::string::npos)
      << awq_last_error_message();
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

std::string sanitize(const std::string &name) {
  std::string out;
  for (char c : name)
    out += llvm::isAlnum(c) ? c : '_';
  return out;
}

class LayerTest : public testing::Test {
public:
  explicit LayerTest(size_t index) : index(index) {}
  void TestBody() override { testLayer(index); }

private:
  size_t index;
};

void setUpEnvironment() {
  if (const char *seed = std::getenv("AWQ_GPU_TEST_SEED"); seed && *seed)
    env.seed = std::strtoull(seed, nullptr, 10);
  else
    env.seed = static_cast<uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count());
  std::printf("awq-gpu-tests: seed %llu (rerun with AWQ_GPU_TEST_SEED=%llu)\n",
              (unsigned long long)env.seed, (unsigned long long)env.seed);
  if (const char *list = std::getenv("AWQ_GPU_TEST_M_LIST"); list && *list) {
    env.ms.clear();
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(list).split(parts, ',', -1, false);
    for (llvm::StringRef p : parts) {
      int64_t m;
      if (!p.trim().getAsInteger(10, m) && m > 0)
        env.ms.push_back(m);
    }
    std::sort(env.ms.begin(), env.ms.end());
  }

  const char *dir = std::getenv("AWQ_GPU_TEST_ARTIFACT");
  if (!dir || !*dir) {
    env.skipReason = "AWQ_GPU_TEST_ARTIFACT is not set (the artifact "
                     "directory written by awq-compile)";
    return;
  }
  env.artifactDir = dir;
  awq_status status = awq_context_create(0, &env.ctx);
  if (status == AWQ_ERROR_NO_DRIVER || status == AWQ_ERROR_NO_DEVICE) {
    env.skipReason = awq_last_error_message();
    return;
  }
  if (status != AWQ_SUCCESS) {
    env.setupError = std::string("awq_context_create: ") +
                     awq_last_error_message();
    return;
  }
  awq_device_info device;
  awq_context_get_device_info(env.ctx, &device);
  std::printf("device: %s (sm_%d%d, %d SMs, driver %d)\n", device.name,
              device.cc_major, device.cc_minor, device.sm_count,
              device.driver_version);
  // Like a serving stack, the caller keeps the device's primary context
  // current; the tests' own allocations and copies need it.
  if (CUresult pushed = driver()->cuCtxPushCurrent(device.context);
      pushed != CUDA_SUCCESS) {
    env.setupError = "cuCtxPushCurrent failed";
    return;
  }
  if (awq_artifact_load(env.ctx, dir, &env.artifact) != AWQ_SUCCESS)
    env.setupError = std::string("awq_artifact_load: ") +
                     awq_last_error_message();
}

void registerLayerTests() {
  size_t layers = 0;
  if (env.artifact)
    awq_artifact_num_layers(env.artifact, &layers);
  std::vector<std::string> only;
  if (const char *list = std::getenv("AWQ_GPU_TEST_LAYERS"); list && *list) {
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(list).split(parts, ',', -1, false);
    for (llvm::StringRef p : parts)
      only.push_back(p.trim().str());
  }
  size_t registered = 0;
  for (size_t i = 0; i < layers; ++i) {
    awq_layer layer;
    awq_layer_info info;
    if (awq_artifact_get_layer_at(env.artifact, i, &layer) != AWQ_SUCCESS ||
        awq_layer_get_info(layer, &info) != AWQ_SUCCESS)
      continue;
    if (!only.empty() &&
        std::find(only.begin(), only.end(), info.name) == only.end())
      continue;
    testing::RegisterTest("GpuLinear", sanitize(info.name).c_str(), nullptr,
                          nullptr, __FILE__, __LINE__,
                          [i]() -> testing::Test * { return new LayerTest(i); });
    ++registered;
  }
  for (const std::string &name : only) {
    awq_layer layer;
    if (env.artifact &&
        awq_artifact_get_layer(env.artifact, name.c_str(), &layer) !=
            AWQ_SUCCESS &&
        env.setupError.empty())
      env.setupError = "AWQ_GPU_TEST_LAYERS: " +
                       std::string(awq_last_error_message());
  }
  // Without an artifact (skip or setup failure) one test stands for all
  // layers, so that the reason is reported.
  if (registered == 0)
    testing::RegisterTest("GpuLinear", "AllLayers", nullptr, nullptr, __FILE__,
                          __LINE__, []() -> testing::Test * {
                            return new LayerTest(0);
                          });
}

} // namespace

int main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  setUpEnvironment();
  registerLayerTests();
  int result = RUN_ALL_TESTS();
  if (env.artifact)
    awq_artifact_destroy(env.artifact);
  if (env.ctx)
    awq_context_destroy(env.ctx);
  return gpuTestExitCode(result);
}
