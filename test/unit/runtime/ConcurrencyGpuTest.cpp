//===- ConcurrencyGpuTest.cpp - the runtime and JIT from many threads ------===//
//
// awq-concurrency-gpu-tests (issue 16, docs/reliability.md): 8 threads share
// one context and issue 1,200 requests: each asks the JIT for one of six
// shapes (three through awq_jit_linear_for_rows: its M first, the other
// kernels deferred; three through awq_jit_linear; the first ask of each is
// a miss that compiles; f16 and bf16,
// with and without zeros and bias), launches it at one of four M on one of
// 4 streams, and hashes y. Some requests also load and destroy an artifact
// ($AWQ_GPU_TEST_ARTIFACT) meanwhile. Checked: every call succeeds, each
// shape is compiled once, every output is bit-identical to a
// single-threaded run on a second context (which reads the cubins from the
// shared disk cache), and that run agrees with the f64 reference.
// A second process (this binary again) then races this one on an empty
// disk cache with six other shapes; both must produce the single-threaded
// results.
//
// Skips (exit 77) without a driver or device. AWQ_GPU_TEST_SEED replays.
//
//===----------------------------------------------------------------------===//

#include "runtime/awq_runtime.h"
#include "runtime/jit/awq_jit.h"
#include "test/unit/runtime/GpuTestUtil.h"
#include "test/unit/runtime/JitTestUtil.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

using namespace awq;
using namespace awq::formats;
using namespace awq::testutil;

namespace {

constexpr int kThreads = 8, kStreams = 4, kRequestsPerThread = 150;
constexpr int64_t kMs[] = {1, 5, 64, 200};
constexpr int64_t kMaxM = 200;
const char *kChildOutEnv = "AWQ_CONCURRENCY_CHILD_OUT";

struct Environment {
  std::string skipReason, setupError, self, artifact;
  uint64_t seed = 0;
};
Environment env;

/// The shapes of one set; set 1 and set 2 share none (fresh compiles).
std::vector<awq_linear_spec> shapeSet(int set) {
  int64_t n = set == 1 ? 1024 : 1280;
  return {makeSpec(n, 2048, 128, AWQ_DTYPE_F16, true, false),
          makeSpec(n + 256, 1024, 64, AWQ_DTYPE_F16, true, true),
          makeSpec(n * 2, 512, 32, AWQ_DTYPE_F16, false, false),
          makeSpec(n, 1536, 128, AWQ_DTYPE_BF16, true, false),
          makeSpec(n + 512, 768, 64, AWQ_DTYPE_BF16, false, true),
          makeSpec(4096 + 256 * set, 4096, 128, AWQ_DTYPE_F16, true, false)};
}

/// A shape's weights, x and bias on the device, shared read-only by all
/// threads.
struct Shape {
  awq_linear_spec spec{};
  DType dtype = DType::F16;
  QuantizedWeight weights;
  std::vector<uint16_t> x, bias;
  DeviceBuffer qweight, scales, zeros, dBias, dX;

  std::string setUp(const awq_linear_spec &s, std::mt19937_64 &rng) {
    spec = s;
    dtype = s.dtype == AWQ_DTYPE_BF16 ? DType::BF16 : DType::F16;
    weights = randomWeights(rng, s.n, s.k, s.group_size, s.has_zeros, dtype);
    x = randomActivations(rng, size_t(kMaxM * s.k), dtype);
    if (s.has_bias)
      bias = randomActivations(rng, size_t(s.n), dtype);
    llvm::Expected<KernelWeights> packed = packKernelLayout(weights, dtype);
    if (!packed)
      return llvm::toString(packed.takeError());
    std::string error = put(qweight, packed->qweight.data(),
                            packed->qweight.size() * 4);
    error += put(scales, packed->scales.data(), packed->scales.size() * 2);
    if (s.has_zeros)
      error += put(zeros, packed->zeros.data(), packed->zeros.size() * 2);
    if (s.has_bias)
      error += put(dBias, bias.data(), bias.size() * 2);
    return error + put(dX, x.data(), x.size() * 2);
  }

