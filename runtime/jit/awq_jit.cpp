//===- awq_jit.cpp - in-process JIT of quantized linears ------------------===//
//
// awq_jit_linear: spec -> stable key -> awq_jit_get_layer (the runtime's
// build-once cache and cubin cache) with a callback that compiles the key
// through mlir::awq::LinearKernels. Also the host-side AutoAWQ repacking.
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/awq_jit.h"
#include "runtime/jit/JitCompiler.h"

#include "codegen/Compile.h"
#include "formats/AutoAwq.h"
#include "formats/KernelLayout.h"
#include "runtime/CubinCache.h"
#include "runtime/CudaDriver.h"
#include "runtime/Manifest.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <mutex>
#include <system_error>

using namespace awq;
using namespace awq::formats;
using namespace awq::jit;

namespace {

thread_local std::string lastError;

awq_status fail(awq_status status, const std::string &message) {
  lastError = message;
  return status;
}

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Sizes above this are rejected before any arithmetic on them (n * k must
/// fit comfortably in int64_t; the ABI's sizes are 32-bit anyway).
constexpr int64_t kMaxDim = int64_t(1) << 31;

struct Stats {
  std::mutex mutex;
  awq_jit_stats stats{};
};
Stats &stats() {
  static Stats s;
  return s;
}

/// What compileCallback hands to the runtime; freed by its release hook.
struct CallbackResult {
  std::string manifest, ptx, error;
  /// With a first variant: the other kernels' PTX, lowering on a thread of
  /// its own since the callback returned (finishResult waits for it), and
  /// where the whole result goes in the disk cache.
  std::future<llvm::Expected<std::string>> rest;
  std::string restPtx, cacheKey;
};
void releaseResult(void *data) { delete static_cast<CallbackResult *>(data); }

/// The dtype as the caller stored it. A C caller may store any int there,
/// and loading a value outside the enumerators' range as awq_dtype is
/// undefined in C++ (UBSan reports it), so it is read as an int.
int rawDtype(const awq_dtype &dtype) {
  static_assert(sizeof(awq_dtype) == sizeof(int), "awq_dtype is an int");
  int raw;
  std::memcpy(&raw, &dtype, sizeof raw);
  return raw;
}
bool isValidDtype(const awq_dtype &dtype) {
  int raw = rawDtype(dtype);
  return raw == AWQ_DTYPE_F16 || raw == AWQ_DTYPE_BF16;
}

const char *dtypeName(awq_dtype dtype) {
  return dtype == AWQ_DTYPE_BF16 ? "bf16" : "f16";
}

} // namespace

//===----------------------------------------------------------------------===//
// Specs, keys, architectures
//===----------------------------------------------------------------------===//

llvm::Error jit::validateSpec(const awq_linear_spec &spec) {
  if (spec.bits != 4)
    return makeError(llvm::formatv(
        "unsupported bits = {0}: the JIT generates 4-bit kernels only (the "
        "kernel weight layout v1 defines 4-bit packing only)",
        spec.bits));
  if (!isValidDtype(spec.dtype))
    return makeError(llvm::formatv(
        "unsupported dtype {0}: expected AWQ_DTYPE_F16 or AWQ_DTYPE_BF16",
        rawDtype(spec.dtype)));
  if (spec.n <= 0 || spec.k <= 0 || spec.group_size <= 0 || spec.n >= kMaxDim ||
      spec.k >= kMaxDim)
    return makeError(llvm::formatv(
        "invalid shape n={0} k={1} group_size={2}: each must be in [1, 2^31)",
        spec.n, spec.k, spec.group_size));
  if (spec.k % spec.group_size != 0)
    return makeError(llvm::formatv(
        "invalid shape: group_size = {0} does not divide k = {1}",
        spec.group_size, spec.k));
  return llvm::Error::success();
}

std::string jit::linearKey(const awq_linear_spec &spec) {
  char buf[160];
  std::snprintf(buf, sizeof(buf),
                "awq.linear.v1:n=%lld,k=%lld,g=%lld,b=%d,%s,zeros=%d,bias=%d",
                static_cast<long long>(spec.n), static_cast<long long>(spec.k),
                static_cast<long long>(spec.group_size), spec.bits,
                dtypeName(spec.dtype), spec.has_zeros ? 1 : 0,
                spec.has_bias ? 1 : 0);
  return buf;
}

llvm::Expected<awq_linear_spec> jit::parseLinearKey(llvm::StringRef key) {
  auto bad = [&] {
    return makeError("malformed JIT key '" + key +
                     "' (expected e.g. "
                     "'awq.linear.v1:n=4096,k=4096,g=128,b=4,f16,zeros=1,"
                     "bias=0')");
  };
  llvm::StringRef rest = key;
  if (!rest.consume_front("awq.linear.v1:"))
    return bad();
  llvm::SmallVector<llvm::StringRef, 8> fields;
  rest.split(fields, ',');
  if (fields.size() != 7)
    return bad();
  awq_linear_spec spec{};
  auto number = [&](llvm::StringRef field, llvm::StringRef name,
                    int64_t &value) {
    return field.consume_front(name) && field.consume_front("=") &&
           !field.getAsInteger(10, value);
  };
  int64_t bits = 0, zeros = -1, bias = -1;
  if (!number(fields[0], "n", spec.n) || !number(fields[1], "k", spec.k) ||
      !number(fields[2], "g", spec.group_size) ||
      !number(fields[3], "b", bits) || !number(fields[5], "zeros", zeros) ||
      !number(fields[6], "bias", bias))
    return bad();
  if (fields[4] == "f16")
    spec.dtype = AWQ_DTYPE_F16;
  else if (fields[4] == "bf16")
    spec.dtype = AWQ_DTYPE_BF16;
  else
    return bad();
  if ((zeros != 0 && zeros != 1) || (bias != 0 && bias != 1) || bits < 0 ||
      bits > 64)
    return bad();
  spec.bits = static_cast<int>(bits);
  spec.has_zeros = static_cast<int>(zeros);
  spec.has_bias = static_cast<int>(bias);
  if (llvm::Error e = validateSpec(spec))
    return makeError("JIT key '" + key + "': " + llvm::toString(std::move(e)));
  // Exactly one spelling per spec (no leading zeros, signs, spaces).
  if (linearKey(spec) != key)
    return bad();
  return spec;
}

llvm::Expected<std::string> jit::codegenArch(int ccMajor, int ccMinor) {
  // sm_90a code (warpgroup MMA) runs only on compute capability 9.0.
  if (ccMajor == 9 && ccMinor == 0)
    return std::string("sm_90a");
  if (ccMajor >= 9)
    return std::string("sm_90");
  if (ccMajor == 8) {
    if (ccMinor >= 9)
      return std::string("sm_89");
    if (ccMinor >= 6)
      return std::string("sm_86");
    return std::string("sm_80");
  }
  return makeError(llvm::formatv(
      "unsupported GPU: compute capability {0}.{1}; the JIT generates "
      "kernels for sm_80 and newer (mma.sync bf16, cp.async)",
      ccMajor, ccMinor));
}

llvm::Expected<std::string> jit::codegenArch(llvm::StringRef deviceArch) {
  llvm::Expected<runtime::Arch> arch = runtime::parseArch(deviceArch);
  if (!arch)
    return arch.takeError();
  return codegenArch(static_cast<int>(arch->major),
                     static_cast<int>(arch->minor));
}

//===----------------------------------------------------------------------===//
// The compile callback
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Disk cache of JIT results: manifest + PTX per (compiler build, key, arch,
// shared memory), so that a specialisation compiled once by any process is
// loaded without code generation (issue 15: < 5 ms instead of ~140 ms).
//===----------------------------------------------------------------------===//

/// This build of the code generator: the file the JIT code was loaded from
/// (the shared library, or the executable that links it statically), with
/// its size and modification time. Any rebuild changes it, so cached PTX
/// never outlives the compiler that wrote it. Empty if unknown (no caching).
static const std::string &compilerIdentity() {
  static const std::string identity = [] {
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void *>(&jit::compileCallback), &info) ||
        !info.dli_fname)
      return std::string();
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(info.dli_fname, status))
      return std::string();
    return llvm::formatv("{0}|{1}|{2}", info.dli_fname, status.getSize(),
                         status.getLastModificationTime()
                             .time_since_epoch()
                             .count())
        .str();
  }();
  return identity;
}

