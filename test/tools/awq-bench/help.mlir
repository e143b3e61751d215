// awq-bench's --help and a missing artifact print its usage (its own
// options only) and need no GPU.
// REQUIRES: awq-bench
// RUN: awq-bench --help 2>&1 | FileCheck %s --implicit-check-not=aarch64
// RUN: not awq-bench 2>&1 | FileCheck %s --check-prefixes=CHECK,MISSING

// MISSING: awq-bench: no artifact directory
// CHECK: usage: awq-bench <artifact-dir>
// CHECK-SAME: [--m=
