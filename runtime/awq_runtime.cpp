//===- awq_runtime.cpp - C API of the awq kernel runtime ------------------===//
//
// Loading: manifest.json -> validated Manifest (Manifest.cpp) -> PTX for the
// device's arch -> cubin (CubinCache, else the driver's JIT linker) ->
// CUmodule -> one CUfunction per variant, with shared-memory limits raised
// once. Launching: pick the variant for M, pack the parameters into a stack
// array, cuLaunchKernel. See docs/runtime.md.
//
//===----------------------------------------------------------------------===//

#include "runtime/awq_runtime.h"

#include "runtime/CubinCache.h"
#include "runtime/CudaDriver.h"
#include "runtime/Manifest.h"
#include "runtime/OnceCache.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace awq;
using namespace awq::runtime;
using awq::cuda::DriverApi;
using awq::cuda::ScopedContext;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

namespace {
/// The message of the last failed call on this thread.
thread_local std::string lastError;

awq_status fail(awq_status status, const llvm::Twine &message) {
  lastError = message.str();
  return status;
}

/// An llvm::Error carrying the awq_status it should map to.
class StatusError : public llvm::ErrorInfo<StatusError> {
public:
  static char ID;
  StatusError(awq_status status, std::string message)
      : status(status), message(std::move(message)) {}
  void log(llvm::raw_ostream &os) const override { os << message; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  awq_status status;
  std::string message;
};
char StatusError::ID;

llvm::Error statusError(awq_status status, const llvm::Twine &message) {
  return llvm::make_error<StatusError>(status, message.str());
}

/// The status `error` carries (`fallback` if none) and its message.
awq_status takeStatus(llvm::Error error, awq_status fallback,
                      std::string &message) {
  awq_status status = fallback;
  llvm::handleAllErrors(
      std::move(error),
      [&](const StatusError &e) {
        status = e.status;
        message = e.message;
      },
      [&](const llvm::ErrorInfoBase &e) { message = e.message(); });
  return status;
}

/// Reports `error` through the thread-local message; errors without a status
/// map to `fallback`.
awq_status fail(llvm::Error error, awq_status fallback) {
  std::string message;
  awq_status status = takeStatus(std::move(error), fallback, message);
  return fail(status, message);
}

llvm::Error cudaError(const DriverApi &drv, CUresult result,
                      const llvm::Twine &what) {
  return statusError(AWQ_ERROR_CUDA,
                     what + ": " + cuda::describe(drv, result));
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

/// Tag of the JIT options below, part of the cubin cache key.
constexpr const char *kJitOptionsTag = "cuLink:O4";
} // namespace

//===----------------------------------------------------------------------===//
// Objects behind the handles
//===----------------------------------------------------------------------===//

namespace {
/// The CUmodules of one PTX text (one per PTX module in it), unloaded (in
/// their context) on destruction.
struct LoadedModule {
  const DriverApi *drv = nullptr;
  CUcontext ctx = nullptr;
  std::vector<CUmodule> modules;
  /// The module of each `.entry`: asking every module for a kernel would
  /// make the driver report (and compute-sanitizer count) a failed lookup
  /// per module without it.
  llvm::StringMap<CUmodule> moduleOfEntry;
  /// The entries that wait for the previous kernel (griddepcontrol.wait).
  llvm::StringSet<> entriesThatWait;
  ~LoadedModule() {
    if (modules.empty())
      return;
    ScopedContext scope(*drv, ctx);
    for (CUmodule module : modules)
      if (module)
        drv->cuModuleUnload(module);
  }
};
} // namespace

/// Tensor-core variants of at most this many rows per tile take a
/// programmatic launch.
constexpr int64_t kProgrammaticLaunchMaxRows = 16;

namespace {
/// One variant's kernel, resolved in its module.
struct BoundKernel {
  CUfunction function = nullptr;
  /// Launched programmatically when the context asks for it.
  bool programmatic = false;
};

/// The kernels of a JIT layer that its compile callback deferred
/// (awq_jit_result::finish): compiled, loaded and bound on a thread of
/// their own while the layer already serves the other variants.
struct DeferredKernels {
  std::thread thread;
  std::mutex mutex;
  std::condition_variable finished;
  /// Set (under `mutex`, after status/error) when the thread is done;
  /// the launch path checks it without the lock.
  std::atomic<bool> ready{false};
  awq_status status = AWQ_SUCCESS;
  std::string error;
};
} // namespace

struct awq_layer_st {
  awq_context ctx = nullptr;
  const LayerSpec *spec = nullptr;
  /// One kernel per variant, in spec->variants order. Those not bound when
  /// the layer was created (`boundAtLoad` false) are written once by the
  /// deferred thread and read only after deferred->ready.
  std::vector<BoundKernel> kernels;
  std::vector<bool> boundAtLoad;
  const awq_load_info *loadInfo = nullptr;
  /// Owned by the JIT entry; null unless some kernels were deferred.
  DeferredKernels *deferred = nullptr;
};

struct awq_artifact_st {
  awq_context ctx = nullptr;
  Manifest manifest;
  std::unique_ptr<LoadedModule> module;
  std::vector<std::unique_ptr<awq_layer_st>> layers;
  llvm::StringMap<size_t> byName;
  awq_load_info info{};
};

namespace {
/// Everything one JIT specialisation owns.
struct JitEntry {
  Manifest manifest;
  std::unique_ptr<LoadedModule> module;
  std::unique_ptr<awq_layer_st> layer;
  awq_load_info info{};
  /// The deferred kernels' module and thread (null if none were deferred).
  std::unique_ptr<LoadedModule> deferredModule;
  awq_load_info deferredInfo{};
  std::unique_ptr<DeferredKernels> deferred;
  ~JitEntry() {
    // The thread writes into this entry: it finishes before anything here
    // is unloaded or freed.
    if (deferred && deferred->thread.joinable())
      deferred->thread.join();
  }
};
} // namespace

struct awq_context_st {
  const DriverApi *drv = nullptr;
  CUdevice device = 0;
  CUcontext ctx = nullptr;
  awq_device_info info{};
  /// "sm_90": the device arch, for the cache key and JIT callbacks.
  std::string arch;
  int maxSharedOptin = 0;
  /// awq_context_set_programmatic_launch.
  std::atomic<bool> programmaticLaunch{false};
  std::unique_ptr<CubinCache> cache;
  OnceCache<JitEntry> jit;
};

//===----------------------------------------------------------------------===//
// Module loading
//===----------------------------------------------------------------------===//

/// PTX -> SASS through the driver's JIT linker. cuModuleLoadDataEx would
/// compile as well but keeps the binary to itself; the linker hands back the
/// cubin, which is what the on-disk cache stores.
static llvm::Expected<std::vector<char>>
compilePtx(awq_context ctx, const std::string &ptx, StringRef ptxName) {
  const DriverApi &drv = *ctx->drv;
  char errorLog[8192] = {0};
  char infoLog[4096] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_INFO_LOG_BUFFER,
                            CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {errorLog, reinterpret_cast<void *>(sizeof(errorLog)),
                    infoLog, reinterpret_cast<void *>(sizeof(infoLog)),
                    reinterpret_cast<void *>(static_cast<uintptr_t>(4))};
  CUlinkState link;
  CUresult result = drv.cuLinkCreate(5, options, values, &link);
  if (result != CUDA_SUCCESS)
    return cudaError(drv, result, "cuLinkCreate");
  std::string name = ptxName.str();
  // The driver wants the PTX NUL-terminated, with the size counting the NUL.
  result = drv.cuLinkAddData(link, CU_JIT_INPUT_PTX,
                             const_cast<char *>(ptx.c_str()), ptx.size() + 1,
                             name.c_str(), 0, nullptr, nullptr);
  void *cubin = nullptr;
  size_t cubinSize = 0;
  if (result == CUDA_SUCCESS)
    result = drv.cuLinkComplete(link, &cubin, &cubinSize);
  if (result != CUDA_SUCCESS) {
    drv.cuLinkDestroy(link);
    return cudaError(drv, result,
                     ptxName + ": PTX -> SASS failed" +
                         (errorLog[0] ? llvm::Twine(":\n") + errorLog
                                      : llvm::Twine("")));
  }
  std::vector<char> out(static_cast<char *>(cubin),
                        static_cast<char *>(cubin) + cubinSize);
  drv.cuLinkDestroy(link);
  return out;
}

/// Loads the PTX modules of `ptx` through the cubin cache. Modules the
/// cache lacks are compiled to SASS concurrently, one thread each: the
/// driver compiles one module on one thread, and the JIT hands over one
/// module per kernel so that a new specialisation compiles in the time of
/// its largest kernel. The caller has made ctx current.
static llvm::Expected<std::unique_ptr<LoadedModule>>
loadModule(awq_context ctx, const std::string &ptx, StringRef ptxName,
           awq_load_info &info) {
  const DriverApi &drv = *ctx->drv;
  auto module = std::make_unique<LoadedModule>();
  module->drv = &drv;
  module->ctx = ctx->ctx;
  llvm::SmallVector<StringRef> parts = splitPtxModules(ptx);
  std::vector<std::string> keys;
  std::vector<std::optional<std::vector<char>>> cubins(parts.size());
  llvm::SmallVector<size_t> misses;
  for (auto [i, part] : llvm::enumerate(parts)) {
    keys.push_back(cubinCacheKey(part.str(), ctx->arch,
                                 ctx->info.driver_version, kJitOptionsTag));
    cubins[i] = ctx->cache->lookup(keys.back());
    if (!cubins[i])
      misses.push_back(i);
  }
  info.cubin_cache_hit = misses.empty() ? 1 : 0;

  auto start = std::chrono::steady_clock::now();
  std::vector<std::optional<llvm::Expected<std::vector<char>>>> compiled(
      parts.size());
  auto compile = [&](size_t i) {
    ScopedContext scope(drv, ctx->ctx);
    std::string name = ptxName.str();
    if (parts.size() > 1)
      name += " (module " + std::to_string(i + 1) + " of " +
              std::to_string(parts.size()) + ")";
    compiled[i].emplace(compilePtx(ctx, parts[i].str(), name));
  };
  // The helper threads live only for their compile: they need not follow a
  // CUDA graph that another thread captures in global mode (a JIT entry's
  // deferred kernels load while the caller may capture, runDeferred).
  auto compileRelaxed = [&](size_t i) {
    CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_RELAXED;
    drv.cuThreadExchangeStreamCaptureMode(&mode);
    compile(i);
  };
  if (misses.size() == 1) {
    compile(misses.front());
  } else if (!misses.empty()) {
    std::vector<std::thread> threads;
    for (size_t i : misses)
      threads.emplace_back(compileRelaxed, i);
    for (std::thread &thread : threads)
      thread.join();
  }
  if (!misses.empty())
    info.jit_seconds = secondsSince(start);
  // Every failed module's error is reported (and consumed), not only the
  // first.
  llvm::Error failures = llvm::Error::success();
  for (size_t i : misses) {
    if (!*compiled[i])
      failures = llvm::joinErrors(std::move(failures),
                                  compiled[i]->takeError());
    else
      cubins[i] = std::move(**compiled[i]);
  }
  if (failures)
    return std::move(failures);

  for (auto [i, cubin] : llvm::enumerate(cubins)) {
    CUmodule loaded = nullptr;
    CUresult result = drv.cuModuleLoadData(&loaded, cubin->data());
    if (result != CUDA_SUCCESS && !llvm::is_contained(misses, i)) {
      // A cached cubin the driver rejects (e.g. written by a different
      // driver build with the same version number) is replaced by a fresh
      // one.
      ctx->cache->remove(keys[i]);
      llvm::Expected<std::vector<char>> fresh =
          compilePtx(ctx, parts[i].str(), ptxName);
      if (!fresh)
        return fresh.takeError();
      *cubin = std::move(*fresh);
      info.cubin_cache_hit = 0;
      misses.push_back(i);
      result = drv.cuModuleLoadData(&loaded, cubin->data());
    }
    if (result != CUDA_SUCCESS)
      return cudaError(drv, result, ptxName + ": cuModuleLoadData");
    module->modules.push_back(loaded);
    for (const auto &entry : scanPtxEntries(parts[i]))
      module->moduleOfEntry.try_emplace(entry.getKey(), loaded);
    for (const auto &entry : scanEntriesWaitingForPrerequisiteGrids(parts[i]))
      module->entriesThatWait.insert(entry.getKey());
  }
  // A cache that cannot be written costs the next process a JIT, nothing
  // more; the load itself succeeded.
  for (size_t i : misses)
    llvm::consumeError(ctx->cache->store(
        keys[i], StringRef(cubins[i]->data(), cubins[i]->size())));
  return module;
}

/// Checks `function`'s block and shared memory against `variant` and the
/// device, and raises its shared memory limits where `variant` needs it.
static llvm::Error applyLaunchLimits(awq_context ctx, CUfunction function,
                                     const VariantSpec &variant,
                                     const std::string &where) {
  const DriverApi &drv = *ctx->drv;
  int maxThreads = 0, staticShared = 0;
  drv.cuFuncGetAttribute(&maxThreads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                         function);
  drv.cuFuncGetAttribute(&staticShared, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
                         function);
  uint64_t threads =
      uint64_t(variant.block[0]) * variant.block[1] * variant.block[2];
  if (maxThreads > 0 && threads > static_cast<uint64_t>(maxThreads))
    return statusError(
        AWQ_ERROR_INVALID_ARTIFACT,
        llvm::formatv("{0}: block of {1} threads exceeds the kernel's "
                      "limit of {2}",
                      where, threads, maxThreads));
  if (variant.sharedBytes + static_cast<uint64_t>(staticShared) >
      static_cast<uint64_t>(ctx->maxSharedOptin))
    return statusError(
        AWQ_ERROR_INVALID_ARTIFACT,
        llvm::formatv("{0}: shared_bytes {1} (+{2} static) exceeds the "
                      "device's {3} bytes per block",
                      where, variant.sharedBytes, staticShared,
                      ctx->maxSharedOptin));
  // Above 48 KiB of shared memory in all (dynamic + static) a kernel must
  // opt in, once.
  CUresult result;
  if (variant.sharedBytes > 0 &&
      variant.sharedBytes + static_cast<uint64_t>(staticShared) > 48 * 1024) {
    result = drv.cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
        static_cast<int>(variant.sharedBytes));
    if (result != CUDA_SUCCESS)
      return cudaError(drv, result,
                       where + ": setting MAX_DYNAMIC_SHARED_SIZE_BYTES");
  }
  // Kernels that stage tiles in shared memory get the largest carveout so
  // that several blocks fit on an SM (the driver's default kept one).
  // GEMV kernels keep the L1 that their activation loads hit.
  if (variant.sharedBytes + static_cast<uint64_t>(staticShared) >
      16 * 1024) {
    result = drv.cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT,
        CU_SHAREDMEM_CARVEOUT_MAX_SHARED);
    if (result != CUDA_SUCCESS)
      return cudaError(drv, result,
                       where + ": setting the shared memory carveout");
  }
  return llvm::Error::success();
}

