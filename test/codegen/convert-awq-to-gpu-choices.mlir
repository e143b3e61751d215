// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a" --split-input-file --verify-diagnostics | FileCheck %s

// convert-awq-to-gpu builds the op's own kernel_choices (written by
// awq-select-kernels or by hand), not its defaults.
// CHECK-LABEL: func.func @chosen
// CHECK: kernels = [#awq.variant<kernel = @awq_kernels::@awq_gemv_n256_k512_g128_f16_z_mt1_r4_u1, family = "gemv", m_min = 1, m_max = 1
// CHECK-SAME: @awq_gemm_n256_k512_g128_f16_z_stream_mt1_nt4_w8_u1, family = "gemm", m_min = 2, m_max = 32
// CHECK-SAME: @awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s6_k2, family = "gemm", m_min = 33, m_max = 2147483647, m_tile = 64, grid = [4, 1, 2]
// CHECK: gpu.func @awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s6_k2
func.func @chosen(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>, %z: tensor<256x4xi4>) -> tensor<?x256xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, kernel_choices = [
      #awq.kernel_choice<m_min = 1, m_max = 1, spec = "v1x4x4x1">,
      #awq.kernel_choice<m_min = 2, m_max = 32, spec = "s1x4x8x1x1">,
      #awq.kernel_choice<m_min = 33, m_max = 2147483647, spec = "w64x64x1x6xk2">]}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16>, zeros tensor<256x4xi4> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// -----

func.func @bad_spec(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>) -> tensor<?x256xf16> {
  // expected-error @+1 {{kernel_choices[1]: expected wBMxBNxWARPGROUPSxSTAGES[xkSPLITK][xuTILES][xws][xt] (kSPLITK: K split over that many blocks of a cluster; uTILES: K tiles of 64 per pipeline step; ws: a producer warpgroup copies and dequantizes for WARPGROUPS consumers; t: weights as wgmma's A operand, dequantized into registers), got 'w64x64'}}
  %y = awq.qlinear %x, %q, %s {group_size = 128 : i64, kernel_choices = [
      #awq.kernel_choice<m_min = 1, m_max = 1, spec = "v1x4x4x1">,
      #awq.kernel_choice<m_min = 2, m_max = 2147483647, spec = "w64x64">]}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// -----

func.func @does_not_fit(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>) -> tensor<?x256xf16> {
  // expected-error @+1 {{cannot use warpgroup-MMA tile 64x24: tileN = 24 must be a multiple of 16 from 16 to 256 (one wgmma)}}
  %y = awq.qlinear %x, %q, %s {group_size = 128 : i64, kernel_choices = [
      #awq.kernel_choice<m_min = 1, m_max = 1, spec = "v1x4x4x1">,
      #awq.kernel_choice<m_min = 2, m_max = 2147483647, spec = "w64x24x1x6">]}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// -----

func.func @short(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>) -> tensor<?x256xf16> {
  // expected-error @+1 {{kernel_choices must cover M up to 2147483647}}
  %y = awq.qlinear %x, %q, %s {group_size = 128 : i64, kernel_choices = [
      #awq.kernel_choice<m_min = 1, m_max = 1, spec = "v1x4x4x1">,
      #awq.kernel_choice<m_min = 2, m_max = 64, spec = "w64x64x1x6">]}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
