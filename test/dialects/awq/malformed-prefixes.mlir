// RUN: python3 %S/Inputs/check_prefixes.py awq-opt 211 %t %S/ops.mlir %S/canonicalize.mlir | FileCheck %s

// Every 211th prefix of the round-trip and canonicalization tests (as text)
// and every 26th prefix of their bytecode is parsed: each either parses or
// fails with a located error, none crashes.

// CHECK: {{[0-9]+}} prefixes, 0 failures