  static std::string put(DeviceBuffer &buffer, const void *data, size_t bytes) {
    return buffer.allocate(bytes) ? buffer.upload(data, bytes) : buffer.error;
  }
};

std::string setUpShapes(int set, std::vector<Shape> &shapes) {
  std::mt19937_64 rng(env.seed + uint64_t(set));
  std::vector<awq_linear_spec> specs = shapeSet(set);
  shapes = std::vector<Shape>(specs.size());
  for (size_t i = 0; i < specs.size(); ++i)
    if (std::string error = shapes[i].setUp(specs[i], rng); !error.empty())
      return error;
  return "";
}

uint64_t fnv1a(const uint16_t *data, size_t count) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < count; ++i)
    for (int b = 0; b < 2; ++b)
      h = (h ^ ((data[i] >> (8 * b)) & 0xff)) * 1099511628211ull;
  return h;
}

/// (shape index, M) -> hash of y.
using Hashes = std::map<std::pair<int, int64_t>, uint64_t>;

/// One worker's device state: its y buffer and a host copy.
struct Worker {
  DeviceBuffer y;
  std::vector<uint16_t> host;
  Hashes seen;
  std::vector<std::string> errors;
  int launches = 0, loads = 0;

  void fail(const std::string &what) {
    if (errors.size() < 8)
      errors.push_back(what);
  }

  /// Launches `shape` at `m` on `stream`, waits, hashes y.
  void launch(awq_context ctx, const Shape &shape, int index, int64_t m,
              CUstream stream) {
    awq_layer layer = nullptr;
    // Even shapes ask for this request's M first (whoever asks first gets
    // the layer with that M's kernel while the others compile, and racing
    // launches at other M wait for them); odd ones compile whole.
    awq_status status =
        index % 2 == 0 ? awq_jit_linear_for_rows(ctx, &shape.spec, m, &layer)
                       : awq_jit_linear(ctx, &shape.spec, &layer);
    if (status != AWQ_SUCCESS)
      return fail(std::string("awq_jit_linear(_for_rows): ") +
                  awq_jit_last_error_message());
    size_t count = size_t(m * shape.spec.n);
    std::string error =
        check(driver()->cuMemsetD8Async(y.ptr, 0xff, count * 2, stream),
              "cuMemsetD8Async");
    if (error.empty() &&
        awq_linear_launch(layer, m, shape.dX.ptr, shape.qweight.ptr,
                          shape.scales.ptr, shape.zeros.ptr, shape.dBias.ptr,
                          y.ptr, stream) != AWQ_SUCCESS)
      error = std::string("awq_linear_launch: ") + awq_last_error_message();
    if (error.empty())
      error = check(driver()->cuStreamSynchronize(stream), "cuStreamSynchronize");
    if (error.empty())
      error = y.download(host.data(), count * 2);
    if (!error.empty())
      return fail(error);
    ++launches;
    uint64_t h = fnv1a(host.data(), count);
    auto [it, inserted] = seen.try_emplace({index, m}, h);
    if (!inserted && it->second != h)
      fail("shape " + std::to_string(index) + " M=" + std::to_string(m) +
           ": two launches gave different results");
  }

  /// Loads and destroys the test artifact (mixed with the JIT's loads).
  void loadArtifact(awq_context ctx) {
    awq_artifact artifact = nullptr;
    if (awq_artifact_load(ctx, env.artifact.c_str(), &artifact) != AWQ_SUCCESS)
      return fail(std::string("awq_artifact_load: ") + awq_last_error_message());
    size_t layers = 0;
    if (awq_artifact_num_layers(artifact, &layers) != AWQ_SUCCESS || !layers)
      fail("the artifact has no layers");
    awq_artifact_destroy(artifact);
    ++loads;
  }
};

/// Thread `t`'s requests: shape and M drawn from its own generator.
std::vector<std::pair<int, int64_t>> requestsOf(int t, size_t shapes) {
  std::mt19937_64 rng(env.seed * 31 + uint64_t(t));
  std::uniform_int_distribution<size_t> shape(0, shapes - 1);
  std::uniform_int_distribution<size_t> m(0, std::size(kMs) - 1);
  std::vector<std::pair<int, int64_t>> out;
  for (int r = 0; r < kRequestsPerThread; ++r)
    out.push_back({int(shape(rng)), kMs[m(rng)]});
  return out;
}

