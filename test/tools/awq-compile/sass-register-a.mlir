// What ptxas makes of the wgmma kernel with the weights as register A
// (docs/perf.md, sessions 12 and 13): no spills, no warnings, no
// shared-memory stores in the K loop (the weights never go through a
// dequantized tile), four register-A HGMMA per step with one group left in
// flight, two steps per loop iteration on two register sets, and no write
// to the A registers of a group still in flight (the session-12 kernels
// had 70-79 such writes and computed garbage on the H100); and the
// warp-specialised variant moves registers from producer to consumers.
// REQUIRES: ptxas, cuobjdump
// RUN: rm -rf %t && awq-compile %awq_src_root/examples/bench-shapes.mlir -o %t --arch=sm_90a --gemm-tiles=2-16:s1x4x8x1x1xp,17-32:s2x4x4x1x1xp,33-64:w64x64x1x6xt,65-256:w128x128x2x4xwsxt,257-max:w256x128x2x4xt
// RUN: %sass %t 'n4096_k4096_.*bm64_bn64_wg1_s6_t$' | FileCheck %s --check-prefix=RA
// RUN: %sass %t 'n4096_k4096_.*bm256_bn128_wg2_s4_t$' | FileCheck %s --check-prefix=LARGE
// RUN: %sass %t 'n4096_k4096_.*bm128_bn128_wg2_s4_ws_t$' | FileCheck %s --check-prefix=WS
// Every register-A kernel the shipped defaults build for the bench shapes,
// by rule W6 and with the H100 table (tuning/h100-sm_90a.json): no write
// to in-flight A registers; the rule's kernels have no spill; the table's
// may spill a little (under 100 bytes), as the tuner timed them faster
// than the unspilled default on the GPU (session 14: 12 bytes in the
// 14336x4096 M = 65..128 kernel, 45.6 against 48.8 us).
// RUN: rm -rf %t.rule && awq-compile %awq_src_root/examples/bench-shapes.mlir -o %t.rule --arch=sm_90a
// RUN: %sass %t.rule 'wgmma.*_t$' | FileCheck %s --check-prefixes=RULE,HAZARD
// The same for the GPU test shapes (t.wide_n_bias_g128 reaches W7 with a
// ragged N and a bias), so the kernels the GPU suites test are clean too.
// RUN: rm -rf %t.test && awq-compile %awq_src_root/examples/gpu-test-shapes.mlir -o %t.test --arch=sm_90a
// RUN: %sass %t.test 'wgmma.*_t$' | FileCheck %s --check-prefixes=RULE,HAZARD
// RUN: rm -rf %t.tuned && awq-compile %awq_src_root/examples/bench-shapes.mlir -o %t.tuned --arch=sm_90a --tuning=%awq_src_root/tuning/h100-sm_90a.json
// RUN: %sass %t.tuned 'wgmma.*_t$' | FileCheck %s --check-prefixes=TUNED,HAZARD
// (The -NOT lines come after the last positive match, so they cover every
// kernel after the first; the first kernel's own line is matched exactly.)
// RULE: == awq_gemm_{{.*}}_wgmma_{{.*}}_t: {{[0-9]+}} registers, 0 bytes spilled
// TUNED: == awq_gemm_{{.*}}_wgmma_{{.*}}_t: {{[0-9]+}} registers, {{[0-9]?[0-9]}} bytes spilled
// HAZARD: K loop: 0 writes to in-flight
// RULE-NOT: {{[1-9][0-9]*}} bytes spilled
// TUNED-NOT: {{[1-9][0-9][0-9]+}} bytes spilled
// HAZARD-NOT: K loop: {{[1-9][0-9]*}} writes to in-flight

// RA: == awq_gemm_n4096_k4096_g128_f16_z_wgmma_bm64_bn64_wg1_s6_t: {{[0-9]+}} registers, 0 bytes spilled, 0 ptxas warnings
// RA: K loop: 0 shared-memory stores
// RA-NEXT: K loop: 0 writes to in-flight register-A operands
// RA: WARPGROUP.ARRIVE
// RA-NEXT: HGMMA.64x64x16.F32 R{{[0-9]+}}, R[[SET0:[0-9]+]], gdesc
// RA-NEXT: HGMMA.64x64x16.F32 R{{[0-9]+}}, R{{[0-9]+}}, gdesc
// RA-NEXT: HGMMA.64x64x16.F32 R{{[0-9]+}}, R{{[0-9]+}}, gdesc
// RA-NEXT: HGMMA.64x64x16.F32 R{{[0-9]+}}, R{{[0-9]+}}, gdesc{{.*}}gsb0
// RA-NEXT: WARPGROUP.DEPBAR.LE gsb0, 0x1
// RA-NEXT: WARPGROUP.ARRIVE
// RA-NEXT: HGMMA.64x64x16.F32 R{{[0-9]+}}, R{{[0-9]+}}, gdesc
// RA-NOT: R[[SET0]],
// RA: gsb0
// RA-NEXT: WARPGROUP.DEPBAR.LE gsb0, 0x1

// LARGE: == awq_gemm_n4096_k4096_g128_f16_z_wgmma_bm256_bn128_wg2_s4_t: {{[0-9]+}} registers, 0 bytes spilled, 0 ptxas warnings
// LARGE: K loop: 0 shared-memory stores
// LARGE-NEXT: K loop: 0 writes to in-flight register-A operands
// LARGE: WARPGROUP.ARRIVE
// LARGE-COUNT-4: HGMMA.64x256x16.F32 R{{[0-9]+}}, R{{[0-9]+}}, gdesc
// LARGE-NEXT: WARPGROUP.DEPBAR.LE gsb0, 0x1

// WS: == awq_gemm_n4096_k4096_g128_f16_z_wgmma_bm128_bn128_wg2_s4_ws_t: 168 registers, 0 bytes spilled, 0 ptxas warnings
// WS: K loop: 0 writes to in-flight register-A operands
// WS: USETMAXREG.DEALLOC.CTAPOOL 0x60
// WS: USETMAXREG.TRY_ALLOC.CTAPOOL {{.*}}0xc8
// WS: WARPGROUP.ARRIVE
// WS-COUNT-4: HGMMA.64x128x16.F32 R{{[0-9]+}}, R{{[0-9]+}}, gdesc
// WS-NEXT: WARPGROUP.DEPBAR.LE gsb0, 0x1