/// The result cache's key (runtime::hashFields). The device's name is in
/// it because it picks the tuning table (two GPUs of one arch may differ).
static std::string resultCacheKey(llvm::StringRef key, llvm::StringRef arch,
                                  int64_t sharedBytes,
                                  llvm::StringRef device) {
  const std::string shared = std::to_string(sharedBytes);
  return runtime::hashFields(
      {"awq-jit-result-v2", compilerIdentity(), key, arch, shared, device});
}

/// Payload: manifest size (8 bytes), manifest, PTX.
static std::string packResult(llvm::StringRef manifest, llvm::StringRef ptx) {
  uint64_t size = manifest.size();
  std::string blob(reinterpret_cast<const char *>(&size), sizeof(size));
  return blob + manifest.str() + ptx.str();
}

static bool unpackResult(const std::vector<char> &blob, std::string &manifest,
                         std::string &ptx) {
  uint64_t size = 0;
  if (blob.size() < sizeof(size))
    return false;
  std::memcpy(&size, blob.data(), sizeof(size));
  if (size == 0 || size >= blob.size() - sizeof(size))
    return false;
  manifest.assign(blob.data() + sizeof(size), size);
  ptx.assign(blob.data() + sizeof(size) + size,
             blob.size() - sizeof(size) - size);
  return true;
}

