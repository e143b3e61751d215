//===- awq_runtime_shared.cpp - libawq_runtime.so ---------------------------===//
//
// The shared library carries every C API function of AwqRuntime (linked as a
// whole archive); this file only gives the target a source and a version
// query for FFI users to check what they loaded.
//
//===----------------------------------------------------------------------===//

#include "runtime/awq_runtime.h"

extern "C" int awq_runtime_abi_version(void) { return 1; }
