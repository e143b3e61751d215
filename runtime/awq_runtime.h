/*===- awq_runtime.h - C API of the awq kernel runtime -------------*- C -*-===//
 *
 * Loads artifacts written by awq-compile (docs/artifact-format.md) and
 * launches their quantized-linear kernels on the caller's CUDA stream. Only
 * the CUDA driver API is used, loaded at run time: a program linking this
 * library starts on machines without a GPU and gets AWQ_ERROR_NO_DRIVER or
 * AWQ_ERROR_NO_DEVICE from awq_context_create.
 *
 * Conventions:
 *  - Every function returns an awq_status. On failure a human-readable message
 *    (naming the file, manifest field or layer at fault) is available from
 *    awq_last_error_message() on the same thread. Nothing aborts.
 *  - All functions are thread-safe. Objects may be shared between threads;
 *    destroying an object while another thread uses it is the caller's bug.
 *  - Device pointers are CUdeviceptr values owned by the caller.
 *
 * See docs/runtime.md for the design and docs/artifact-format.md for the
 * artifact and kernel ABI.
 *
 *===----------------------------------------------------------------------===*/

#ifndef AWQ_RUNTIME_AWQ_RUNTIME_H
#define AWQ_RUNTIME_AWQ_RUNTIME_H

#include <cuda.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Version of this C API; bumped on incompatible changes.
#define AWQ_RUNTIME_API_VERSION 1

/// Result of every call.
typedef enum awq_status {
  AWQ_SUCCESS = 0,
  /// A null handle, a bad M, a misaligned or missing device pointer.
  AWQ_ERROR_INVALID_ARGUMENT = 1,
  /// libcuda.so.1 cannot be loaded (or is the toolkit's stub).
  AWQ_ERROR_NO_DRIVER = 2,
  /// The driver loads but reports no device (or the ordinal is out of range).
  AWQ_ERROR_NO_DEVICE = 3,
  /// A CUDA driver call failed; the message names the call and the error.
  AWQ_ERROR_CUDA = 4,
  /// A file could not be read or written.
  AWQ_ERROR_IO = 5,
  /// manifest.json or a PTX module violates docs/artifact-format.md.
  AWQ_ERROR_INVALID_ARTIFACT = 6,
  /// No layer with the requested name.
  AWQ_ERROR_NOT_FOUND = 7,
  /// The artifact has no PTX usable on this device's architecture.
  AWQ_ERROR_UNSUPPORTED_ARCH = 8,
  /// A JIT specialisation could not be built: the compile callback
  /// reported failure or handed back an invalid result (the message says
  /// which).
  AWQ_ERROR_JIT = 9
} awq_status;

/// A device and its primary context (retained at creation, released at
/// destruction; the runtime never creates a context of its own).
typedef struct awq_context_st *awq_context;
/// A loaded artifact: one CUDA module and its layers.
typedef struct awq_artifact_st *awq_artifact;
/// One linear layer; owned by its artifact (or, for JIT layers, by the
/// context) and valid until that owner is destroyed.
typedef const struct awq_layer_st *awq_layer;

/// Activation (and scale, zero, bias, output) element type.
typedef enum awq_dtype { AWQ_DTYPE_F16 = 0, AWQ_DTYPE_BF16 = 1 } awq_dtype;

/// Short name of a status ("AWQ_ERROR_CUDA"); never null.
const char *awq_status_name(awq_status status);

/// Message describing the most recent failed call on the calling thread; ""
/// if none failed yet. Valid until the next failing call on this thread.
const char *awq_last_error_message(void);

/*===------------------------------------------------------------------===*
 * Contexts
 *===------------------------------------------------------------------===*/

/// Properties of the device behind a context.
typedef struct awq_device_info {
  char name[256];
  /// Compute capability, e.g. 9 and 0 for sm_90.
  int cc_major;
  int cc_minor;
  int sm_count;
  /// L2 cache size in bytes.
  int l2_bytes;
  /// cuDriverGetVersion, e.g. 13000.
  int driver_version;
  CUdevice device;
  /// The primary context the runtime uses.
  CUcontext context;
} awq_device_info;

/// Creates a context for device `ordinal`: loads the driver (once per
/// process), retains the device's primary context. Fails with
/// AWQ_ERROR_NO_DRIVER / AWQ_ERROR_NO_DEVICE where there is no GPU.
awq_status awq_context_create(int ordinal, awq_context *out);

