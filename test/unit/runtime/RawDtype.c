/*===- RawDtype.c - the JIT's C API called with dtypes C code may pass ----===*
 *
 * In C an enum is an int: a caller may store or pass any value, such as 7,
 * as an awq_dtype. In C++ even producing such a value is undefined, so the
 * tests of that error path (JitTest.cpp) call through these C functions.
 *
 *===----------------------------------------------------------------------===*/

#include "runtime/jit/awq_jit.h"

void awq_test_set_raw_dtype(awq_linear_spec *spec, int value) {
  spec->dtype = value;
}

awq_status awq_test_repack_with_raw_dtype(int value, int64_t n, int64_t k,
                                          int64_t group_size,
                                          const int32_t *qweight,
                                          const int32_t *qzeros,
                                          const uint16_t *scales,
                                          int32_t *out_qweight,
                                          uint16_t *out_scales,
                                          uint16_t *out_zeros) {
  return awq_repack_autoawq(n, k, group_size, value, qweight, qzeros, scales,
                            out_qweight, out_scales, out_zeros);
}
