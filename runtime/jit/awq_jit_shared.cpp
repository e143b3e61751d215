//===- awq_jit_shared.cpp - libawq_jit.so -----------------------------------===//
//
// libawq_jit.so carries the C API of the runtime (awq_runtime.h) and of the
// JIT (awq_jit.h) in one shared library, for the Python package (python/,
// docs/python.md) and other FFI users that want shapes compiled on first
// use. AwqRuntime and AwqJit are linked as whole archives; awq_jit.map
// exports the awq_* symbols only, so the MLIR and LLVM inside (static under
// AWQ_STATIC_LLVM) never interpose on another copy of LLVM in the same
// process (PyTorch's Triton carries one).
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/awq_jit.h"

/// Version of the C APIs this library carries, for FFI users to check what
/// they loaded (AWQ_RUNTIME_API_VERSION).
extern "C" int awq_jit_abi_version(void) { return AWQ_RUNTIME_API_VERSION; }