static runtime::CubinCache resultCache() {
  return runtime::CubinCache(
      compilerIdentity().empty() ? std::string() : runtime::defaultCacheDir(),
      ".awqjit");
}

/// What the compile depends on of the device it is for.
struct DeviceFacts {
  /// Its opt-in shared memory per block, or 0 (the arch's maximum): the
  /// device's own limit, not the arch's, since PTX for sm_90 also runs on
  /// GPUs with less per block.
  int64_t sharedBytes = 0;
  /// Its name ("NVIDIA H100 80GB HBM3"), which picks the built-in tuning
  /// table; empty if unknown.
  std::string name;
};

/// The facts of the request's device; defaults without one.
static DeviceFacts deviceFacts(const CompileRequest *request) {
  DeviceFacts facts;
  if (!request)
    return facts;
  std::string error;
  awq::cuda::DriverFailure failure;
  const awq::cuda::DriverApi *drv = awq::cuda::getDriver(error, failure);
  if (!drv)
    return facts;
  int optin = 0;
  if (drv->cuDeviceGetAttribute(
          &optin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
          request->device) == CUDA_SUCCESS)
    facts.sharedBytes = optin;
  char name[256] = {};
  if (drv->cuDeviceGetName(name, sizeof(name), request->device) ==
      CUDA_SUCCESS)
    facts.name = name;
  return facts;
}

/// Points `result` at the manifest and PTX held by `out`.
static awq_status handOver(const CallbackResult &out, awq_jit_result &result) {
  result.manifest_json = out.manifest.data();
  result.manifest_size = out.manifest.size();
  result.ptx = out.ptx.data();
  result.ptx_size = out.ptx.size();
  return AWQ_SUCCESS;
}

static void recordCompile(double seconds, bool failed, bool counted) {
  Stats &s = stats();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (counted) {
    ++s.stats.compiles;
    s.stats.last_compile_seconds = seconds;
  }
  if (failed)
    ++s.stats.failures;
  s.stats.total_compile_seconds += seconds;
}

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

