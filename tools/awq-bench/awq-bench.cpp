//===- awq-bench.cpp - time awq kernels against cuBLAS and memcpy ---------===//
//
// For every layer of an artifact and every M: the median time of our kernel,
// of cuBLAS f16 GEMM (cublasGemmEx, f16 in/out, f32 compute) on the same
// shape, and the bandwidth of a large device-to-device copy measured in the
// same run, which is the practical roofline for the memory-bound cases.
// Also artifact-load and JIT times. Prints a markdown table; --json=FILE
// writes the numbers.
//
// Method: CUDA events around each launch, warm-up launches first, the median
// of --iters (>= 50) launches, all queued behind device memsets that keep
// the GPU busy for 50 us per launch (sized from one timed memset), so that
// the GPU runs them back to back and no event interval contains host
// launch latency (cuBLAS's host-side work included);
// --host-paced times them as the host issues them instead; --graph
// captures --iters launches in a CUDA graph (as serving stacks run a decode
// step) and takes the median over 20 replays of the graph's time divided by
// its launches, so gaps between kernels are the graph's, not the stream's.
// Weights (ours
// and cuBLAS's) rotate among
// enough copies to exceed twice the L2 cache, so every launch streams its
// weights from DRAM as in a real model; all data random, never zeros.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDriver.h"
#include "runtime/Manifest.h"
#include "runtime/awq_runtime.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using awq::cuda::DriverApi;

