// Every candidate the tuner ships (tuning/candidates-*.txt) is a tile list
// awq-select-kernels accepts for the bench shapes it is meant for, so no
// GPU time goes to a sweep that cannot be compiled.
// RUN: %python %S/Inputs/check_candidates.py awq-opt %awq_src_root | FileCheck %s
// CHECK: candidates-register-a-sm_90a.txt rk1: ok
// CHECK: candidates-register-a2-sm_90a.txt r2m: ok
// CHECK-NOT: REFUSED