/// The PTX of every kernel of `kernels` but `first` (the deferred part).
static llvm::Expected<std::string>
lowerOthers(std::shared_ptr<mlir::awq::LinearKernels> kernels,
            std::string first) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> others;
  for (const std::string &kernel : kernels->kernels())
    if (kernel != first)
      others.push_back(kernel);
  llvm::Expected<std::string> ptx = kernels->lowerToPtx(others);
  recordCompile(secondsSince(start), !ptx, /*counted=*/false);
  return ptx;
}

/// lowerOthers on a thread of its own, starting now; where no thread can
/// be started, when finishResult asks for it (on the runtime's thread).
static std::future<llvm::Expected<std::string>>
lowerOthersSoon(std::shared_ptr<mlir::awq::LinearKernels> kernels,
                const std::string &first) {
  try {
    return std::async(std::launch::async, lowerOthers, kernels, first);
  } catch (const std::system_error &) {
    return std::async(std::launch::deferred, lowerOthers, kernels, first);
  }
}

/// awq_jit_result::finish of a result with a first variant: waits for the
/// other kernels' PTX and stores the whole result in the disk cache.
static awq_status finishResult(void *data, awq_jit_result *rest) {
  auto &out = *static_cast<CallbackResult *>(data);
  llvm::Expected<std::string> ptx = out.rest.get();
  if (!ptx) {
    out.error = "code generation of the deferred kernels failed: " +
                llvm::toString(ptx.takeError());
    rest->error_message = out.error.c_str();
    return AWQ_ERROR_JIT;
  }
  out.restPtx = std::move(*ptx);
  rest->ptx = out.restPtx.data();
  rest->ptx_size = out.restPtx.size();
  llvm::consumeError(resultCache().store(
      out.cacheKey, packResult(out.manifest, out.ptx + out.restPtx)));
  return AWQ_SUCCESS;
}

/// The kernel to lower first for `request`, or "" to lower all at once.
static std::string firstKernel(const mlir::awq::LinearKernels &kernels,
                               const CompileRequest *request) {
  if (!request || request->firstRows <= 0 || kernels.kernels().size() < 2)
    return "";
  return kernels.kernelForRows(request->firstRows).str();
}

static mlir::awq::LinearShape linearShape(const awq_linear_spec &spec) {
  mlir::awq::LinearShape shape;
  shape.n = spec.n;
  shape.k = spec.k;
  shape.groupSize = spec.group_size;
  shape.bf16 = spec.dtype == AWQ_DTYPE_BF16;
  shape.hasZeros = spec.has_zeros != 0;
  shape.hasBias = spec.has_bias != 0;
  return shape;
}

/// Generates the kernels of `shape` and lowers the one `request` needs
/// first (`first`; empty if all were lowered).
static llvm::Expected<std::string>
generateAndLowerFirst(const mlir::awq::LinearShape &shape,
                      const std::string &target, const DeviceFacts &device,
                      const CompileRequest *request,
                      std::shared_ptr<mlir::awq::LinearKernels> &kernels,
                      std::string &first) {
  llvm::Expected<std::unique_ptr<mlir::awq::LinearKernels>> generated =
      mlir::awq::LinearKernels::generate(shape, target, "jit." + shape.tag(),
                                         device.sharedBytes, device.name);
  if (!generated)
    return generated.takeError();
  kernels = std::move(*generated);
  first = firstKernel(*kernels, request);
  return first.empty() ? kernels->lowerToPtx() : kernels->lowerToPtx({first});
}

/// Counts a disk hit and hands the cached result over, if there is one.
static bool handOverCached(const std::string &cacheKey, CallbackResult &out,
                           awq_jit_result &result) {
  std::optional<std::vector<char>> blob = resultCache().lookup(cacheKey);
  if (!blob || !unpackResult(*blob, out.manifest, out.ptx))
    return false;
  {
    Stats &s = stats();
    std::lock_guard<std::mutex> lock(s.mutex);
    ++s.stats.disk_hits;
  }
  handOver(out, result);
  return true;
}