namespace {

const DriverApi *drv = nullptr;

#define BENCH_CHECK(call)                                                      \
  do {                                                                         \
    CUresult r_ = (call);                                                      \
    if (r_ != CUDA_SUCCESS) {                                                  \
      std::fprintf(stderr, "awq-bench: %s: %s\n", #call,                       \
                   awq::cuda::describe(*drv, r_).c_str());                     \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

struct Options {
  std::string artifact;
  std::vector<int64_t> ms = {1, 4, 16, 64, 256, 1024, 4096};
  int iters = 100;
  int warmup = 10;
  std::string json;
  std::vector<std::string> layers;
  bool cublas = true;
  /// Queue the timed launches behind a device-side delay (see the header).
  bool queueAhead = true;
  /// Time launches captured in a CUDA graph (see the header).
  bool graph = false;
  /// Launch our kernels with programmatic dependent launch.
  bool pdl = false;
};

[[noreturn]] void usage(const char *error) {
  if (error)
    std::fprintf(stderr, "awq-bench: %s\n", error);
  std::fprintf(stderr,
               "usage: awq-bench <artifact-dir> [--m=1,4,16,...] [--iters=N "
               "(>=50)] [--warmup=N]\n"
               "                 [--layers=a,b] [--json=FILE] [--no-cublas] "
               "[--host-paced | --graph] [--pdl]\n");
  std::exit(error ? 2 : 0); // --help asked for it: no error.
}

Options parseOptions(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    llvm::StringRef value;
    auto option = [&](llvm::StringRef name) {
      if (!arg.starts_with(name))
        return false;
      value = arg.drop_front(name.size());
      return true;
    };
    if (option("--m=")) {
      o.ms.clear();
      llvm::SmallVector<llvm::StringRef> parts;
      value.split(parts, ',', -1, false);
      for (llvm::StringRef p : parts) {
        int64_t m;
        if (p.getAsInteger(10, m) || m < 1)
          usage("--m: expected positive integers");
        o.ms.push_back(m);
      }
    } else if (option("--iters=")) {
      if (value.getAsInteger(10, o.iters) || o.iters < 50)
        usage("--iters: at least 50");
    } else if (option("--warmup=")) {
      if (value.getAsInteger(10, o.warmup) || o.warmup < 0)
        usage("--warmup: expected a count");
    } else if (option("--json=")) {
      o.json = value.str();
    } else if (option("--layers=")) {
      llvm::SmallVector<llvm::StringRef> parts;
      value.split(parts, ',', -1, false);
      for (llvm::StringRef p : parts)
        o.layers.push_back(p.str());
    } else if (arg == "--no-cublas") {
      o.cublas = false;
    } else if (arg == "--host-paced") {
      o.queueAhead = false;
    } else if (arg == "--graph") {
      o.graph = true;
    } else if (arg == "--pdl") {
      o.pdl = true;
    } else if (arg == "-h" || arg == "--help") {
      usage(nullptr);
    } else if (arg.starts_with("-") || !o.artifact.empty()) {
      usage(("unexpected argument '" + arg + "'").str().c_str());
    } else {
      o.artifact = arg.str();
    }
  }
  if (o.artifact.empty())
    usage("no artifact directory");
  if (o.graph && !o.queueAhead)
    usage("--graph and --host-paced are different timings: pick one");
  return o;
}

//===----------------------------------------------------------------------===//
// cuBLAS, loaded at run time
//===----------------------------------------------------------------------===//

struct Cublas {
  using CreateFn = cublasStatus_t (*)(cublasHandle_t *);
  using DestroyFn = cublasStatus_t (*)(cublasHandle_t);
  using SetStreamFn = cublasStatus_t (*)(cublasHandle_t, cudaStream_t);
  using SetWorkspaceFn = cublasStatus_t (*)(cublasHandle_t, void *, size_t);
  // Spelled out: C++ sees an inline overload of cublasGemmEx in the header.
  using GemmExFn = cublasStatus_t (*)(
      cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
      const void *, const void *, cudaDataType, int, const void *,
      cudaDataType, int, const void *, void *, cudaDataType, int,
      cublasComputeType_t, cublasGemmAlgo_t);
  CreateFn create = nullptr;
  DestroyFn destroy = nullptr;
  SetStreamFn setStream = nullptr;
  /// Optional: gives cuBLAS a workspace it need not allocate while a graph
  /// is being captured.
  SetWorkspaceFn setWorkspace = nullptr;
  GemmExFn gemmEx = nullptr;
  cublasHandle_t handle = nullptr;
  std::string library;

  std::string load() {
    void *lib = nullptr;
    for (const char *name : {"libcublas.so.13", "libcublas.so.12",
                             "libcublas.so"}) {
      if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) {
        library = name;
        break;
      }
    }
    if (!lib)
      return "libcublas.so.13/.12/.so not found";
    create = reinterpret_cast<CreateFn>(dlsym(lib, "cublasCreate_v2"));
    destroy = reinterpret_cast<DestroyFn>(dlsym(lib, "cublasDestroy_v2"));
    setStream =
        reinterpret_cast<SetStreamFn>(dlsym(lib, "cublasSetStream_v2"));
    gemmEx = reinterpret_cast<GemmExFn>(dlsym(lib, "cublasGemmEx"));
    setWorkspace =
        reinterpret_cast<SetWorkspaceFn>(dlsym(lib, "cublasSetWorkspace_v2"));
    if (!create || !destroy || !setStream || !gemmEx)
      return library + " lacks cublasCreate_v2/cublasGemmEx";
    if (create(&handle) != CUBLAS_STATUS_SUCCESS)
      return "cublasCreate failed";
    return "";
  }

  /// y[M,N] = x[M,K] W[N,K]^T in row-major terms: column-major
  /// y^T = W x^T, i.e. op(A) = W^T of a K x N column-major matrix.
  cublasStatus_t gemm(int64_t m, int64_t n, int64_t k, CUdeviceptr w,
                      CUdeviceptr x, CUdeviceptr y, cudaDataType type) {
    float alpha = 1.0f, beta = 0.0f;
    return gemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(m), int(k),
                  &alpha, reinterpret_cast<void *>(w), type, int(k),
                  reinterpret_cast<void *>(x), type, int(k), &beta,
                  reinterpret_cast<void *>(y), type, int(n),
                  CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  }
};

//===----------------------------------------------------------------------===//
// Device data
//===----------------------------------------------------------------------===//

struct Buffer {
  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  explicit Buffer(size_t size) : bytes(size) {
    BENCH_CHECK(drv->cuMemAlloc(&ptr, size ? size : 16));
  }
  ~Buffer() { drv->cuMemFree(ptr); }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
};

/// xorshift64*: fast enough to fill hundreds of MB of host data.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed | 1) {}
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
  }
  /// Uniform in [lo, hi).
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * float(next() >> 40) * (1.0f / 16777216.0f);
  }
};

