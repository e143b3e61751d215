//===- JitTestUtil.h - helpers shared by the JIT tests -----------*- C++ -*-===//
//
// Used by awq-jit-tests (host) and awq-jit-gpu-tests.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_TEST_UNIT_RUNTIME_JITTESTUTIL_H
#define AWQ_TEST_UNIT_RUNTIME_JITTESTUTIL_H

#include "runtime/jit/awq_jit.h"

#include <cstdint>

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
