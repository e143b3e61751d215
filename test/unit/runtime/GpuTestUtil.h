//===- GpuTestUtil.h - device buffers and random data for GPU tests --*- C++ -*-===//
//
// Shared by awq-gpu-tests and awq-bench: RAII device memory over the
// runtime's dlopen'ed driver table, and random inputs in the value ranges the
// kernels see in practice (never zeros, which would hide wrong indexing).
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_TEST_UNIT_RUNTIME_GPUTESTUTIL_H
#define AWQ_TEST_UNIT_RUNTIME_GPUTESTUTIL_H

#include "formats/Half.h"
#include "formats/KernelLayout.h"
#include "runtime/awq_runtime.h"
#include "runtime/CudaDriver.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace awq {
namespace testutil {

using namespace awq::formats;

/// The process's driver table (the runtime loads it once); null if absent.
inline const cuda::DriverApi *driver() {
  std::string error;
  cuda::DriverFailure failure;
  return cuda::getDriver(error, failure);
}

/// "call: CUDA_ERROR_X (text)" or "" on success.
inline std::string check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return "";
  return std::string(what) + ": " + cuda::describe(*driver(), result);
}

/// Device memory freed on destruction. Allocation failure leaves ptr 0 and
/// the reason in `error`.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) { allocate(bytes); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(DeviceBuffer &&other) noexcept
      : ptr(std::exchange(other.ptr, 0)), bytes(other.bytes) {}
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept {
    release();
    ptr = std::exchange(other.ptr, 0);
    bytes = other.bytes;
    return *this;
  }

  bool allocate(size_t size) {
    release();
    bytes = size;
    // Never allocate 0 bytes: a 0 pointer would read as "absent".
    error = check(driver()->cuMemAlloc(&ptr, size ? size : 16), "cuMemAlloc");
    if (!error.empty())
      ptr = 0;
    return error.empty();
  }
  void release() {
    if (ptr)
      driver()->cuMemFree(ptr);
    ptr = 0;
  }
  std::string upload(const void *host, size_t size) {
    return check(driver()->cuMemcpyHtoD(ptr, host, size), "cuMemcpyHtoD");
  }
  template <typename T> std::string upload(const std::vector<T> &host) {
    return upload(host.data(), host.size() * sizeof(T));
  }
  std::string download(void *host, size_t size) const {
    return check(driver()->cuMemcpyDtoH(host, ptr, size), "cuMemcpyDtoH");
  }

  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  std::string error;
};

/// Random activations in [-1, 1], as raw dtype bits.
inline std::vector<uint16_t> randomActivations(std::mt19937_64 &rng,
                                               size_t count, DType dtype) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<uint16_t> out(count);
  for (uint16_t &v : out)
    v = encodeHalf(dist(rng), dtype);
  return out;
}

/// Random canonical 4-bit weights: q and z uniform in 0..15, scales in
/// [2e-3, 1e-2] rounded to the dtype so that the kernel layout holds them
/// exactly (the reference then sees the numbers the kernel sees). With
/// K ~ 4096 this gives outputs of order 1, well inside f16's range.
inline QuantizedWeight randomWeights(std::mt19937_64 &rng, int64_t n,
                                      int64_t k, int64_t groupSize,
                                      bool hasZeros, DType dtype) {
  QuantizedWeight w;
  w.n = n;
  w.k = k;
  w.groupSize = groupSize;
  w.bits = 4;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::uniform_real_distribution<float> scale(2e-3f, 1e-2f);
  w.q.resize(static_cast<size_t>(n * k));
  for (uint8_t &q : w.q)
    q = static_cast<uint8_t>(nibble(rng));
  size_t groups = static_cast<size_t>(n * (k / groupSize));
  w.scales.resize(groups);
  for (float &s : w.scales)
    s = decodeHalf(encodeHalf(scale(rng), dtype), dtype);
  if (hasZeros) {
    w.zeros.resize(groups);
    for (uint8_t &z : w.zeros)
      z = static_cast<uint8_t>(nibble(rng));
  }
  return w;
}

