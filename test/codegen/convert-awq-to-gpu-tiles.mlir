// RUN: awq-opt %s --convert-awq-to-gpu="gemm-tiles=3-16:32x32x2x1x3x4x2xr,17-max:64x32x2x1x2x4x2xr" | FileCheck %s
// RUN: not awq-opt %s --convert-awq-to-gpu="gemm-tiles=1-16:16x32x1x1x3,17-max:64x64x2x2x3" 2>&1 | FileCheck %s --check-prefix=FIRST
// RUN: not awq-opt %s --convert-awq-to-gpu="gemm-tiles=5-16:16x32x1x1x3x4x4x7,17-max:64x64x2x2x3" 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not awq-opt %s --convert-awq-to-gpu="gemm-tiles=5-16:16x32x1x1x3x1x2xr,17-max:64x64x2x2x3" 2>&1 | FileCheck %s --check-prefix=SLICE
// RUN: not awq-opt %s --convert-awq-to-gpu="gemm-tiles=5-16:16x32x1x1x3,20-max:64x64x2x2x3" 2>&1 | FileCheck %s --check-prefix=GAP

// --gemm-tiles moves the switch from the GEMV to tensor cores to M = 3 (the
// GEMV keeps M = 1 and 2) and selects register dequantization ("r"): warps
// whose 64-wide K slice spans two groups of 32 load two scale/zero pairs
// per weight row and K step.
// CHECK-LABEL: func.func @g32
// CHECK: kernels = [
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@awq_gemv_n136_k512_g32_f16_z_mt1_r4_u1_g2, family = "gemv", m_min = 1, m_max = 1
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@awq_gemv_n136_k512_g32_f16_z_mt2_r4_u1, family = "gemv", m_min = 2, m_max = 2
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@[[SMALL:awq_gemm_n136_k512_g32_f16_z_bm32_bn32_w2x1_s3_bk128_wk2_rd]], family = "gemm", m_min = 3, m_max = 16, m_tile = 32, grid = [5, 1, 1], block = [128, 1, 1]
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@awq_gemm_n136_k512_g32_f16_z_bm64_bn32_w2x1_s2_bk128_wk2_rd, family = "gemm", m_min = 17, m_max = 2147483647, m_tile = 64
// CHECK-SAME: ]
// CHECK: gpu.func @[[SMALL]](%{{.*}}: memref<?x512xf16>, %{{.*}}: memref<136x64xi32>, %[[SCALES:.*]]: memref<136x16xf16>, %[[ZEROS:.*]]: memref<136x16xf16>, %{{.*}}: memref<?x136xf16>)
// Four n8 tiles x two groups: eight scales and eight zeros per lane and step.
// CHECK: scf.for {{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f16)
// CHECK-COUNT-8: memref.load %[[SCALES]]
// CHECK: scf.yield
func.func @g32(%x: tensor<?x512xf16>, %q: tensor<136x512xi4>, %s: tensor<136x16xf16>, %z: tensor<136x16xi4>) -> tensor<?x136xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64}
      : tensor<?x512xf16>, tensor<136x512xi4>, tensor<136x16xf16>, zeros tensor<136x16xi4> -> tensor<?x136xf16>
  return %y : tensor<?x136xf16>
}

// FIRST: error: invalid gemm-tiles option: the first gemm-tiles range must start at M = 2 to 5, not '1-16:16x32x1x1x3'
// FLAG: error: invalid gemm-tiles option: expected MMIN-MMAX:BMxBNxWMxWNxSTAGES[xKCHUNKSxWK[xW]] with W 0, 1 (double-buffered dequantized tile) or r (dequantized into registers), got '5-16:16x32x1x1x3x4x4x7'
// SLICE: error: 'awq.qlinear' op cannot use GEMM tile 16x32: with register dequantization each warp's K slice must be whole 32-weight chunks
// GAP: error: invalid gemm-tiles option: gemm-tiles ranges must tile M up to 2147483647 in order; '20-max:64x64x2x2x3' does not continue at M = 17
