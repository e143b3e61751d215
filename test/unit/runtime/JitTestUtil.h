//===- JitTestUtil.h - helpers shared by the JIT tests -----------*- C++ -*-===//
//
// Used by awq-jit-tests (host) and awq-jit-gpu-tests.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_TEST_UNIT_RUNTIME_JITTESTUTIL_H
#define AWQ_TEST_UNIT_RUNTIME_JITTESTUTIL_H

#include "runtime/jit/awq_jit.h"

#include <cstdint>

// RawDtype.c: the C API with a dtype outside the enum, as C callers can.
extern "C" void awq_test_set_raw_dtype(awq_linear_spec *spec, int value);
extern "C" awq_status awq_test_repack_with_raw_dtype(
    int value, int64_t n, int64_t k, int64_t group_size, const int32_t *qweight,
    const int32_t *qzeros, const uint16_t *scales, int32_t *out_qweight,
    uint16_t *out_scales, uint16_t *out_zeros);

namespace awq {
namespace testutil {

/// A 4-bit linear specification.
inline awq_linear_spec makeSpec(int64_t n, int64_t k, int64_t g,
                                awq_dtype dtype, bool zeros, bool bias) {
  awq_linear_spec spec{};
  spec.n = n;
  spec.k = k;
  spec.group_size = g;
  spec.bits = 4;
  spec.dtype = dtype;
  spec.has_zeros = zeros;
  spec.has_bias = bias;
  return spec;
}

} // namespace testutil
} // namespace awq

#endif // AWQ_TEST_UNIT_RUNTIME_JITTESTUTIL_H
