//===- CudaDriver.h - CUDA driver API loaded at run time --------*- C++ -*-===//
//
// The runtime, its tests and awq-bench talk to the GPU only through this
// table of driver entry points. The table is filled with dlopen/dlsym so that
// every binary builds and links on machines without a GPU or driver, and
// reports "no CUDA driver" at run time instead of failing to start.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_RUNTIME_CUDADRIVER_H
#define AWQ_RUNTIME_CUDADRIVER_H

#include <cuda.h>

#include <string>

namespace awq {
namespace cuda {

/// The driver entry points the project uses. cuda.h maps most names to
/// versioned symbols (cuMemAlloc -> cuMemAlloc_v2, cuEventElapsedTime ->
/// cuEventElapsedTime_v2, ...); because the member names below go through the
/// same macros, both the member and the dlsym string carry the versioned name
/// the headers' prototypes describe.
#define AWQ_CUDA_DRIVER_FUNCTIONS(X)                                           \
  X(cuInit)                                                                    \
  X(cuDriverGetVersion)                                                        \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuDevicePrimaryCtxRelease)                                                 \
  X(cuCtxGetCurrent)                                                           \
  X(cuCtxPushCurrent)                                                          \
  X(cuCtxPopCurrent)                                                           \
  X(cuCtxSynchronize)                                                          \
  X(cuModuleLoadData)                                                          \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncGetAttribute)                                                        \
  X(cuFuncSetAttribute)                                                        \
  X(cuLinkCreate)                                                              \
  X(cuLinkAddData)                                                             \
  X(cuLinkComplete)                                                            \
  X(cuLinkDestroy)                                                             \
  X(cuLaunchKernel)                                                            \
  X(cuLaunchKernelEx)                                                          \
  X(cuMemGetInfo)                                                              \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemcpyHtoD)                                                              \
  X(cuMemcpyDtoH)                                                              \
  X(cuMemcpyDtoDAsync)                                                         \
  X(cuMemsetD8)                                                                \
  X(cuMemsetD8Async)                                                           \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamBeginCapture)                                                      \
  X(cuThreadExchangeStreamCaptureMode)                                         \
  X(cuStreamEndCapture)                                                        \
  X(cuGraphInstantiate)                                                        \
  X(cuGraphLaunch)                                                             \
  X(cuGraphExecDestroy)                                                        \
  X(cuGraphDestroy)                                                            \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventElapsedTime)

struct DriverApi {
#define AWQ_CUDA_DECLARE_MEMBER(fn) decltype(&::fn) fn = nullptr;
  AWQ_CUDA_DRIVER_FUNCTIONS(AWQ_CUDA_DECLARE_MEMBER)
#undef AWQ_CUDA_DECLARE_MEMBER
  /// The handle from dlopen; never closed (the driver cannot be unloaded
  /// safely while contexts exist, and process exit releases it).
  void *library = nullptr;
  /// cuDriverGetVersion, e.g. 13000.
  int driverVersion = 0;
};

/// Kinds of failure getDriver distinguishes, so that the C API can map them to
/// AWQ_ERROR_NO_DRIVER / AWQ_ERROR_NO_DEVICE.
enum class DriverFailure { None, NoDriver, NoDevice, Other };

/// Loads the driver from `path` (dlopen) and calls cuInit. A fresh table each
/// call; exposed so that tests can exercise the failure paths with a missing
/// library or the toolkit's stub library. Returns false and sets `error` and
/// `failure` when the driver is unusable.
bool loadDriver(const char *path, DriverApi &api, std::string &error,
                DriverFailure &failure);

/// The process-wide driver, loaded once from libcuda.so.1 (or the path in
/// $AWQ_CUDA_DRIVER, for tests). Returns null and sets `error`/`failure` if it
/// is unusable; the result of the first attempt is remembered.
const DriverApi *getDriver(std::string &error, DriverFailure &failure);

/// "CUDA_ERROR_X (description)" for a CUresult, using the loaded driver.
std::string describe(const DriverApi &api, CUresult result);

/// Pushes `ctx` on the calling thread's context stack if it is not already
/// current, and pops it again on destruction. Push/pop are host-only
/// operations, so this is safe inside stream capture.
class ScopedContext {
public:
  ScopedContext(const DriverApi &api, CUcontext ctx) : api(api) {
    CUcontext current = nullptr;
    if (api.cuCtxGetCurrent(&current) != CUDA_SUCCESS || current != ctx)
      pushed = api.cuCtxPushCurrent(ctx) == CUDA_SUCCESS;
  }
  ~ScopedContext() {
    if (pushed) {
      CUcontext popped;
      api.cuCtxPopCurrent(&popped);
    }
  }
  ScopedContext(const ScopedContext &) = delete;
  ScopedContext &operator=(const ScopedContext &) = delete;

private:
  const DriverApi &api;
  bool pushed = false;
};

} // namespace cuda
} // namespace awq

#endif // AWQ_RUNTIME_CUDADRIVER_H
