/*===- awq_jit.h - in-process JIT of quantized linears --------------*- C -*-===//
 *
 * The optional, compiler-backed part of the runtime (library AwqJit, which
 * links the MLIR codegen; AwqRuntime itself stays MLIR-free). Given a linear's
 * shape, awq_jit_linear compiles its kernels in-process on first use
 * (mlir::awq::LinearKernels for the device's architecture: IR -> PTX), loads
 * them through the runtime's cubin cache (PTX -> SASS, on disk across
 * processes) and returns a layer that awq_linear_launch runs like any
 * artifact layer. Later calls for the same shape on the same context return
 * the same layer from the runtime's in-memory cache; concurrent calls compile
 * a shape once (awq_jit_get_layer in awq_runtime.h). Each compile's manifest
 * and PTX are also kept on disk (beside the cubins, keyed by the shape, the
 * device and this build of the compiler), so that another process or
 * context finds the specialisation without running code generation.
 *
 * Weights: the layer reads the kernel layout of docs/artifact-format.md.
 * Weights in AutoAWQ GEMM layout are converted once on the host with
 * awq_repack_autoawq below (AutoAWQ GEMM -> canonical -> kernel layout,
 * formats/KernelLayout.h) and uploaded by the caller.
 *
 * Errors: every function returns an awq_status; the message of the last
 * failed awq_jit_* / awq_repack_* call on this thread is in
 * awq_jit_last_error_message() (for failures inside the runtime it is the
 * runtime's awq_last_error_message(), copied).
 *
 *===----------------------------------------------------------------------===*/

#ifndef AWQ_RUNTIME_JIT_AWQ_JIT_H
#define AWQ_RUNTIME_JIT_AWQ_JIT_H

#include "runtime/awq_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/// What a specialisation is compiled for (the M range is not part of it:
/// every layer serves M in [1, 2^31 - 1]).
typedef struct awq_linear_spec {
  /// Output channels, input channels, quantization group size (a divisor of
  /// k; group_size == k is per-channel).
  int64_t n;
  int64_t k;
  int64_t group_size;
  /// Weight bits; only 4 (the kernel layout v1 packs 4-bit weights only).
  int bits;
  /// Activation, scale, zero, bias and output type.
  awq_dtype dtype;
  /// Asymmetric (zeros tensor) if non-zero, else symmetric (z = 8).
  int has_zeros;
  /// A bias tensor [n] if non-zero.
  int has_bias;
} awq_linear_spec;

/// Returns the layer for `spec` on the context's device, compiling it on the
/// first call (see the file comment). Errors:
///  - AWQ_ERROR_INVALID_ARGUMENT: null arguments, bits != 4, a dtype other
///    than f16/bf16, non-positive sizes, k not a multiple of group_size;
///  - AWQ_ERROR_UNSUPPORTED_ARCH: a device below sm_80;
///  - AWQ_ERROR_JIT: the code generator rejected the shape (the message is
///    its diagnostic, naming the constraint, e.g. K a multiple of 32);
///    a failed compile is not cached, so a later call compiles again;
///  - AWQ_ERROR_CUDA / AWQ_ERROR_INVALID_ARTIFACT: loading the result failed.
/// The layer lives until the context is destroyed.
awq_status awq_jit_linear(awq_context ctx, const awq_linear_spec *spec,
                          awq_layer *out);

/// Like awq_jit_linear, but a first compile generates and loads only the
/// kernel of the variant that serves `rows` rows (the caller's first M)
/// before returning the layer; the other variants' kernels compile on a
/// thread of their own, and a launch for an M they serve waits for them
/// (awq_layer_wait waits for all). A specialisation already in memory or in
/// the disk cache is returned as by awq_jit_linear. Errors: those of
/// awq_jit_linear, and AWQ_ERROR_INVALID_ARGUMENT for `rows` outside
/// [1, 2^31). If the deferred compile fails, launches for the M it serves
/// fail with its message (AWQ_ERROR_JIT) and the layer stays as it is.
awq_status awq_jit_linear_for_rows(awq_context ctx,
                                   const awq_linear_spec *spec, int64_t rows,
                                   awq_layer *out);

/// Writes the cache key of `spec` (the string awq_jit_linear passes to
/// awq_jit_get_layer; stable across processes and versions of this API) into
/// `buf` (`size` bytes, NUL-terminated, truncated if short) and its length
/// (without the NUL) into `*length` if non-null. Validates `spec` like
/// awq_jit_linear.
awq_status awq_jit_linear_key(const awq_linear_spec *spec, char *buf,
                              size_t size, size_t *length);

/// Process-wide counters of the compile step (IR -> PTX) run by
/// awq_jit_linear; for tests and benchmarks.
typedef struct awq_jit_stats {
  /// Compiles started (successful or not) and those that failed.
  uint64_t compiles;
  uint64_t failures;
  /// Wall time of the most recent compile and of all of them, in seconds
  /// (of a compile for a first M: the part before the layer was returned;
  /// the total also counts the deferred kernels).
  double last_compile_seconds;
  double total_compile_seconds;
  /// Specialisations whose manifest and PTX came from the disk cache of
  /// JIT results (no code generation; not counted in `compiles`).
  uint64_t disk_hits;
} awq_jit_stats;

awq_status awq_jit_get_stats(awq_jit_stats *out);

/// Message of the last failed awq_jit_* / awq_repack_* call on this thread;
/// "" if none failed yet.
const char *awq_jit_last_error_message(void);

/// Converts one linear's AutoAWQ GEMM tensors (4-bit, host memory) to the
/// kernel layout, for a layer of `dtype`:
///   in:  qweight i32 [k, n/8] (nibble i of word (r, c) is output channel
///        8c + [0,2,4,6,1,3,5,7][i]), qzeros i32 [k/g, n/8] (same order),
///        scales f16 bits [k/g, n];
///   out: out_qweight i32 [n, k/8], out_scales and out_zeros [n, k/g] as
///        raw `dtype` bits (zeros are exact integers 0..15).
/// Requirements: n a multiple of 8, k a multiple of 32 and of group_size.
/// f16 scales convert exactly; for bf16 they round to nearest even.
/// Pointers must be non-null and the buffers not overlap.
awq_status awq_repack_autoawq(int64_t n, int64_t k, int64_t group_size,
                              awq_dtype dtype, const int32_t *qweight,
                              const int32_t *qzeros, const uint16_t *scales,
                              int32_t *out_qweight, uint16_t *out_scales,
                              uint16_t *out_zeros);

#ifdef __cplusplus
} // extern "C"
#endif

#endif /* AWQ_RUNTIME_JIT_AWQ_JIT_H */