awq_status jit::compileCallback(void *userData, const char *key,
                                const char *arch, awq_jit_result *result) {
  if (!key || !arch || !result)
    return AWQ_ERROR_INVALID_ARGUMENT;
  auto *out = new CallbackResult();
  result->release = releaseResult;
  result->release_data = out;
  auto failWith = [&](awq_status status, llvm::Error error) {
    out->error = llvm::toString(std::move(error));
    result->error_message = out->error.c_str();
    return status;
  };
  llvm::Expected<awq_linear_spec> spec = parseLinearKey(key);
  if (!spec)
    return failWith(AWQ_ERROR_INVALID_ARGUMENT, spec.takeError());
  llvm::Expected<std::string> target = codegenArch(arch);
  if (!target)
    return failWith(AWQ_ERROR_UNSUPPORTED_ARCH, target.takeError());
  const mlir::awq::LinearShape shape = linearShape(*spec);
  const auto *request = static_cast<const CompileRequest *>(userData);
  const DeviceFacts device = deviceFacts(request);
  const std::string cacheKey =
      resultCacheKey(key, *target, device.sharedBytes, device.name);
  if (handOverCached(cacheKey, *out, *result))
    return AWQ_SUCCESS;

  auto start = std::chrono::steady_clock::now();
  std::shared_ptr<mlir::awq::LinearKernels> kernels;
  std::string first;
  llvm::Expected<std::string> ptx = generateAndLowerFirst(
      shape, *target, device, request, kernels, first);
  recordCompile(secondsSince(start), !ptx, /*counted=*/true);
  if (!ptx)
    return failWith(
        AWQ_ERROR_JIT,
        makeError(llvm::formatv("code generation for {0} on {1} failed: {2}",
                                shape.tag(), *target,
                                llvm::toString(ptx.takeError()))
                      .str()));
  out->manifest = kernels->manifestJson();
  out->ptx = std::move(*ptx);
  if (!first.empty()) {
    // The others lower while the runtime loads the first.
    out->cacheKey = cacheKey;
    out->rest = lowerOthersSoon(kernels, first);
    result->finish = finishResult;
    return handOver(*out, *result);
  }
  // A cache that cannot be written costs the next process a compile, no
  // more: the error is dropped.
  llvm::consumeError(
      resultCache().store(cacheKey, packResult(out->manifest, out->ptx)));
  return handOver(*out, *result);
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

extern "C" {

/// awq_jit_linear and awq_jit_linear_for_rows; `function` names the caller
/// in messages.
static awq_status jitLinear(awq_context ctx, const awq_linear_spec *spec,
                            int64_t firstRows, awq_layer *out,
                            const char *function) {
  if (!ctx || !spec || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                std::string(function) + ": null argument");
  *out = nullptr;
  if (llvm::Error e = validateSpec(*spec))
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                std::string(function) + ": " + llvm::toString(std::move(e)));
  awq_device_info device;
  if (awq_status s = awq_context_get_device_info(ctx, &device);
      s != AWQ_SUCCESS)
    return fail(s, awq_last_error_message());
  if (llvm::Expected<std::string> arch =
          codegenArch(device.cc_major, device.cc_minor);
      !arch)
    return fail(AWQ_ERROR_UNSUPPORTED_ARCH,
                std::string(function) + ": " + device.name + ": " +
                    llvm::toString(arch.takeError()));
  // The callback caps tiles at this device's shared memory (queried only
  // when it compiles, off the cache-hit path).
  std::string key = linearKey(*spec);
  CompileRequest request{device.device, firstRows};
  awq_status status =
      awq_jit_get_layer(ctx, key.c_str(), compileCallback, &request, out);
  if (status != AWQ_SUCCESS)
    return fail(status, awq_last_error_message());
  return AWQ_SUCCESS;
}

awq_status awq_jit_linear(awq_context ctx, const awq_linear_spec *spec,
                          awq_layer *out) {
  return jitLinear(ctx, spec, 0, out, "awq_jit_linear");
}

awq_status awq_jit_linear_for_rows(awq_context ctx,
                                   const awq_linear_spec *spec, int64_t rows,
                                   awq_layer *out) {
  if (rows < 1 || rows >= kMaxDim)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                llvm::formatv("awq_jit_linear_for_rows: rows = {0} is not in "
                              "[1, 2^31)",
                              rows));
  return jitLinear(ctx, spec, rows, out, "awq_jit_linear_for_rows");
}