/// Device copies of one layer's inputs in the kernel layout, and a y buffer
/// of maxM rows plus `guard` elements after them (left to the caller to
/// poison).
struct LayerBuffers {
  DeviceBuffer dQweight, dScales, dZeros, dBias, dX, dY;

  /// Allocates and uploads everything; returns the first error, or "".
  /// `bias` is uploaded only when non-empty; zeros only when `packed` has
  /// them.
  std::string upload(const KernelWeights &packed,
                     const std::vector<uint16_t> &x,
                     const std::vector<uint16_t> &bias, size_t yElements) {
    std::string error;
    auto put = [&](DeviceBuffer &buffer, const void *data, size_t bytes) {
      if (!error.empty())
        return;
      if (!buffer.allocate(bytes))
        error = buffer.error;
      else if (data)
        error = buffer.upload(data, bytes);
    };
    put(dQweight, packed.qweight.data(), packed.qweight.size() * 4);
    put(dScales, packed.scales.data(), packed.scales.size() * 2);
    if (!packed.zeros.empty())
      put(dZeros, packed.zeros.data(), packed.zeros.size() * 2);
    if (!bias.empty())
      put(dBias, bias.data(), bias.size() * 2);
    put(dX, x.data(), x.size() * 2);
    put(dY, nullptr, yElements * 2);
    return error;
  }
};

/// Relative tolerances on the Frobenius error against the f64 reference.
/// f16 output rounding alone gives ~3e-4 (unit roundoff 2^-11, RMS u/sqrt(3));
/// a kernel that dequantizes in f16 (and folds z*s, as DESIGN.md describes)
/// adds about as much again: ~6e-4 expected, 2e-3 leaves 3x margin. bf16 has
/// 8x coarser rounding (u = 2^-8): ~5e-3 expected, 1e-2. Any indexing or
/// packing bug gives errors of order 0.1-1.
inline double tolerance(awq_dtype dtype) {
  return dtype == AWQ_DTYPE_F16 ? 2e-3 : 1e-2;
}

/// A new directory under the system temporary directory, or "" on failure.
inline std::string makeTempDir(const char *prefix) {
  llvm::SmallString<128> dir;
  return llvm::sys::fs::createUniqueDirectory(prefix, dir) ? ""
                                                           : std::string(dir);
}

/// A GPU test binary's exit code: 77 (ctest's SKIP_RETURN_CODE) when every
/// test skipped, so that "no GPU" never reads as a pass.
inline int gpuTestExitCode(int result) {
  const testing::UnitTest &unit = *testing::UnitTest::GetInstance();
  if (result == 0 && unit.successful_test_count() == 0 &&
      unit.skipped_test_count() > 0)
    return 77;
  return result;
}

} // namespace testutil
} // namespace awq

/// First statement of a GPU test: skips it where the binary found no GPU
/// (`env.skipReason`), fails it where its set-up failed (`env.setupError`).
#define AWQ_GPU_TEST_PRELUDE(env)                                              \
  do {                                                                         \
    if (!(env).skipReason.empty())                                             \
      GTEST_SKIP() << (env).skipReason;                                        \
    ASSERT_TRUE((env).setupError.empty()) << (env).setupError;                 \
  } while (0)

/// Asserts that a runtime C API call succeeded, with its status and message.
#define ASSERT_AWQ(call)                                                       \
  do {                                                                         \
    awq_status status_ = (call);                                               \
    ASSERT_EQ(status_, AWQ_SUCCESS)                                            \
        << #call << ": " << awq_status_name(status_) << ": "                   \
        << awq_last_error_message();                                           \
  } while (0)

/// Asserts that a CUDA driver call succeeded (testutil::check's message).
#define ASSERT_CU(call)                                                        \
  do {                                                                         \
    std::string error_ = awq::testutil::check((call), #call);                  \
    ASSERT_TRUE(error_.empty()) << error_;                                     \
  } while (0)

#endif // AWQ_TEST_UNIT_RUNTIME_GPUTESTUTIL_H
