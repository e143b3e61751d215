//===- JitCompiler.h - the compile side of awq_jit_linear -------*- C++ -*-===//
//
// The pieces of awq_jit.cpp that do not need a GPU, exposed for the CPU unit
// tests (test/unit/runtime/JitTest.cpp): spec validation, the cache key and
// its parser, the device -> codegen architecture choice, and the
// awq_jit_compile_fn callback that runs mlir::awq::LinearKernels.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_RUNTIME_JIT_JITCOMPILER_H
#define AWQ_RUNTIME_JIT_JITCOMPILER_H

#include "runtime/jit/awq_jit.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace awq {
namespace jit {

/// Checks what awq_jit_linear checks before compiling: bits == 4, dtype f16
/// or bf16, n, k, group_size > 0, group_size | k. The code generator checks
/// the rest (e.g. K a multiple of 32) when compiling.
llvm::Error validateSpec(const awq_linear_spec &spec);

/// "awq.linear.v1:n=1536,k=2304,g=128,b=4,f16,zeros=1,bias=0". Precondition:
/// validateSpec(spec) succeeded.
std::string linearKey(const awq_linear_spec &spec);

/// Inverse of linearKey; fails unless `key` is exactly what linearKey writes
/// for a valid spec.
llvm::Expected<awq_linear_spec> parseLinearKey(llvm::StringRef key);

/// The codegen architecture for a device of compute capability
/// major.minor: sm_90a (warpgroup MMA) for exactly 9.0, sm_90 for other
/// 9.x and newer (PTX is forward-compatible), sm_89
/// for 8.9, sm_86 for 8.6-8.8, sm_80 for 8.0-8.5; below 8.0 an
/// "unsupported GPU" error.
llvm::Expected<std::string> codegenArch(int ccMajor, int ccMinor);

/// Same for an "sm_XY" name, as the runtime passes to compile callbacks.
llvm::Expected<std::string> codegenArch(llvm::StringRef deviceArch);

/// What awq_jit_linear passes compileCallback as its user data.
struct CompileRequest {
  /// The device whose opt-in shared memory per block the kernels' tiles
  /// stay within, and whose name picks the built-in tuning table.
  CUdevice device = 0;
  /// If > 0: lower first only the kernel of the variant serving this many
  /// rows and hand the others over through awq_jit_result::finish.
  int64_t firstRows = 0;
};

/// The awq_jit_compile_fn of awq_jit_linear: parses `key`, generates its
/// kernels (mlir::awq::LinearKernels) for codegenArch(arch) and hands the
/// manifest and PTX back (freed by result->release): all kernels, or with
/// a CompileRequest::firstRows the first one, the others lowering on a
/// thread of their own until result->finish collects them. A result found
/// in the disk cache of JIT results is handed over whole. On failure
/// returns AWQ_ERROR_INVALID_ARGUMENT (bad key), AWQ_ERROR_UNSUPPORTED_ARCH
/// or AWQ_ERROR_JIT with result->error_message set (also freed by
/// result->release). `userData` is null (the arch's defaults) or points to
/// a CompileRequest.
awq_status compileCallback(void *userData, const char *key, const char *arch,
                           awq_jit_result *result);

} // namespace jit
} // namespace awq

#endif // AWQ_RUNTIME_JIT_JITCOMPILER_H