awq_status awq_jit_linear_key(const awq_linear_spec *spec, char *buf,
                              size_t size, size_t *length) {
  if (!spec || (!buf && size))
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_jit_linear_key: null argument");
  if (llvm::Error e = validateSpec(*spec))
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_jit_linear_key: " + llvm::toString(std::move(e)));
  std::string key = linearKey(*spec);
  if (size) {
    size_t n = std::min(size - 1, key.size());
    std::memcpy(buf, key.data(), n);
    buf[n] = '\0';
  }
  if (length)
    *length = key.size();
  return AWQ_SUCCESS;
}

awq_status awq_jit_get_stats(awq_jit_stats *out) {
  if (!out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT, "awq_jit_get_stats: null argument");
  Stats &s = stats();
  std::lock_guard<std::mutex> lock(s.mutex);
  *out = s.stats;
  return AWQ_SUCCESS;
}

const char *awq_jit_last_error_message(void) { return lastError.c_str(); }

awq_status awq_repack_autoawq(int64_t n, int64_t k, int64_t groupSize,
                              awq_dtype dtype, const int32_t *qweight,
                              const int32_t *qzeros, const uint16_t *scales,
                              int32_t *outQweight, uint16_t *outScales,
                              uint16_t *outZeros) {
  if (!qweight || !qzeros || !scales || !outQweight || !outScales || !outZeros)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_repack_autoawq: null argument");
  if (!isValidDtype(dtype))
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                llvm::formatv("awq_repack_autoawq: unsupported dtype {0}",
                              rawDtype(dtype)));
  if (n <= 0 || k <= 0 || groupSize <= 0 || n >= kMaxDim || k >= kMaxDim ||
      n % 8 != 0 || k % 32 != 0 || k % groupSize != 0)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                llvm::formatv("awq_repack_autoawq: invalid shape n={0} k={1} "
                              "group_size={2} (n must be a multiple of 8, k "
                              "of 32 and of group_size)",
                              n, k, groupSize));
  int64_t cols = n / 8, groups = k / groupSize;
  AwqGemmWeights in;
  in.n = n;
  in.k = k;
  in.groupSize = groupSize;
  in.qweight.assign(qweight, qweight + k * cols);
  in.qzeros.assign(qzeros, qzeros + groups * cols);
  in.scales.assign(scales, scales + groups * n);
  llvm::Expected<QuantizedWeight> canonical = unpackAwqGemm(in);
  if (!canonical)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_repack_autoawq: " +
                    llvm::toString(canonical.takeError()));
  llvm::Expected<KernelWeights> packed = packKernelLayout(
      *canonical, dtype == AWQ_DTYPE_BF16 ? DType::BF16 : DType::F16);
  if (!packed)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_repack_autoawq: " + llvm::toString(packed.takeError()));
  std::memcpy(outQweight, packed->qweight.data(), packed->qweight.size() * 4);
  std::memcpy(outScales, packed->scales.data(), packed->scales.size() * 2);
  std::memcpy(outZeros, packed->zeros.data(), packed->zeros.size() * 2);
  return AWQ_SUCCESS;
}

} // extern "C"