struct Streams {
  CUstream s[kStreams] = {};
  std::string create() {
    for (CUstream &stream : s)
      if (std::string e = check(driver()->cuStreamCreate(&stream, 0), "cuStreamCreate");
          !e.empty())
        return e;
    return "";
  }
  ~Streams() {
    for (CUstream stream : s)
      if (stream)
        driver()->cuStreamDestroy(stream);
  }
};

/// The threads' loop; a thread owns one Worker.
void runWorker(awq_context ctx, CUcontext cuda, const std::vector<Shape> &shapes,
               const Streams &streams, int t, std::atomic<int> &ready,
               Worker &w) {
  driver()->cuCtxPushCurrent(cuda);
  ready.fetch_add(1);
  while (ready.load() < kThreads)
    std::this_thread::yield();
  int r = 0;
  for (auto [index, m] : requestsOf(t, shapes.size())) {
    if (!env.artifact.empty() && (r++ % 25) == 7)
      w.loadArtifact(ctx);
    w.launch(ctx, shapes[size_t(index)], index, m, streams.s[t % kStreams]);
  }
  CUcontext popped;
  driver()->cuCtxPopCurrent(&popped);
}

/// Every (shape, M) any thread saw, checked for agreement across threads.
struct Concurrent {
  Hashes hashes;
  std::vector<std::string> errors;
  int launches = 0, loads = 0;
  double seconds = 0;
};

Concurrent runConcurrent(awq_context ctx, const std::vector<Shape> &shapes) {
  Concurrent out;
  awq_device_info device{};
  awq_context_get_device_info(ctx, &device);
  Streams streams;
  if (std::string e = streams.create(); !e.empty())
    return out.errors.push_back(e), out;
  int64_t maxN = 0;
  for (const Shape &s : shapes)
    maxN = std::max(maxN, s.spec.n);
  std::vector<Worker> workers(kThreads);
  for (Worker &w : workers) {
    w.host.resize(size_t(kMaxM * maxN));
    if (!w.y.allocate(w.host.size() * 2))
      return out.errors.push_back(w.y.error), out;
  }
  std::atomic<int> ready{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(runWorker, ctx, device.context, std::cref(shapes),
                         std::cref(streams), t, std::ref(ready),
                         std::ref(workers[size_t(t)]));
  for (std::thread &t : threads)
    t.join();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              start).count();
  for (Worker &w : workers) {
    out.launches += w.launches;
    out.loads += w.loads;
    out.errors.insert(out.errors.end(), w.errors.begin(), w.errors.end());
    for (auto &[key, h] : w.seen)
      if (!out.hashes.try_emplace(key, h).second && out.hashes[key] != h)
        out.errors.push_back("threads disagree on shape " +
                             std::to_string(key.first) + " M=" +
                             std::to_string(key.second));
  }
  return out;
}

/// Relative Frobenius error of y[m, n] against the f64 reference.
double referenceError(const Shape &shape, const std::vector<uint16_t> &y,
                      int64_t m) {
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < m; ++r)
    rows.push_back(r);
  std::vector<double> ref(size_t(m * shape.spec.n));
  referenceLinear(rows, shape.x.data(), shape.dtype, shape.weights,
                  shape.spec.has_bias ? shape.bias.data() : nullptr, ref.data());
  double err = 0, norm = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double d = decodeHalf(y[i], shape.dtype) - ref[i];
    err += d * d;
    norm += ref[i] * ref[i];
  }
  return std::sqrt(err / std::max(norm, 1e-30));
}

/// One thread, the null stream, a context of its own: the expected hashes,
/// each output also checked against the f64 reference.
Hashes runSingle(awq_context ctx, const std::vector<Shape> &shapes) {
  Hashes out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    Worker w;
    w.host.resize(size_t(kMaxM * shapes[i].spec.n));
    EXPECT_TRUE(w.y.allocate(w.host.size() * 2)) << w.y.error;
    for (int64_t m : kMs) {
      w.launch(ctx, shapes[i], int(i), m, nullptr);
      EXPECT_TRUE(w.errors.empty()) << w.errors.front();
      if (!w.errors.empty())
        return out;
      double rel = referenceError(shapes[i], w.host, m);
      EXPECT_LT(rel, tolerance(shapes[i].spec.dtype))
          << "shape " << i << " M=" << m;
      out[{int(i), m}] = w.seen.at({int(i), m});
    }
  }
  return out;
}