/// Releases the primary context and every JIT layer of the context. Artifacts
/// loaded through it must be destroyed first. Null is accepted.
awq_status awq_context_destroy(awq_context ctx);

/// Fills `out` with the device's properties.
awq_status awq_context_get_device_info(awq_context ctx, awq_device_info *out);

/// Programmatic dependent launch (compute capability 9.0 and newer; off by
/// default). Kernels compiled for sm_90 or newer wait (griddepcontrol.wait)
/// for the stream's previous kernel to finish before they read x or write
/// y, and let the stream's next kernel be scheduled before they finish
/// (griddepcontrol.launch_dependents; it only matters if that kernel was
/// launched with the attribute below). When the option is on,
/// awq_linear_launch launches the tensor-core variants of up to 16 rows
/// (M = 2..16 by default) among them with
/// CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION, so that they may be
/// scheduled while the previous kernel still runs: this hides the gap
/// between back-to-back kernels, e.g. in a captured decode step. Other
/// variants, and kernels without the wait (sm_80/86/89 PTX, artifacts from
/// older compilers), are launched as usual, where it was measured not to
/// help. Such a kernel may read its weights (qweight, scales, zeros) before
/// the wait: the kernel just before it on the stream must not write them.
/// AWQ_ERROR_UNSUPPORTED_ARCH on older GPUs.
awq_status awq_context_set_programmatic_launch(awq_context ctx, int enable);

/*===------------------------------------------------------------------===*
 * Artifacts
 *===------------------------------------------------------------------===*/

/// Loads `<dir>/manifest.json` and the PTX module for the device's
/// architecture: the exact `sm_XY` if present (`sm_XYa` is preferred on an
/// exactly matching device), otherwise the highest `sm_XY` not above the
/// device's. The PTX is compiled to SASS by the driver, through an on-disk
/// cubin cache ($AWQ_CACHE_DIR, else $XDG_CACHE_HOME/awq, else ~/.cache/awq;
/// AWQ_CACHE_DISABLE=1 turns it off). Validates the manifest, the presence and
/// parameter count of every kernel, and shared-memory and block limits.
awq_status awq_artifact_load(awq_context ctx, const char *dir,
                             awq_artifact *out);

/// Unloads the module. Null is accepted.
awq_status awq_artifact_destroy(awq_artifact artifact);

/// How an artifact (or JIT layer) was loaded; for benchmarks and tests.
typedef struct awq_load_info {
  /// The architecture whose PTX was chosen, e.g. "sm_90".
  char ptx_arch[16];
  /// 1 if every cubin came from the on-disk cache, 0 if the driver JIT ran.
  int cubin_cache_hit;
  /// Wall time of the whole load and of the PTX -> SASS step (0 on a hit).
  double load_seconds;
  double jit_seconds;
} awq_load_info;

awq_status awq_artifact_get_load_info(awq_artifact artifact,
                                      awq_load_info *out);

/// Number of layers, in manifest order.
awq_status awq_artifact_num_layers(awq_artifact artifact, size_t *out);

/// The layer at `index` in manifest order.
awq_status awq_artifact_get_layer_at(awq_artifact artifact, size_t index,
                                     awq_layer *out);

/// The layer called `name`; AWQ_ERROR_NOT_FOUND if there is none.
awq_status awq_artifact_get_layer(awq_artifact artifact, const char *name,
                                  awq_layer *out);

/*===------------------------------------------------------------------===*
 * Layers
 *===------------------------------------------------------------------===*/

/// The shape of a layer, as in its manifest entry. `name` points into the
/// layer and lives as long as it.
typedef struct awq_layer_info {
  const char *name;
  int64_t n;
  int64_t k;
  int64_t group_size;
  int bits;
  awq_dtype dtype;
  int has_zeros;
  int has_bias;
  size_t num_variants;
  /// The largest M any variant serves (2^31 - 1 for a valid artifact).
  int64_t max_m;
} awq_layer_info;

awq_status awq_layer_get_info(awq_layer layer, awq_layer_info *out);

/// One M-range variant of a layer; strings live as long as the layer.
typedef struct awq_variant_info {
  const char *kernel;
  const char *family;
  int64_t m_min;
  int64_t m_max;
  int64_t m_tile;
  unsigned grid[3];
  unsigned block[3];
  unsigned shared_bytes;
} awq_variant_info;

awq_status awq_layer_get_variant(awq_layer layer, size_t index,
                                 awq_variant_info *out);

