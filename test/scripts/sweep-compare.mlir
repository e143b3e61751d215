// scripts/sweep-compare.py: each (layer, M) the defaults were timed at,
// with cuBLAS, the default kernel, every sweep's time and the best as a
// ratio to cuBLAS (the default's ratio beside it); the default counts as a
// candidate (M = 128 without sweep a: the default's 14.1 beats b's 15.0);
// a missing log folder is an error naming it.
// RUN: %python %awq_src_root/scripts/sweep-compare.py %S/Inputs/tune | FileCheck %s
// RUN: %python %awq_src_root/scripts/sweep-compare.py %S/Inputs/tune --sweeps b | FileCheck %s --check-prefix=ONLYB
// RUN: not %python %awq_src_root/scripts/sweep-compare.py %t.missing 2>&1 | FileCheck %s --check-prefix=MISSING
// CHECK: | layer | M | cuBLAS µs | default µs (kernel) | a | b | best × cuBLAS (default's) |
// CHECK: | t.narrow | 64 | 10.0 | 9.1 (bm64_bn64_wg1_s6) | 9.0 | 7.5 | 1.33 b (1.10) |
// CHECK-NEXT: | t.narrow | 128 | 10.0 | 14.1 (bm128_bn64_wg1_s4) | 14.0 | 15.0 | 0.71 a (0.71) |
// ONLYB: | t.narrow | 128 | 10.0 | 14.1 (bm128_bn64_wg1_s4) | 15.0 | 0.71 default (0.71) |
// MISSING: sweep-compare.py: no bench-graph.json or sweep-base.json in {{.*}}missing
// A sweep-only run (no bench-graph.json): sweep "base" is the default
// (its cuBLAS column is empty where, as in gpu-run.sh's sweeps, it has none).
// RUN: rm -rf %t.base && mkdir -p %t.base && cp %S/Inputs/tune/sweep-a.json %t.base/sweep-base.json && cp %S/Inputs/tune/sweep-b.json %t.base/
// RUN: %python %awq_src_root/scripts/sweep-compare.py %t.base | FileCheck %s --check-prefix=BASE
// BASE: | layer | M | cuBLAS µs | default µs (kernel) | b | best × cuBLAS (default's) |
// BASE: | t.narrow | 64 | 10.0 | 9.0 (bm64_bn64_wg1_s6) | 7.5 | 1.33 b (1.11) |