uint64_t compiles() {
  awq_jit_stats s{};
  awq_jit_get_stats(&s);
  return s.compiles;
}

void expectSame(const Hashes &got, const Hashes &want, const char *who) {
  for (auto &[key, h] : got) {
    auto it = want.find(key);
    ASSERT_NE(it, want.end());
    EXPECT_EQ(h, it->second) << who << ": shape " << key.first
                             << " M=" << key.second
                             << " differs from the single-threaded run";
  }
}

struct Context {
  awq_context ctx = nullptr;
  ~Context() { awq_context_destroy(ctx); }
};

TEST(Concurrency, EightThreadsFourStreamsOneContext) {
  AWQ_GPU_TEST_PRELUDE(env);
  std::vector<Shape> shapes;
  ASSERT_EQ(setUpShapes(1, shapes), "");
  Context a, b;
  ASSERT_AWQ(awq_context_create(0, &a.ctx));
  uint64_t before = compiles();
  Concurrent got = runConcurrent(a.ctx, shapes);
  uint64_t compiled = compiles() - before;
  std::printf("8 threads, 4 streams: %d launches, %d artifact loads, "
              "%llu compiles of %zu shapes, %zu (shape, M) results, %.2f s\n",
              got.launches, got.loads, (unsigned long long)compiled,
              shapes.size(), got.hashes.size(), got.seconds);
  for (const std::string &e : got.errors)
    ADD_FAILURE() << e;
  EXPECT_EQ(got.launches, kThreads * kRequestsPerThread);
  EXPECT_EQ(compiled, shapes.size()) << "each shape must be compiled once";
  ASSERT_AWQ(awq_context_create(0, &b.ctx));
  expectSame(got.hashes, runSingle(b.ctx, shapes), "8 threads");
}

/// The child's side of TwoProcessesShareAnEmptyDiskCache: set 2 on 8
/// threads, its hashes written to $AWQ_CONCURRENCY_CHILD_OUT.
int runChild(const char *outPath) {
  std::vector<Shape> shapes;
  awq_context ctx = nullptr;
  if (awq_context_create(0, &ctx) != AWQ_SUCCESS)
    return 2;
  awq_device_info device{};
  awq_context_get_device_info(ctx, &device);
  driver()->cuCtxPushCurrent(device.context);
  if (!setUpShapes(2, shapes).empty())
    return 2;
  Concurrent got = runConcurrent(ctx, shapes);
  std::error_code ec;
  llvm::raw_fd_ostream out(outPath, ec);
  for (const std::string &e : got.errors)
    out << "error " << e << "\n";
  for (auto &[key, h] : got.hashes)
    out << key.first << " " << key.second << " " << h << "\n";
  awq_context_destroy(ctx);
  return got.errors.empty() ? 0 : 1;
}

Hashes readChildHashes(const std::string &path) {
  Hashes out;
  auto buf = llvm::MemoryBuffer::getFile(path);
  EXPECT_TRUE(bool(buf)) << "the child wrote no results to " << path;
  if (!buf)
    return out;
  llvm::SmallVector<llvm::StringRef> lines;
  (*buf)->getBuffer().split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines) {
    EXPECT_FALSE(line.starts_with("error")) << "child: " << line.str();
    llvm::SmallVector<llvm::StringRef, 3> f;
    line.split(f, ' ');
    int shape = 0;
    int64_t m = 0;
    uint64_t h = 0;
    if (f.size() == 3 && !f[0].getAsInteger(10, shape) &&
        !f[1].getAsInteger(10, m) && !f[2].getAsInteger(10, h))
      out[{shape, m}] = h;
  }
  return out;
}

