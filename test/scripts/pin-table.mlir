// scripts/pin-table.py: the wgmma kernels an awq-bench JSON timed become a
// tuning table for the M ranges given (the GEMV and stream kernels, and M
// outside the ranges, are left to the defaults), so that compiling with it
// rebuilds exactly those kernels (a rule change timed against the kernels
// it replaced, in one GPU run).
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf '{"device": "Fake GPU", "cases": [{"m": 1, "variant": "awq_gemv_n256_k512_g128_f16_z_mt1_r4_u1_g2"}, {"m": 64, "variant": "awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s8_k2_u2"}, {"m": 256, "variant": "awq_gemm_n256_k512_g128_f16_z_wgmma_bm128_bn128_wg2_s4_ws_t"}, {"m": 4096, "variant": "awq_gemm_n256_k512_g128_f16_z_wgmma_bm256_bn128_wg2_s4_t"}]}' > %t/bench.json
// RUN: %python %awq_src_root/scripts/pin-table.py %t/bench.json --ranges 33-64,65-128,129-256 -o %t/table.json | FileCheck %s --check-prefix=SAID
// RUN: FileCheck %s --check-prefix=TABLE < %t/table.json
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a tuning=%t/table.json" | FileCheck %s
// RUN: not %python %awq_src_root/scripts/pin-table.py %t/bench.json --ranges 33-x -o %t/bad.json 2>&1 | FileCheck %s --check-prefix=RANGES
// RUN: not %python %awq_src_root/scripts/pin-table.py %t/missing.json --ranges 33-64 -o %t/bad.json 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not ls %t/bad.json
// RANGES: argument --ranges: expected M ranges LO-HI,... with 0 < LO <= HI, got '33-x'
// MISSING: pin-table: {{.*}}missing.json: FileNotFoundError
// SAID: table.json: 2 ranges over 1 shapes
// TABLE: "device": "Fake GPU"
// TABLE: "tag": "n256_k512_g128_f16_z"
// TABLE: "m_min": 33,
// TABLE-NEXT: "m_max": 64,
// TABLE-NEXT: "spec": "w64x64x1x8xk2xu2"
// TABLE: "m_min": 129,
// TABLE-NEXT: "m_max": 256,
// TABLE-NEXT: "spec": "w128x128x2x4xwsxt"
// TABLE-NOT: "spec"
// CHECK: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x8xk2xu2">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w128x128x2x4xwsxt">
// CHECK-SAME: #awq.kernel_choice<m_min = 513, m_max = 2147483647, spec = "w256x128x2x4xt">
func.func @pinned(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>, %z: tensor<256x4xi4>) -> tensor<?x256xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16>, zeros tensor<256x4xi4> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
