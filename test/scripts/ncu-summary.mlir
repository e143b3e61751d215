// scripts/ncu-summary.py: one row per kernel of each Nsight Compute raw
// page (a cuBLAS profile holds its GEMM and its split-K reduction),
// durations converted to microseconds from the unit ncu chose, and the
// three largest stall reasons without "selected" (issuing, not a stall).
// RUN: %python %awq_src_root/scripts/ncu-summary.py %S/Inputs/ncu | FileCheck %s
// CHECK: profile{{.*}}tensor%{{.*}}registers{{.*}}top stalls
// CHECK-NEXT: two-kernels gemm_kernel 4180.0 61.6 59.9 858.0 14.4 12.4 252.0 3584.0 wait 1.75, long_scoreboard 1.01, barrier 0.47
// CHECK-NEXT: two-kernels reduce_kernel 6.9 0.9 26.1 1.2 0.0 81.0 32.0 512.0 long_scoreboard 20.41, wait 2.73, gmma 0.00
// CHECK-NOT: selected