TEST(Concurrency, TwoProcessesShareAnEmptyDiskCache) {
  AWQ_GPU_TEST_PRELUDE(env);
  std::string cache = makeTempDir("awq-shared-cache");
  std::string outFile = cache + ".child";
  ASSERT_NE(cache, "");
  // Both processes (the child inherits it) use the new, empty cache, and
  // the same seed, so that they compute the same layers.
  setenv("AWQ_CACHE_DIR", cache.c_str(), 1);
  setenv("AWQ_GPU_TEST_SEED", std::to_string(env.seed).c_str(), 1);
  setenv(kChildOutEnv, outFile.c_str(), 1);
  std::string error;
  llvm::sys::ProcessInfo child = llvm::sys::ExecuteNoWait(
      env.self, {env.self}, std::nullopt, {}, 0, &error);
  unsetenv(kChildOutEnv);
  ASSERT_NE(child.Pid, llvm::sys::ProcessInfo::InvalidPid) << error;
  std::vector<Shape> shapes;
  ASSERT_EQ(setUpShapes(2, shapes), "");
  Context a, b;
  ASSERT_AWQ(awq_context_create(0, &a.ctx));
  Concurrent got = runConcurrent(a.ctx, shapes);
  llvm::sys::ProcessInfo done =
      llvm::sys::Wait(child, std::nullopt, &error);
  for (const std::string &e : got.errors)
    ADD_FAILURE() << e;
  EXPECT_EQ(done.ReturnCode, 0) << "child process: " << error;
  ASSERT_AWQ(awq_context_create(0, &b.ctx));
  Hashes want = runSingle(b.ctx, shapes);
  Hashes fromChild = readChildHashes(outFile);
  std::printf("two processes on one empty cache: %d + %zu results\n",
              got.launches, fromChild.size());
  EXPECT_EQ(fromChild.size(), want.size());
  expectSame(got.hashes, want, "this process");
  expectSame(fromChild, want, "the other process");
  llvm::sys::fs::remove(outFile);
  llvm::sys::fs::remove_directories(cache);
}

} // namespace

int main(int argc, char **argv) {
  // Before the driver loads: its own JIT cache would hide misses.
  setenv("CUDA_CACHE_DISABLE", "1", 1);
  unsetenv("AWQ_CACHE_DISABLE");
  if (const char *seed = std::getenv("AWQ_GPU_TEST_SEED"); seed && *seed)
    env.seed = std::strtoull(seed, nullptr, 10);
  else
    env.seed = uint64_t(
        std::chrono::system_clock::now().time_since_epoch().count());
  if (const char *childOut = std::getenv(kChildOutEnv))
    return runChild(childOut);
  testing::InitGoogleTest(&argc, argv);
  env.self = llvm::sys::fs::getMainExecutable(argv[0], (void *)&main);
  if (const char *artifact = std::getenv("AWQ_GPU_TEST_ARTIFACT"))
    env.artifact = artifact;
  std::string cache = makeTempDir("awq-concurrency-cache");
  if (cache.empty())
    env.setupError = "cannot create a temporary cubin cache directory";
  setenv("AWQ_CACHE_DIR", cache.c_str(), 1);
  std::printf("seed %llu (rerun with AWQ_GPU_TEST_SEED=%llu)\n",
              (unsigned long long)env.seed, (unsigned long long)env.seed);
  awq_context probe = nullptr;
  awq_status status = awq_context_create(0, &probe);
  if (status == AWQ_ERROR_NO_DRIVER || status == AWQ_ERROR_NO_DEVICE)
    env.skipReason = awq_last_error_message();
  else if (status != AWQ_SUCCESS)
    env.setupError = std::string("awq_context_create: ") + awq_last_error_message();
  else {
    awq_device_info device{};
    awq_context_get_device_info(probe, &device);
    std::printf("device: %s (sm_%d%d)\n", device.name, device.cc_major,
                device.cc_minor);
    // The test's own allocations run in the primary context.
    driver()->cuCtxPushCurrent(device.context);
  }
  int result = RUN_ALL_TESTS();
  awq_context_destroy(probe);
  llvm::sys::fs::remove_directories(cache);
  return gpuTestExitCode(result);
}