uint16_t toBits(float v, awq_dtype dtype) {
  uint32_t f;
  std::memcpy(&f, &v, 4);
  if (dtype == AWQ_DTYPE_BF16)
    return uint16_t((f + 0x7fff + ((f >> 16) & 1)) >> 16);
  // f16 for the finite, normal values generated here (|v| in [2^-14, 2)).
  uint32_t sign = (f >> 16) & 0x8000;
  int exponent = int((f >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = f & 0x7fffff;
  if (exponent <= 0)
    return uint16_t(sign); // tiny values: zero (never produced below)
  uint32_t half = (uint32_t(exponent) << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half;
  return uint16_t(sign | half);
}

/// Uploads `count` random 16-bit values of magnitude in [lo, hi) with random
/// signs (if `signedValues`) into `dst`.
void fillRandom16(CUdeviceptr dst, size_t count, awq_dtype dtype, float lo,
                  float hi, bool signedValues, Rng &rng) {
  std::vector<uint16_t> host(count);
  for (uint16_t &v : host) {
    float x = rng.uniform(lo, hi);
    if (signedValues && (rng.next() & 1))
      x = -x;
    v = toBits(x, dtype);
  }
  BENCH_CHECK(drv->cuMemcpyHtoD(dst, host.data(), count * 2));
}

void fillRandomWords(CUdeviceptr dst, size_t words, Rng &rng) {
  std::vector<uint32_t> host(words);
  for (uint32_t &w : host)
    w = uint32_t(rng.next() >> 32);
  BENCH_CHECK(drv->cuMemcpyHtoD(dst, host.data(), words * 4));
}

/// Random zero points 0..15 as dtype values.
void fillRandomZeros(CUdeviceptr dst, size_t count, awq_dtype dtype,
                     Rng &rng) {
  std::vector<uint16_t> host(count);
  for (uint16_t &v : host)
    v = toBits(float(rng.next() % 16), dtype);
  // toBits maps 0 to a zero with exponent <= 0: exact.
  BENCH_CHECK(drv->cuMemcpyHtoD(dst, host.data(), count * 2));
}

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

/// Timed replays of a captured graph (--graph).
constexpr int kGraphReplays = 20;

struct Timer {
  std::vector<CUevent> start, stop;
  /// Scratch the queue-ahead delay memsets (null: host-paced timing).
  CUdeviceptr delayBuffer = 0;
  static constexpr size_t kDelayBytes = size_t(256) << 20;

  Timer(int n, bool queueAhead) : start(n), stop(n) {
    for (int i = 0; i < n; ++i) {
      BENCH_CHECK(drv->cuEventCreate(&start[i], CU_EVENT_DEFAULT));
      BENCH_CHECK(drv->cuEventCreate(&stop[i], CU_EVENT_DEFAULT));
    }
    if (queueAhead)
      BENCH_CHECK(drv->cuMemAlloc(&delayBuffer, kDelayBytes));
  }

  /// Seconds one delay memset keeps `stream` busy (measured once).
  double delaySeconds(CUstream stream) {
    if (measuredDelay > 0)
      return measuredDelay;
    std::vector<double> times;
    for (int i = 0; i < 5; ++i) {
      BENCH_CHECK(drv->cuEventRecord(start[0], stream));
      BENCH_CHECK(drv->cuMemsetD8Async(delayBuffer, 0, kDelayBytes, stream));
      BENCH_CHECK(drv->cuEventRecord(stop[0], stream));
      BENCH_CHECK(drv->cuStreamSynchronize(stream));
      float ms = 0;
      BENCH_CHECK(drv->cuEventElapsedTime(&ms, start[0], stop[0]));
      times.push_back(ms * 1e-3);
    }
    std::sort(times.begin(), times.end());
    measuredDelay = times[times.size() / 2];
    return measuredDelay;
  }
  double measuredDelay = 0;
  ~Timer() {
    for (size_t i = 0; i < start.size(); ++i) {
      drv->cuEventDestroy(start[i]);
      drv->cuEventDestroy(stop[i]);
    }
    if (delayBuffer)
      drv->cuMemFree(delayBuffer);
  }

  /// Median seconds of `iters` runs of launch(i), each between two events,
  /// after `warmup` unrecorded runs. Returns a negative value if a launch
  /// failed (its message already printed).
  template <typename Fn>
  double median(CUstream stream, int warmup, int iters, Fn launch) {
    if (delayBuffer) {
      // Keep the GPU busy while the host issues every launch: issuing one
      // launch with its events takes the host well under 50 us (cuBLAS
      // included), so the memsets (each timed once) cover 50 us per launch.
      double perLaunch = 50e-6;
      int64_t memsets =
          static_cast<int64_t>(
              std::ceil((warmup + iters) * perLaunch / delaySeconds(stream))) +
          1;
      for (int64_t i = 0; i < memsets; ++i)
        BENCH_CHECK(drv->cuMemsetD8Async(
            delayBuffer, static_cast<unsigned char>(i), kDelayBytes, stream));
    }
    for (int i = 0; i < warmup; ++i)
      if (!launch(i))
        return -1;
    for (int i = 0; i < iters; ++i) {
      BENCH_CHECK(drv->cuEventRecord(start[i], stream));
      if (!launch(warmup + i))
        return -1;
      BENCH_CHECK(drv->cuEventRecord(stop[i], stream));
    }
    return medianInterval(stream, iters, 1);
  }

  /// Waits for `stream`, then returns the median of the first `count`
  /// start/stop event intervals in seconds, each divided by `launches`.
  double medianInterval(CUstream stream, int count, int launches) {
    BENCH_CHECK(drv->cuStreamSynchronize(stream));
    std::vector<double> times(count);
    for (int i = 0; i < count; ++i) {
      float ms = 0;
      BENCH_CHECK(drv->cuEventElapsedTime(&ms, start[i], stop[i]));
      times[i] = ms * 1e-3 / launches;
    }
    std::nth_element(times.begin(), times.begin() + count / 2, times.end());
    return times[count / 2];
  }

  /// Seconds per launch of `launches` calls of launch(i) captured in one
  /// CUDA graph: the median over `replays` timed replays (after one
  /// untimed) of the replay's time / launches. Negative if a launch failed
  /// or could not be captured (its message already printed).
  template <typename Fn>
  double graphMedian(CUstream stream, int launches, int replays, Fn launch) {
    assert(replays <= static_cast<int>(start.size()));
    BENCH_CHECK(
        drv->cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
    bool launched = true;
    for (int i = 0; i < launches && launched; ++i)
      launched = launch(i);
    CUgraph graph = nullptr;
    CUresult ended = drv->cuStreamEndCapture(stream, &graph);
    if (!launched || ended != CUDA_SUCCESS) {
      if (ended != CUDA_SUCCESS)
        std::fprintf(stderr, "awq-bench: graph capture failed: %s\n",
                     awq::cuda::describe(*drv, ended).c_str());
      if (graph)
        drv->cuGraphDestroy(graph);
      return -1;
    }
    CUgraphExec exec;
    BENCH_CHECK(drv->cuGraphInstantiate(&exec, graph, 0));
    BENCH_CHECK(drv->cuGraphLaunch(exec, stream));
    for (int r = 0; r < replays; ++r) {
      BENCH_CHECK(drv->cuEventRecord(start[r], stream));
      BENCH_CHECK(drv->cuGraphLaunch(exec, stream));
      BENCH_CHECK(drv->cuEventRecord(stop[r], stream));
    }
    double perLaunch = medianInterval(stream, replays, launches);
    drv->cuGraphExecDestroy(exec);
    drv->cuGraphDestroy(graph);
    return perLaunch;
  }
};

/// Copies that together exceed twice the L2 cache (at least 2).
int rotationCount(size_t bytesPerCopy, int l2Bytes) {
  size_t target = 2 * size_t(std::max(l2Bytes, 1 << 20));
  return int(std::max<size_t>(2, (target + bytesPerCopy - 1) / bytesPerCopy));
}

//===----------------------------------------------------------------------===//
// JIT timing: serve layer 0 of the artifact as a new specialisation
//===----------------------------------------------------------------------===//

struct JitSource {
  std::string manifest, ptx;
};

awq_status serve(void *user, const char *, const char *,
                 awq_jit_result *result) {
  auto *source = static_cast<JitSource *>(user);
  result->manifest_json = source->manifest.data();
  result->manifest_size = source->manifest.size();
  result->ptx = source->ptx.data();
  result->ptx_size = source->ptx.size();
  return AWQ_SUCCESS;
}

/// Builds the single-layer manifest + PTX for JIT timing; the PTX gets a
/// unique comment so that neither the cubin cache nor the driver's cache
/// knows it: a miss measures a real PTX -> SASS compile.
bool makeJitSource(const std::string &dir, const char *ptxArch,
                   JitSource &source) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, "manifest.json");
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return false;
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json) {
    llvm::consumeError(json.takeError());
    return false;
  }
  llvm::json::Object *root = json->getAsObject();
  llvm::json::Array *layers = root ? root->getArray("layers") : nullptr;
  llvm::json::Object *ptxMap = root ? root->getObject("ptx") : nullptr;
  if (!layers || layers->empty() || !ptxMap || !ptxMap->getString(ptxArch))
    return false;
  llvm::SmallString<256> ptxPath(dir);
  llvm::sys::path::append(ptxPath, *ptxMap->getString(ptxArch));
  auto ptx = llvm::MemoryBuffer::getFile(ptxPath);
  if (!ptx)
    return false;
  // A JIT result carries the loaded arch's variants only.
  llvm::json::Object *layer = (*layers)[0].getAsObject();
  if (!layer)
    return false;
  awq::runtime::selectArchVariants(*layer, ptxArch);
  // Only the PTX modules of layer 0's kernels (an artifact's PTX holds one
  // module per kernel, each from its `.version` line), each made unique.
  llvm::SmallVector<std::string> kernels;
  if (llvm::json::Array *variants = layer->getArray("variants"))
    for (llvm::json::Value &variant : *variants)
      if (llvm::json::Object *v = variant.getAsObject())
        if (std::optional<llvm::StringRef> name = v->getString("kernel"))
          kernels.push_back(name->str());
  std::string stamp =
      llvm::formatv("\n// awq-bench JIT probe {0}\n",
                    std::chrono::steady_clock::now().time_since_epoch().count())
          .str();
  for (llvm::StringRef module :
       awq::runtime::splitPtxModules((*ptx)->getBuffer())) {
    awq::runtime::PtxEntries entries = awq::runtime::scanPtxEntries(module);
    if (llvm::any_of(kernels, [&](const std::string &kernel) {
          return entries.count(kernel) != 0;
        }))
      source.ptx += module.str() + stamp;
  }
  if (source.ptx.empty())
    return false;
  llvm::json::Object single{{"format", "awq-artifact"},
                            {"version", 1},
                            {"layers", llvm::json::Array{(*layers)[0]}}};
  llvm::raw_string_ostream(source.manifest)
      << llvm::json::Value(std::move(single));
  return true;
}

std::string fmt(double v, const char *format) {
  if (v < 0 || std::isnan(v))
    return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

} // namespace

int main(int argc, char **argv) {
  llvm::sys::PrintStackTraceOnErrorSignal(argv[0]);
  Options options = parseOptions(argc, argv);

  // A private cubin cache, so that the first load measures the JIT.
  llvm::SmallString<128> cacheDir;
  if (llvm::sys::fs::createUniqueDirectory("awq-bench-cache", cacheDir)) {
    std::fprintf(stderr, "awq-bench: cannot create a temporary directory\n");
    return 1;
  }
  setenv("AWQ_CACHE_DIR", cacheDir.c_str(), 1);
  unsetenv("AWQ_CACHE_DISABLE");

  awq_context ctx;
  if (awq_context_create(0, &ctx) != AWQ_SUCCESS) {
    std::fprintf(stderr, "awq-bench: %s\n", awq_last_error_message());
    return 1;
  }
  std::string error;
  awq::cuda::DriverFailure failure;
  drv = awq::cuda::getDriver(error, failure);
  awq_device_info device;
  awq_context_get_device_info(ctx, &device);
  if (options.pdl &&
      awq_context_set_programmatic_launch(ctx, 1) != AWQ_SUCCESS) {
    std::fprintf(stderr, "awq-bench: --pdl: %s\n", awq_last_error_message());
    awq_context_destroy(ctx);
    return 1;
  }
  awq::cuda::ScopedContext scope(*drv, device.context);

  // Artifact load: cold (driver JIT into the empty cache), then warm.
  awq_artifact artifact;
  if (awq_artifact_load(ctx, options.artifact.c_str(), &artifact) !=
      AWQ_SUCCESS) {
    std::fprintf(stderr, "awq-bench: %s\n", awq_last_error_message());
    return 1;
  }
  awq_load_info cold;
  awq_artifact_get_load_info(artifact, &cold);
  awq_artifact warmArtifact;
  awq_load_info warm{};
  if (awq_artifact_load(ctx, options.artifact.c_str(), &warmArtifact) ==
      AWQ_SUCCESS) {
    awq_artifact_get_load_info(warmArtifact, &warm);
    awq_artifact_destroy(warmArtifact);
  }

  // JIT: a new specialisation (miss) and the in-memory hit.
  double jitMiss = -1, jitHit = -1;
  JitSource source;
  if (makeJitSource(options.artifact, cold.ptx_arch, source)) {
    awq_layer jitLayer;
    auto t0 = std::chrono::steady_clock::now();
    if (awq_jit_get_layer(ctx, "awq-bench-probe", serve, &source,
                          &jitLayer) == AWQ_SUCCESS) {
      jitMiss = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
      const int lookups = 10000;
      auto t1 = std::chrono::steady_clock::now();
      for (int i = 0; i < lookups; ++i)
        awq_jit_get_layer(ctx, "awq-bench-probe", serve, &source, &jitLayer);
      jitHit = std::chrono::duration<double>(
                   std::chrono::steady_clock::now() - t1)
                   .count() /
               lookups;
    } else {
      std::fprintf(stderr, "awq-bench: JIT probe failed: %s\n",
                   awq_last_error_message());
    }
  } else {
    std::fprintf(stderr,
                 "awq-bench: no JIT probe: the manifest's first layer or its "
                 "kernels in the %s PTX could not be read\n",
                 cold.ptx_arch);
  }

  CUstream stream;
  BENCH_CHECK(drv->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  // Its events belong to the context: destroyed before the context is
  // released below (with --no-cublas nothing else holds the primary
  // context, and destroying the events afterwards crashed at exit).
  auto timer = std::make_unique<Timer>(options.iters, options.queueAhead);

  // Copy bandwidth: 1 GiB device-to-device, read + write counted.
  double copyBandwidth;
  {
    size_t bytes = size_t(1) << 30;
    Buffer src(bytes), dst(bytes);
    BENCH_CHECK(drv->cuMemsetD8(src.ptr, 0x5a, bytes));
    double t = timer->median(stream, 3, 50, [&](int) {
      return drv->cuMemcpyDtoDAsync(dst.ptr, src.ptr, bytes, stream) ==
             CUDA_SUCCESS;
    });
    copyBandwidth = 2.0 * double(bytes) / t;
  }

  Cublas cublas;
  std::string cublasError = options.cublas ? cublas.load() : "disabled";
  if (cublasError.empty())
    cublas.setStream(cublas.handle, stream);
  std::unique_ptr<Buffer> cublasWorkspace;
  if (cublasError.empty() && options.graph && cublas.setWorkspace) {
    cublasWorkspace = std::make_unique<Buffer>(size_t(64) << 20);
    cublas.setWorkspace(cublas.handle,
                        reinterpret_cast<void *>(cublasWorkspace->ptr),
                        size_t(64) << 20);
  }
  // Seconds per launch of launch(i), by the chosen timing.
  auto timeLaunches = [&](auto launch) {
    if (options.graph)
      return timer->graphMedian(stream, options.iters, kGraphReplays, launch);
    return timer->median(stream, options.warmup, options.iters, launch);
  };

  std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::printf("# awq-bench\n\n");
  std::printf("- device: %s (sm_%d%d, %d SMs, L2 %d MiB), driver %d\n",
              device.name, device.cc_major, device.cc_minor, device.sm_count,
              device.l2_bytes >> 20, device.driver_version);
  std::printf("- date: %s; artifact: %s (PTX %s)\n", date,
              options.artifact.c_str(), cold.ptx_arch);
  std::printf("- artifact load: %.1f ms cold (PTX->SASS %.1f ms), %.2f ms "
              "warm (cubin cache %s)\n",
              cold.load_seconds * 1e3, cold.jit_seconds * 1e3,
              warm.load_seconds * 1e3, warm.cubin_cache_hit ? "hit" : "miss");
  std::printf("- JIT, first layer's kernels served as a new specialisation "
              "(PTX -> SASS, no codegen; awq-jit-gpu-tests times the whole "
              "JIT): %s ms, cache hit %s us\n",
              fmt(jitMiss * 1e3, "%.1f").c_str(),
              fmt(jitHit * 1e6, "%.3f").c_str());
  std::printf("- device-to-device copy: %.0f GB/s (2 x 1 GiB / median "
              "time)\n",
              copyBandwidth / 1e9);
  std::printf("- cuBLAS: %s\n", cublasError.empty()
                                    ? (cublas.library + ", cublasGemmEx f16, "
                                                        "f32 compute")
                                          .c_str()
                                    : cublasError.c_str());
  if (options.pdl)
    std::printf("- awq context set to programmatic dependent launch (the "
                "runtime uses it for the tensor-core variants of up to 16 "
                "rows; cuBLAS as usual)\n");
  if (options.graph)
    std::printf("- %d launches captured in a CUDA graph, median over %d "
                "replays of the replay time / %d; weights rotated over > 2x "
                "L2\n\n",
                options.iters, kGraphReplays, options.iters);
  else
    std::printf("- median of %d launches after %d warm-up; weights rotated "
                "over > 2x L2; %s\n\n",
                options.iters, options.warmup,
                options.queueAhead
                    ? "launches queued behind a device memset, so no host "
                      "launch latency is timed"
                    : "host-paced (each interval may include host launch "
                      "latency)");
  std::printf("| layer | K x N | M | variant | awq us | cuBLAS us | speed-up "
              "| weight GB/s | %% copy BW | awq TFLOP/s | cuBLAS TFLOP/s |\n");
  std::printf("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);

  llvm::json::Array cases;
  size_t numLayers = 0;
  awq_artifact_num_layers(artifact, &numLayers);
  Rng rng(0x9e3779b97f4a7c15ULL ^ uint64_t(now));
  int64_t maxMRequested =
      *std::max_element(options.ms.begin(), options.ms.end());
  for (size_t li = 0; li < numLayers; ++li) {
    awq_layer layer;
    awq_layer_info info;
    awq_artifact_get_layer_at(artifact, li, &layer);
    awq_layer_get_info(layer, &info);
    if (!options.layers.empty() &&
        std::find(options.layers.begin(), options.layers.end(), info.name) ==
            options.layers.end())
      continue;
    int64_t n = info.n, k = info.k, groups = k / info.group_size;
    cudaDataType cudaType =
        info.dtype == AWQ_DTYPE_F16 ? CUDA_R_16F : CUDA_R_16BF;
    size_t qBytes = size_t(n) * size_t(k) * size_t(info.bits) / 8;
    size_t sBytes = size_t(n) * size_t(groups) * 2;
    size_t zBytes = info.has_zeros ? sBytes : 0;
    size_t bBytes = info.has_bias ? size_t(n) * 2 : 0;
    size_t weightBytes = qBytes + sBytes + zBytes + bBytes;

    // Our weights, rotated.
    int copies = rotationCount(weightBytes, device.l2_bytes);
    std::vector<std::unique_ptr<Buffer>> qw, sc, zs, bs;
    for (int c = 0; c < copies; ++c) {
      qw.push_back(std::make_unique<Buffer>(qBytes));
      sc.push_back(std::make_unique<Buffer>(sBytes));
      zs.push_back(std::make_unique<Buffer>(zBytes));
      bs.push_back(std::make_unique<Buffer>(bBytes));
      fillRandomWords(qw[c]->ptr, qBytes / 4, rng);
      fillRandom16(sc[c]->ptr, sBytes / 2, info.dtype, 2e-3f, 1e-2f, false,
                   rng);
      if (zBytes)
        fillRandomZeros(zs[c]->ptr, zBytes / 2, info.dtype, rng);
      if (bBytes)
        fillRandom16(bs[c]->ptr, bBytes / 2, info.dtype, 0.01f, 1.0f, true,
                     rng);
    }
    int64_t maxM = std::min<int64_t>(maxMRequested, info.max_m);
    Buffer x(size_t(maxM) * size_t(k) * 2), y(size_t(maxM) * size_t(n) * 2);
    fillRandom16(x.ptr, size_t(maxM) * size_t(k), info.dtype, 0.01f, 1.0f,
                 true, rng);

    // cuBLAS's f16 weights [N, K], rotated the same way.
    std::vector<std::unique_ptr<Buffer>> dense;
    if (cublasError.empty()) {
      size_t denseBytes = size_t(n) * size_t(k) * 2;
      int denseCopies = rotationCount(denseBytes, device.l2_bytes);
      for (int c = 0; c < denseCopies; ++c) {
        dense.push_back(std::make_unique<Buffer>(denseBytes));
        fillRandom16(dense[c]->ptr, size_t(n) * size_t(k), info.dtype, 1e-3f,
                     2e-2f, true, rng);
      }
    }

    for (int64_t m : options.ms) {
      if (m > info.max_m)
        continue;
      std::string variant = "?";
      for (size_t v = 0; v < info.num_variants; ++v) {
        awq_variant_info vi;
        awq_layer_get_variant(layer, v, &vi);
        if (m >= vi.m_min && m <= vi.m_max)
          variant = vi.kernel;
      }
      double ours = timeLaunches([&](int i) {
        int c = i % copies;
        awq_status s = awq_linear_launch(layer, m, x.ptr, qw[c]->ptr,
                                         sc[c]->ptr, zs[c]->ptr, bs[c]->ptr,
                                         y.ptr, stream);
        if (s != AWQ_SUCCESS)
          std::fprintf(stderr, "awq-bench: %s\n", awq_last_error_message());
        return s == AWQ_SUCCESS;
      });
      CUresult sync = drv->cuStreamSynchronize(stream);
      if (sync != CUDA_SUCCESS) {
        std::fprintf(stderr, "awq-bench: layer %s M=%lld: %s\n", info.name,
                     (long long)m, awq::cuda::describe(*drv, sync).c_str());
        return 1; // the context is unusable after a kernel fault
      }
      double theirs = -1;
      if (!dense.empty()) {
        theirs = timeLaunches([&](int i) {
          return cublas.gemm(m, n, k, dense[i % dense.size()]->ptr, x.ptr,
                             y.ptr, cudaType) == CUBLAS_STATUS_SUCCESS;
        });
      }
      double flops = 2.0 * double(m) * double(n) * double(k);
      double ioBytes = double(weightBytes) + double(m) * double(k) * 2 +
                       double(m) * double(n) * 2;
      double weightGBs = ours > 0 ? double(weightBytes) / ours / 1e9 : -1;
      double pctCopy = ours > 0 ? 100.0 * ioBytes / ours / copyBandwidth : -1;
      double speedup = ours > 0 && theirs > 0 ? theirs / ours : -1;
      std::printf("| %s | %lld x %lld | %lld | %s | %s | %s | %s | %s | %s | "
                  "%s | %s |\n",
                  info.name, (long long)k, (long long)n, (long long)m,
                  variant.c_str(), fmt(ours * 1e6, "%.1f").c_str(),
                  fmt(theirs * 1e6, "%.1f").c_str(),
                  fmt(speedup, "%.2fx").c_str(),
                  fmt(weightGBs, "%.0f").c_str(),
                  fmt(pctCopy, "%.0f%%").c_str(),
                  fmt(ours > 0 ? flops / ours / 1e12 : -1, "%.2f").c_str(),
                  fmt(theirs > 0 ? flops / theirs / 1e12 : -1, "%.2f")
                      .c_str());
      std::fflush(stdout);
      cases.push_back(llvm::json::Object{
          {"layer", info.name},
          {"k", k},
          {"n", n},
          {"m", m},
          {"variant", variant},
          {"awq_us", ours > 0 ? ours * 1e6 : -1},
          {"cublas_us", theirs > 0 ? theirs * 1e6 : -1},
          {"speedup", speedup},
          {"weight_gbs", weightGBs},
          {"pct_copy_bw", pctCopy},
          {"awq_tflops", ours > 0 ? flops / ours / 1e12 : -1},
          {"cublas_tflops", theirs > 0 ? flops / theirs / 1e12 : -1}});
    }
  }

  if (!options.json.empty()) {
    llvm::json::Object root{{"device", device.name},
                            {"date", date},
                            {"copy_gbs", copyBandwidth / 1e9},
                            {"load_cold_ms", cold.load_seconds * 1e3},
                            {"load_warm_ms", warm.load_seconds * 1e3},
                            {"jit_miss_ms", jitMiss * 1e3},
                            {"jit_hit_us", jitHit * 1e6},
                            {"iters", options.iters},
                            {"programmatic_launch", options.pdl},
        {"timing", options.graph        ? "graph"
                                       : options.queueAhead ? "queued"
                                                            : "host-paced"},
                            {"cases", std::move(cases)}};
    std::error_code ec;
    llvm::raw_fd_ostream os(options.json, ec);
    if (ec) {
      std::fprintf(stderr, "awq-bench: cannot write %s: %s\n",
                   options.json.c_str(), ec.message().c_str());
      return 1;
    }
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  }
  if (cublasError.empty())
    cublas.destroy(cublas.handle);
  cublasWorkspace.reset();
  timer.reset();
  drv->cuStreamDestroy(stream);
  awq_artifact_destroy(artifact);
  awq_context_destroy(ctx);
  llvm::sys::fs::remove_directories(cacheDir);
  return 0;
}
