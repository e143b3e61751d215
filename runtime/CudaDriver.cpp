//===- CudaDriver.cpp - CUDA driver API loaded at run time ----------------===//
//
// dlopen("libcuda.so.1") + dlsym of every entry point in DriverApi.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDriver.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

using namespace awq::cuda;

#define AWQ_STRINGIFY_IMPL(x) #x
// Expands macros first, so that cuMemAlloc becomes "cuMemAlloc_v2".
#define AWQ_STRINGIFY(x) AWQ_STRINGIFY_IMPL(x)

bool awq::cuda::loadDriver(const char *path, DriverApi &api,
                           std::string &error, DriverFailure &failure) {
  api = DriverApi();
  failure = DriverFailure::None;
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    error = std::string("no CUDA driver (") + path + " not found";
    if (why)
      error += std::string(": ") + why;
    error += ")";
    failure = DriverFailure::NoDriver;
    return false;
  }
#define AWQ_CUDA_LOAD_MEMBER(fn)                                               \
  api.fn = reinterpret_cast<decltype(api.fn)>(                                 \
      dlsym(lib, AWQ_STRINGIFY(fn)));                                          \
  if (!api.fn) {                                                               \
    error = std::string("CUDA driver ") + path +                               \
            " lacks the entry point " AWQ_STRINGIFY(fn)                        \
            " (driver older than the CUDA 13 headers the runtime was built "   \
            "with?)";                                                          \
    failure = DriverFailure::NoDriver;                                         \
    dlclose(lib);                                                              \
    api = DriverApi();                                                         \
    return false;                                                              \
  }
  AWQ_CUDA_DRIVER_FUNCTIONS(AWQ_CUDA_LOAD_MEMBER)
#undef AWQ_CUDA_LOAD_MEMBER
  api.library = lib;

  CUresult result = api.cuInit(0);
  if (result != CUDA_SUCCESS) {
    // The toolkit's stub libcuda.so answers every call with
    // CUDA_ERROR_STUB_LIBRARY; a machine without a GPU gives NO_DEVICE.
    if (result == CUDA_ERROR_NO_DEVICE) {
      error = "no CUDA device (cuInit: " + describe(api, result) + ")";
      failure = DriverFailure::NoDevice;
    } else if (result == CUDA_ERROR_STUB_LIBRARY) {
      error = std::string("no CUDA driver (") + path +
              " is the toolkit's stub library, not a real driver)";
      failure = DriverFailure::NoDriver;
    } else {
      error = "cuInit failed: " + describe(api, result);
      failure = DriverFailure::Other;
    }
    return false;
  }
  api.cuDriverGetVersion(&api.driverVersion);
  int count = 0;
  result = api.cuDeviceGetCount(&count);
  if (result != CUDA_SUCCESS || count == 0) {
    error = "no CUDA device (the driver reports 0 devices)";
    failure = DriverFailure::NoDevice;
    return false;
  }
  return true;
}

const DriverApi *awq::cuda::getDriver(std::string &error,
                                      DriverFailure &failure) {
  static DriverApi api;
  static std::string loadError;
  static DriverFailure loadFailure = DriverFailure::None;
  static bool ok = false;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *path = std::getenv("AWQ_CUDA_DRIVER");
    ok = loadDriver(path && *path ? path : "libcuda.so.1", api, loadError,
                    loadFailure);
  });
  if (!ok) {
    error = loadError;
    failure = loadFailure;
    return nullptr;
  }
  return &api;
}

std::string awq::cuda::describe(const DriverApi &api, CUresult result) {
  const char *name = nullptr;
  const char *text = nullptr;
  if (api.cuGetErrorName)
    api.cuGetErrorName(result, &name);
  if (api.cuGetErrorString)
    api.cuGetErrorString(result, &text);
  std::string out = name ? name : "CUDA error " + std::to_string(result);
  if (text)
    out += std::string(" (") + text + ")";
  return out;
}