/// Computes y[M,N] = x[M,K] * W^T (+ bias) with the layer's kernel for M.
///
/// Pointers are device pointers in the layouts of docs/artifact-format.md
/// ("Kernel weight layout"), each 16-byte aligned: `x` [M,K] and `y` [M,N] in
/// the layer's dtype, `qweight` i32 [N, K*bits/32], `scales` [N,K/G], `zeros`
/// [N,K/G] (only if the layer has zeros; else ignored), `bias` [N] (only if
/// it has a bias; else ignored). The kernel is enqueued on `stream` (0 = the
/// context's default stream).
///
/// The call allocates nothing, copies nothing between host and device and
/// never synchronises, so it may be recorded into a CUDA graph. Launch errors
/// are reported; errors of the kernel's execution surface at the caller's
/// next synchronisation, as for any CUDA launch.
awq_status awq_linear_launch(awq_layer layer, int64_t m, CUdeviceptr x,
                             CUdeviceptr qweight, CUdeviceptr scales,
                             CUdeviceptr zeros, CUdeviceptr bias,
                             CUdeviceptr y, CUstream stream);

/*===------------------------------------------------------------------===*
 * JIT specialisations
 *===------------------------------------------------------------------===*/

/// What a JIT compile callback hands back: a manifest in the format of
/// manifest.json with exactly one layer (its "ptx" and "weights" fields are
/// ignored and may be absent), and the PTX holding that layer's kernels:
/// one PTX module, or several complete modules back to back (each from its
/// `.version` line on), which the runtime compiles to SASS concurrently.
/// The runtime copies both before calling `release`.
typedef struct awq_jit_result {
  const char *manifest_json;
  size_t manifest_size;
  const char *ptx;
  size_t ptx_size;
  /// Called (if non-null) with `release_data` once the runtime has copied
  /// the strings, whether or not loading them succeeds.
  void (*release)(void *release_data);
  void *release_data;
  /// On failure: a message for awq_last_error_message (may be null); it is
  /// copied before `release` is called.
  const char *error_message;
  /// Optional. Null: `ptx` holds every kernel of the manifest. Otherwise
  /// `ptx` holds the kernels of some variants (at least one), the layer is
  /// returned with those, and the runtime calls `finish(release_data, rest)`
  /// once, on a thread of its own, for a PTX holding the others
  /// (`rest->ptx`, `rest->ptx_size`, or a failure status and optionally
  /// `rest->error_message`; valid until `release`, which follows it; if
  /// the first part cannot be loaded, `release` comes without `finish`). A
  /// launch for an M whose kernel is not loaded yet waits for it; if
  /// `finish` fails, such launches fail with its message (awq_layer_wait).
  awq_status (*finish)(void *release_data, struct awq_jit_result *rest);
} awq_jit_result;

/// Compiles the specialisation named by `key` for architecture `arch`
/// ("sm_90"). Returns AWQ_SUCCESS and fills `result`, or any other status
/// (and optionally result->error_message) on failure.
typedef awq_status (*awq_jit_compile_fn)(void *user_data, const char *key,
                                         const char *arch,
                                         awq_jit_result *result);

/// Returns the layer for the specialisation `key` (any string that
/// identifies N, K, G, bits, dtype, ... to the caller's compiler). The first
/// call for a key calls `compile` and loads its result through the on-disk
/// cubin cache; later calls return the same layer from an in-memory cache.
/// Concurrent calls for one key compile it once: the other callers wait for
/// that result. A failed compile is not cached; the next call retries. The
/// layer lives until the context is destroyed.
awq_status awq_jit_get_layer(awq_context ctx, const char *key,
                             awq_jit_compile_fn compile, void *user_data,
                             awq_layer *out);

/// Load info of the JIT layer (how its PTX became a cubin; for a layer
/// whose compile deferred kernels, the kernels it was returned with).
awq_status awq_jit_get_load_info(awq_layer layer, awq_load_info *out);

/// Waits until every kernel of `layer` is loaded: returns at once for
/// artifact layers and JIT layers compiled whole; for a JIT layer whose
/// compile deferred kernels (awq_jit_result::finish), after they are
/// loaded, with the deferred compile's status (on failure its message is
/// in awq_last_error_message, and launches for those kernels' M fail).
awq_status awq_layer_wait(awq_layer layer);

#ifdef __cplusplus
} // extern "C"
#endif

#endif /* AWQ_RUNTIME_AWQ_RUNTIME_H */