/// Resolves `variant`'s kernel in `module` and applies its launch
/// attributes. The caller has made ctx current.
static llvm::Expected<BoundKernel>
bindVariant(awq_context ctx, const LoadedModule &module,
            const VariantSpec &variant, StringRef layerName,
            StringRef ptxName) {
  const DriverApi &drv = *ctx->drv;
  // Only kernels that wait for the previous one before they touch x and
  // y (sm_90+ code from this compiler; older artifacts have none), and
  // of those the tensor-core variants of up to 16 rows: on the H100 in a
  // CUDA graph it saved up to 1.1 us there, while it cost the GEMV up to
  // 0.4 us (4096^2, M = 1) and the 32-row stream kernel 2.4-7.7 us
  // (docs/perf.md). A plain launch is always correct.
  BoundKernel bound;
  bound.programmatic = module.entriesThatWait.contains(variant.kernel) &&
                       variant.family == "gemm" &&
                       variant.mTile <= kProgrammaticLaunchMaxRows;
  std::string where = ptxName.str() + ": layer '" + layerName.str() +
                      "': kernel '" + variant.kernel + "'";
  auto owner = module.moduleOfEntry.find(variant.kernel);
  CUresult result = owner == module.moduleOfEntry.end()
                        ? CUDA_ERROR_NOT_FOUND
                        : drv.cuModuleGetFunction(&bound.function, owner->second,
                                                  variant.kernel.c_str());
  if (result == CUDA_ERROR_NOT_FOUND)
    return statusError(AWQ_ERROR_INVALID_ARTIFACT,
                       where + " is not in the module");
  if (result != CUDA_SUCCESS)
    return cudaError(drv, result, where + ": cuModuleGetFunction");

  if (llvm::Error e = applyLaunchLimits(ctx, bound.function, variant, where))
    return std::move(e);
  return bound;
}

/// Resolves the kernels of `spec` in `module` (skipping those it lacks if
/// `deferred` is set: they come later, loadDeferredKernels) and applies
/// their launch attributes. The caller has made ctx current.
static llvm::Expected<std::unique_ptr<awq_layer_st>>
bindLayer(awq_context ctx, const LoadedModule &module, const LayerSpec &spec,
          StringRef ptxName, const awq_load_info *info,
          DeferredKernels *deferred = nullptr) {
  auto layer = std::make_unique<awq_layer_st>();
  layer->ctx = ctx;
  layer->spec = &spec;
  layer->loadInfo = info;
  layer->deferred = deferred;
  for (const VariantSpec &variant : spec.variants) {
    if (deferred && !module.moduleOfEntry.contains(variant.kernel)) {
      layer->kernels.emplace_back();
      layer->boundAtLoad.push_back(false);
      continue;
    }
    llvm::Expected<BoundKernel> bound =
        bindVariant(ctx, module, variant, spec.name, ptxName);
    if (!bound)
      return bound.takeError();
    layer->kernels.push_back(*bound);
    layer->boundAtLoad.push_back(true);
  }
  return layer;
}

static llvm::Expected<std::string> readFile(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return statusError(AWQ_ERROR_IO, "cannot read " + path + ": " +
                                         buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

//===----------------------------------------------------------------------===//
// JIT specialisations
//===----------------------------------------------------------------------===//

/// The JIT entry of `manifestText` and `ptx` (the kernels of every variant,
/// or of some if `deferring`: the others come from awq_jit_result::finish).
static llvm::Expected<std::unique_ptr<JitEntry>>
loadJitEntry(awq_context ctx, const std::string &source,
             const std::string &manifestText, const std::string &ptx,
             bool deferring) {
  auto entry = std::make_unique<JitEntry>();
  llvm::Expected<Manifest> manifest =
      parseManifest(manifestText, source + " manifest", /*requirePtx=*/false);
  if (!manifest)
    return statusError(AWQ_ERROR_INVALID_ARTIFACT,
                       llvm::toString(manifest.takeError()));
  if (manifest->layers.size() != 1)
    return statusError(AWQ_ERROR_INVALID_ARTIFACT,
                       llvm::formatv("{0} manifest: expected exactly one "
                                     "layer, got {1}",
                                     source, manifest->layers.size()));
  // A JIT result is compiled for this device: one list, no per-arch ones.
  if (!manifest->layers[0].archVariants.empty())
    return statusError(AWQ_ERROR_JIT,
                       source + " manifest: layers[0] has arch_variants; "
                                "a JIT result hands over the variants of "
                                "this device only");
  entry->manifest = std::move(*manifest);
  std::string ptxName = source + " PTX";
  if (llvm::Error e = checkKernelsInPtx(entry->manifest, ptx, ptxName,
                                        /*requireAll=*/!deferring))
    return statusError(AWQ_ERROR_INVALID_ARTIFACT,
                       llvm::toString(std::move(e)));
  std::snprintf(entry->info.ptx_arch, sizeof(entry->info.ptx_arch), "%s",
                ctx->arch.c_str());
  if (deferring)
    entry->deferred = std::make_unique<DeferredKernels>();
  ScopedContext scope(*ctx->drv, ctx->ctx);
  llvm::Expected<std::unique_ptr<LoadedModule>> module =
      loadModule(ctx, ptx, ptxName, entry->info);
  if (!module)
    return module.takeError();
  entry->module = std::move(*module);
  llvm::Expected<std::unique_ptr<awq_layer_st>> layer =
      bindLayer(ctx, *entry->module, entry->manifest.layers[0], ptxName,
                &entry->info, entry->deferred.get());
  if (!layer)
    return layer.takeError();
  entry->layer = std::move(*layer);
  return entry;
}

/// Loads the deferred kernels' PTX and binds the variants that lacked
/// their kernel. Runs on the entry's deferred thread.
static llvm::Error loadDeferredKernels(awq_context ctx, JitEntry &entry,
                                       const std::string &ptx,
                                       const std::string &ptxName) {
  if (ptx.empty())
    return statusError(AWQ_ERROR_JIT, ptxName + ": finish returned no PTX");
  if (llvm::Error e = checkKernelsInPtx(entry.manifest, ptx, ptxName,
                                        /*requireAll=*/false))
    return statusError(AWQ_ERROR_INVALID_ARTIFACT,
                       llvm::toString(std::move(e)));
  ScopedContext scope(*ctx->drv, ctx->ctx);
  llvm::Expected<std::unique_ptr<LoadedModule>> module =
      loadModule(ctx, ptx, ptxName, entry.deferredInfo);
  if (!module)
    return module.takeError();
  entry.deferredModule = std::move(*module);
  awq_layer_st &layer = *entry.layer;
  const LayerSpec &spec = *layer.spec;
  for (size_t i = 0; i < spec.variants.size(); ++i) {
    if (layer.boundAtLoad[i])
      continue;
    llvm::Expected<BoundKernel> bound = bindVariant(
        ctx, *entry.deferredModule, spec.variants[i], spec.name, ptxName);
    if (!bound)
      return bound.takeError();
    layer.kernels[i] = *bound;
  }
  return llvm::Error::success();
}

/// `what` failed in a compile callback with `status` (and `message`).
static llvm::Error callbackFailure(const std::string &what, awq_status status,
                                   const std::string &message) {
  return statusError(AWQ_ERROR_JIT,
                     what + " failed with " + awq_status_name(status) +
                         (message.empty() ? "" : ": " + message));
}

/// Records the deferred thread's outcome and wakes the launches waiting
/// for it.
static void publishDeferred(DeferredKernels &deferred, llvm::Error error) {
  {
    std::lock_guard<std::mutex> lock(deferred.mutex);
    if (error)
      deferred.status = takeStatus(std::move(error), AWQ_ERROR_JIT,
                                   deferred.error);
    deferred.ready.store(true, std::memory_order_release);
  }
  deferred.finished.notify_all();
}

/// The deferred thread: asks the callback for the other kernels' PTX,
/// releases its result, loads and binds them.
static void runDeferred(awq_context ctx, JitEntry *entry,
                        awq_jit_result result, std::string source) {
  // Loading modules here must not invalidate a CUDA graph that another
  // thread captures meanwhile in global mode (PyTorch's default).
  // (Exchanged back at the end: startDeferred may run this on the
  // caller's thread.)
  CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_RELAXED;
  ctx->drv->cuThreadExchangeStreamCaptureMode(&mode);
  awq_jit_result rest{};
  awq_status status = result.finish(result.release_data, &rest);
  std::string message = rest.error_message ? rest.error_message : "";
  std::string ptx = rest.ptx ? std::string(rest.ptx, rest.ptx_size) : "";
  if (result.release)
    result.release(result.release_data);
  llvm::Error error =
      status != AWQ_SUCCESS
          ? callbackFailure(source + ": compiling the deferred kernels",
                            status, message)
          : loadDeferredKernels(ctx, *entry, ptx,
                                source + " PTX (deferred kernels)");
  publishDeferred(*entry->deferred, std::move(error));
  ctx->drv->cuThreadExchangeStreamCaptureMode(&mode);
}

/// The deferred threads still running in this process: exit waits for
/// them (they use LLVM's and the driver's static state, which exit tears
/// down), also where a context is never destroyed.
struct LiveDeferredThreads {
  std::mutex mutex;
  std::condition_variable idle;
  int running = 0;
  bool waitAtExit = false;
};
static LiveDeferredThreads &liveDeferredThreads() {
  // Never destroyed: the exit handler below runs among static destructors.
  static auto *live = new LiveDeferredThreads;
  return *live;
}
static void waitForDeferredThreads() {
  LiveDeferredThreads &live = liveDeferredThreads();
  std::unique_lock<std::mutex> lock(live.mutex);
  live.idle.wait(lock, [&] { return live.running == 0; });
}

/// runDeferred, counted in liveDeferredThreads.
static void runCountedDeferred(awq_context ctx, JitEntry *entry,
                               awq_jit_result result, std::string source) {
  runDeferred(ctx, entry, result, std::move(source));
  LiveDeferredThreads &live = liveDeferredThreads();
  {
    std::lock_guard<std::mutex> lock(live.mutex);
    --live.running;
  }
  live.idle.notify_all();
}

/// Runs runDeferred on the entry's thread; where no thread can be started,
/// on this one (the layer then returns with every kernel loaded).
static void startDeferred(awq_context ctx, JitEntry *entry,
                          const awq_jit_result &result,
                          const std::string &source) {
  LiveDeferredThreads &live = liveDeferredThreads();
  {
    std::lock_guard<std::mutex> lock(live.mutex);
    // Registered after LLVM's and the driver's static state exists, so it
    // runs before their destructors.
    if (!live.waitAtExit)
      live.waitAtExit = std::atexit(waitForDeferredThreads) == 0;
    ++live.running;
  }
  try {
    entry->deferred->thread =
        std::thread(runCountedDeferred, ctx, entry, result, source);
  } catch (const std::system_error &) {
    runCountedDeferred(ctx, entry, result, source);
  }
}

/// Calls `compile` for `key` and loads what it hands back; kernels it
/// defers are loaded on the entry's thread (runDeferred).
static llvm::Expected<std::unique_ptr<JitEntry>>
buildJitEntry(awq_context ctx, const char *key, awq_jit_compile_fn compile,
              void *userData, const std::string &source) {
  auto start = std::chrono::steady_clock::now();
  awq_jit_result result{};
  awq_status status = compile(userData, key, ctx->arch.c_str(), &result);
  // Copy whatever came back; the callback frees it now, or after `finish`.
  std::string message = result.error_message ? result.error_message : "";
  std::string manifestText =
      result.manifest_json
          ? std::string(result.manifest_json, result.manifest_size)
          : std::string();
  std::string ptx =
      result.ptx ? std::string(result.ptx, result.ptx_size) : std::string();
  bool deferring = status == AWQ_SUCCESS && result.finish;
  auto release = [&] {
    if (result.release)
      result.release(result.release_data);
  };
  if (!deferring)
    release();
  llvm::Expected<std::unique_ptr<JitEntry>> entry =
      status != AWQ_SUCCESS
          ? callbackFailure(source + ": compile callback", status, message)
      : manifestText.empty() || ptx.empty()
          ? statusError(AWQ_ERROR_JIT,
                        source + ": compile callback returned no " +
                            (manifestText.empty() ? "manifest" : "PTX"))
          : loadJitEntry(ctx, source, manifestText, ptx, deferring);
  if (!entry) {
    if (deferring)
      release();
    return entry.takeError();
  }
  (*entry)->info.load_seconds = secondsSince(start);
  if (deferring)
    startDeferred(ctx, entry->get(), result, source);
  return std::move(*entry);
}

/// Waits for the deferred thread's outcome.
static const DeferredKernels &waitForDeferred(DeferredKernels &deferred) {
  if (!deferred.ready.load(std::memory_order_acquire)) {
    std::unique_lock<std::mutex> lock(deferred.mutex);
    deferred.finished.wait(lock, [&] {
      return deferred.ready.load(std::memory_order_acquire);
    });
  }
  return deferred;
}

/// Before launching variant `index` of `layer`, whose kernel was deferred:
/// waits for it and reports a failed deferred compile.
static awq_status awaitDeferredKernel(const awq_layer_st &layer, size_t index,
                                      int64_t m) {
  const DeferredKernels &deferred = waitForDeferred(*layer.deferred);
  if (deferred.status != AWQ_SUCCESS)
    return fail(deferred.status,
                llvm::formatv("layer '{0}': kernel '{1}' for M = {2} could "
                              "not be loaded: {3}",
                              layer.spec->name,
                              layer.spec->variants[index].kernel, m,
                              deferred.error));
  return AWQ_SUCCESS;
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

const char *awq_status_name(awq_status status) {
  switch (status) {
  case AWQ_SUCCESS:
    return "AWQ_SUCCESS";
  case AWQ_ERROR_INVALID_ARGUMENT:
    return "AWQ_ERROR_INVALID_ARGUMENT";
  case AWQ_ERROR_NO_DRIVER:
    return "AWQ_ERROR_NO_DRIVER";
  case AWQ_ERROR_NO_DEVICE:
    return "AWQ_ERROR_NO_DEVICE";
  case AWQ_ERROR_CUDA:
    return "AWQ_ERROR_CUDA";
  case AWQ_ERROR_IO:
    return "AWQ_ERROR_IO";
  case AWQ_ERROR_INVALID_ARTIFACT:
    return "AWQ_ERROR_INVALID_ARTIFACT";
  case AWQ_ERROR_NOT_FOUND:
    return "AWQ_ERROR_NOT_FOUND";
  case AWQ_ERROR_UNSUPPORTED_ARCH:
    return "AWQ_ERROR_UNSUPPORTED_ARCH";
  case AWQ_ERROR_JIT:
    return "AWQ_ERROR_JIT";
  }
  return "AWQ_ERROR_UNKNOWN";
}

const char *awq_last_error_message(void) { return lastError.c_str(); }

awq_status awq_context_create(int ordinal, awq_context *out) {
  if (!out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT, "awq_context_create: out is null");
  *out = nullptr;
  std::string error;
  cuda::DriverFailure failure;
  const DriverApi *drv = cuda::getDriver(error, failure);
  if (!drv)
    return fail(failure == cuda::DriverFailure::NoDevice ? AWQ_ERROR_NO_DEVICE
                : failure == cuda::DriverFailure::NoDriver
                    ? AWQ_ERROR_NO_DRIVER
                    : AWQ_ERROR_CUDA,
                error);
  int count = 0;
  drv->cuDeviceGetCount(&count);
  if (ordinal < 0 || ordinal >= count)
    return fail(AWQ_ERROR_NO_DEVICE,
                llvm::formatv("no CUDA device {0} (the driver reports {1})",
                              ordinal, count));
  auto ctx = std::make_unique<awq_context_st>();
  ctx->drv = drv;
  CUresult result = drv->cuDeviceGet(&ctx->device, ordinal);
  if (result == CUDA_SUCCESS)
    result = drv->cuDevicePrimaryCtxRetain(&ctx->ctx, ctx->device);
  if (result != CUDA_SUCCESS)
    return fail(cudaError(*drv, result, "retaining the primary context"),
                AWQ_ERROR_CUDA);
  awq_device_info &info = ctx->info;
  drv->cuDeviceGetName(info.name, sizeof(info.name), ctx->device);
  auto attribute = [&](CUdevice_attribute attr) {
    int value = 0;
    drv->cuDeviceGetAttribute(&value, attr, ctx->device);
    return value;
  };
  info.cc_major = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  info.cc_minor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  info.sm_count = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  info.l2_bytes = attribute(CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
  info.driver_version = drv->driverVersion;
  info.device = ctx->device;
  info.context = ctx->ctx;
  ctx->maxSharedOptin =
      attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  ctx->arch = llvm::formatv("sm_{0}{1}", info.cc_major, info.cc_minor);
  ctx->cache = std::make_unique<CubinCache>(defaultCacheDir());
  *out = ctx.release();
  return AWQ_SUCCESS;
}

awq_status awq_context_destroy(awq_context ctx) {
  if (!ctx)
    return AWQ_SUCCESS;
  ctx->jit.clear(); // unloads JIT modules while the context is alive
  CUresult result = ctx->drv->cuDevicePrimaryCtxRelease(ctx->device);
  const DriverApi *drv = ctx->drv;
  delete ctx;
  if (result != CUDA_SUCCESS)
    return fail(cudaError(*drv, result, "releasing the primary context"),
                AWQ_ERROR_CUDA);
  return AWQ_SUCCESS;
}

awq_status awq_context_get_device_info(awq_context ctx, awq_device_info *out) {
  if (!ctx || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_context_get_device_info: null argument");
  *out = ctx->info;
  return AWQ_SUCCESS;
}

awq_status awq_context_set_programmatic_launch(awq_context ctx, int enable) {
  if (!ctx)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_context_set_programmatic_launch: null context");
  if (enable && ctx->info.cc_major < 9)
    return fail(AWQ_ERROR_UNSUPPORTED_ARCH,
                llvm::formatv("programmatic dependent launch needs compute "
                              "capability 9.0 or newer; {0} is {1}.{2}",
                              ctx->info.name, ctx->info.cc_major,
                              ctx->info.cc_minor));
  ctx->programmaticLaunch = enable != 0;
  return AWQ_SUCCESS;
}

awq_status awq_artifact_load(awq_context ctx, const char *dir,
                             awq_artifact *out) {
  if (!ctx || !dir || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT, "awq_artifact_load: null argument");
  *out = nullptr;
  auto start = std::chrono::steady_clock::now();
  llvm::SmallString<256> manifestPath(dir);
  llvm::sys::path::append(manifestPath, "manifest.json");
  llvm::Expected<std::string> text = readFile(manifestPath);
  if (!text)
    return fail(text.takeError(), AWQ_ERROR_IO);
  llvm::Expected<Manifest> manifest =
      parseManifest(*text, manifestPath, /*requirePtx=*/true);
  if (!manifest)
    return fail(manifest.takeError(), AWQ_ERROR_INVALID_ARTIFACT);

  auto artifact = std::make_unique<awq_artifact_st>();
  artifact->ctx = ctx;
  artifact->manifest = std::move(*manifest);
  llvm::Expected<std::string> arch =
      selectPtxArch(artifact->manifest, ctx->info.cc_major, ctx->info.cc_minor,
                    static_cast<uint64_t>(std::max(ctx->maxSharedOptin, 0)));
  if (!arch)
    return fail(AWQ_ERROR_UNSUPPORTED_ARCH,
                manifestPath + ": " + llvm::toString(arch.takeError()));
  selectArchVariants(artifact->manifest, *arch);
  llvm::SmallString<256> ptxPath(dir);
  llvm::sys::path::append(ptxPath, artifact->manifest.ptx[*arch]);
  llvm::Expected<std::string> ptx = readFile(ptxPath);
  if (!ptx)
    return fail(ptx.takeError(), AWQ_ERROR_IO);
  // Checked on the text first: a missing kernel or a parameter-count
  // mismatch gets a precise message before the driver sees the module.
  if (llvm::Error e = checkKernelsInPtx(artifact->manifest, *ptx, ptxPath))
    return fail(std::move(e), AWQ_ERROR_INVALID_ARTIFACT);

  awq_load_info &info = artifact->info;
  std::snprintf(info.ptx_arch, sizeof(info.ptx_arch), "%s", arch->c_str());
  ScopedContext scope(*ctx->drv, ctx->ctx);
  llvm::Expected<std::unique_ptr<LoadedModule>> module =
      loadModule(ctx, *ptx, ptxPath, info);
  if (!module)
    return fail(module.takeError(), AWQ_ERROR_CUDA);
  artifact->module = std::move(*module);
  for (size_t i = 0; i < artifact->manifest.layers.size(); ++i) {
    const LayerSpec &spec = artifact->manifest.layers[i];
    llvm::Expected<std::unique_ptr<awq_layer_st>> layer = bindLayer(
        ctx, *artifact->module, spec, ptxPath, &artifact->info);
    if (!layer)
      return fail(layer.takeError(), AWQ_ERROR_CUDA);
    artifact->byName[spec.name] = i;
    artifact->layers.push_back(std::move(*layer));
  }
  info.load_seconds = secondsSince(start);
  *out = artifact.release();
  return AWQ_SUCCESS;
}

awq_status awq_artifact_destroy(awq_artifact artifact) {
  delete artifact;
  return AWQ_SUCCESS;
}

awq_status awq_artifact_get_load_info(awq_artifact artifact,
                                      awq_load_info *out) {
  if (!artifact || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_artifact_get_load_info: null argument");
  *out = artifact->info;
  return AWQ_SUCCESS;
}

awq_status awq_artifact_num_layers(awq_artifact artifact, size_t *out) {
  if (!artifact || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_artifact_num_layers: null argument");
  *out = artifact->layers.size();
  return AWQ_SUCCESS;
}

awq_status awq_artifact_get_layer_at(awq_artifact artifact, size_t index,
                                     awq_layer *out) {
  if (!artifact || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_artifact_get_layer_at: null argument");
  if (index >= artifact->layers.size())
    return fail(AWQ_ERROR_NOT_FOUND,
                llvm::formatv("layer index {0} out of range (the artifact "
                              "has {1} layers)",
                              index, artifact->layers.size()));
  *out = artifact->layers[index].get();
  return AWQ_SUCCESS;
}

awq_status awq_artifact_get_layer(awq_artifact artifact, const char *name,
                                  awq_layer *out) {
  if (!artifact || !name || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_artifact_get_layer: null argument");
  auto it = artifact->byName.find(name);
  if (it == artifact->byName.end())
    return fail(AWQ_ERROR_NOT_FOUND,
                llvm::Twine("no layer named '") + name + "' in the artifact");
  *out = artifact->layers[it->second].get();
  return AWQ_SUCCESS;
}

awq_status awq_layer_get_info(awq_layer layer, awq_layer_info *out) {
  if (!layer || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_layer_get_info: null argument");
  const LayerSpec &spec = *layer->spec;
  out->name = spec.name.c_str();
  out->n = spec.n;
  out->k = spec.k;
  out->group_size = spec.groupSize;
  out->bits = spec.bits;
  out->dtype = spec.dtype == DType::BF16 ? AWQ_DTYPE_BF16 : AWQ_DTYPE_F16;
  out->has_zeros = spec.hasZeros;
  out->has_bias = spec.hasBias;
  out->num_variants = spec.variants.size();
  out->max_m = spec.variants.back().mMax;
  return AWQ_SUCCESS;
}

awq_status awq_layer_get_variant(awq_layer layer, size_t index,
                                 awq_variant_info *out) {
  if (!layer || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_layer_get_variant: null argument");
  if (index >= layer->spec->variants.size())
    return fail(AWQ_ERROR_NOT_FOUND,
                llvm::formatv("layer '{0}' has {1} variants, not {2}",
                              layer->spec->name, layer->spec->variants.size(),
                              index + 1));
  const VariantSpec &v = layer->spec->variants[index];
  out->kernel = v.kernel.c_str();
  out->family = v.family.c_str();
  out->m_min = v.mMin;
  out->m_max = v.mMax;
  out->m_tile = v.mTile;
  for (int i = 0; i < 3; ++i) {
    out->grid[i] = v.grid[i];
    out->block[i] = v.block[i];
  }
  out->shared_bytes = v.sharedBytes;
  return AWQ_SUCCESS;
}

awq_status awq_linear_launch(awq_layer layer, int64_t m, CUdeviceptr x,
                             CUdeviceptr qweight, CUdeviceptr scales,
                             CUdeviceptr zeros, CUdeviceptr bias,
                             CUdeviceptr y, CUstream stream) {
  // Nothing on the success path allocates: messages are built only on
  // failure, parameters live on the stack.
  if (!layer)
    return fail(AWQ_ERROR_INVALID_ARGUMENT, "awq_linear_launch: null layer");
  const LayerSpec &spec = *layer->spec;
  if (m < 1 || m > kMaxM)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                llvm::formatv("layer '{0}': M = {1} is outside [1, 2^31-1]",
                              spec.name, m));
  LaunchPointers pointers;
  pointers.byRole[static_cast<unsigned>(Role::X)] = x;
  pointers.byRole[static_cast<unsigned>(Role::QWeight)] = qweight;
  pointers.byRole[static_cast<unsigned>(Role::Scales)] = scales;
  pointers.byRole[static_cast<unsigned>(Role::Zeros)] = zeros;
  pointers.byRole[static_cast<unsigned>(Role::Bias)] = bias;
  pointers.byRole[static_cast<unsigned>(Role::Y)] = y;
  for (unsigned r = 0; r < kNumRoles; ++r) {
    Role role = static_cast<Role>(r);
    bool needed = (role != Role::Zeros || spec.hasZeros) &&
                  (role != Role::Bias || spec.hasBias);
    if (!needed)
      continue;
    uint64_t ptr = pointers.byRole[r];
    if (ptr == 0 || ptr % 16 != 0)
      return fail(AWQ_ERROR_INVALID_ARGUMENT,
                  llvm::formatv("layer '{0}': device pointer '{1}' is {2} "
                                "(must be non-null and 16-byte aligned)",
                                spec.name, roleName(role),
                                ptr ? "misaligned" : "null"));
  }

  size_t index = 0;
  while (index < spec.variants.size() &&
         !(m >= spec.variants[index].mMin && m <= spec.variants[index].mMax))
    ++index;
  if (index == spec.variants.size())
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                llvm::formatv("layer '{0}': no variant serves M = {1}",
                              spec.name, m));
  const VariantSpec &variant = spec.variants[index];
  uint64_t gridY =
      uint64_t(variant.grid[1]) * uint64_t((m + variant.mTile - 1) / variant.mTile);
  if (gridY > 65535)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                llvm::formatv("layer '{0}': M = {1} needs grid.y = {2} with "
                              "kernel '{3}' (m_tile {4}); the limit is 65535",
                              spec.name, m, gridY, variant.kernel,
                              variant.mTile));

  uint64_t values[kMaxScalarParams];
  void *args[kMaxScalarParams];
  packKernelParams(variant, m, pointers, values);
  for (unsigned i = 0; i < variant.numScalarParams; ++i)
    args[i] = &values[i];

  if (!layer->boundAtLoad[index])
    if (awq_status status = awaitDeferredKernel(*layer, index, m);
        status != AWQ_SUCCESS)
      return status;
  const BoundKernel &kernel = layer->kernels[index];
  const DriverApi &drv = *layer->ctx->drv;
  ScopedContext scope(drv, layer->ctx->ctx);
  CUresult result;
  if (layer->ctx->programmaticLaunch && kernel.programmatic) {
    CUlaunchAttribute attribute{};
    attribute.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attribute.value.programmaticStreamSerializationAllowed = 1;
    CUlaunchConfig config{};
    config.gridDimX = variant.grid[0];
    config.gridDimY = static_cast<unsigned>(gridY);
    config.gridDimZ = variant.grid[2];
    config.blockDimX = variant.block[0];
    config.blockDimY = variant.block[1];
    config.blockDimZ = variant.block[2];
    config.sharedMemBytes = variant.sharedBytes;
    config.hStream = stream;
    config.attrs = &attribute;
    config.numAttrs = 1;
    result = drv.cuLaunchKernelEx(&config, kernel.function, args,
                                  nullptr);
  } else {
    result = drv.cuLaunchKernel(
        kernel.function, variant.grid[0], static_cast<unsigned>(gridY),
        variant.grid[2], variant.block[0], variant.block[1], variant.block[2],
        variant.sharedBytes, stream, args, nullptr);
  }
  if (result != CUDA_SUCCESS)
    return fail(cudaError(drv, result,
                          llvm::formatv("layer '{0}': launching '{1}' for "
                                        "M = {2}",
                                        spec.name, variant.kernel, m)),
                AWQ_ERROR_CUDA);
  return AWQ_SUCCESS;
}

awq_status awq_jit_get_layer(awq_context ctx, const char *key,
                             awq_jit_compile_fn compile, void *userData,
                             awq_layer *out) {
  if (!ctx || !key || !compile || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT, "awq_jit_get_layer: null argument");
  *out = nullptr;
  std::string source = std::string("JIT specialisation '") + key + "'";
  auto build = [&]() -> llvm::Expected<std::unique_ptr<JitEntry>> {
    return buildJitEntry(ctx, key, compile, userData, source);
  };
  llvm::Expected<JitEntry *> entry = ctx->jit.get(key, build);
  if (!entry)
    return fail(entry.takeError(), AWQ_ERROR_JIT);
  *out = (*entry)->layer.get();
  return AWQ_SUCCESS;
}

awq_status awq_layer_wait(awq_layer layer) {
  if (!layer)
    return fail(AWQ_ERROR_INVALID_ARGUMENT, "awq_layer_wait: null layer");
  if (!layer->deferred)
    return AWQ_SUCCESS;
  const DeferredKernels &deferred = waitForDeferred(*layer->deferred);
  if (deferred.status != AWQ_SUCCESS)
    return fail(deferred.status, deferred.error);
  return AWQ_SUCCESS;
}

awq_status awq_jit_get_load_info(awq_layer layer, awq_load_info *out) {
  if (!layer || !out)
    return fail(AWQ_ERROR_INVALID_ARGUMENT,
                "awq_jit_get_load_info: null argument");
  *out = *layer->loadInfo;
  return AWQ_SUCCESS;
}
