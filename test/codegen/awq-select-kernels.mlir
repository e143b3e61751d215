// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a" --split-input-file | FileCheck %s
// RUN: awq-opt %s --awq-select-kernels="chip=sm_80" --split-input-file | FileCheck %s --check-prefix=SM80
// The lowering builds what the choices say, the same as selecting inside it.
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a" --convert-awq-to-gpu="chip=sm_90a" --split-input-file | FileCheck %s --check-prefix=BUILT
// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a" --split-input-file | FileCheck %s --check-prefix=BUILT
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6xk2" --split-input-file | FileCheck %s --check-prefix=TILES
// RUN: not awq-opt %s --awq-select-kernels="chip=sm_90 gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6" --split-input-file 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not awq-opt %s --awq-select-kernels="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6xk16" --split-input-file 2>&1 | FileCheck %s --check-prefix=SPLIT

// Policy on sm_90a for a narrow N: the GEMV at M = 1, the stream kernel up
// to 32, warpgroup MMA above (up to M = 128 pipelined deep: its four
// blocks fit one wave, W5; from M = 513 with the weights as register A,
// W6), each range's tiling as a spec.
// CHECK-LABEL: func.func @narrow_n
// CHECK: kernel_choices = [#awq.kernel_choice<m_min = 1, m_max = 1, spec = "v1x4x4x1xg2">,
// CHECK-SAME: #awq.kernel_choice<m_min = 2, m_max = 16, spec = "s1x4x8x1x1xp">,
// CHECK-SAME: #awq.kernel_choice<m_min = 17, m_max = 32, spec = "s2x4x4x1x1xp">,
// CHECK-SAME: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x8xu2">,
// CHECK-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x64x1x8xu2">,
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w128x128x2x4">,
// CHECK-SAME: #awq.kernel_choice<m_min = 257, m_max = 512, spec = "w256x128x2x4">,
// CHECK-SAME: #awq.kernel_choice<m_min = 513, m_max = 2147483647, spec = "w256x128x2x4xt">]
// No kernels yet: selection only records the choice.
// CHECK-NOT: gpu.module
// sm_80 has no warpgroup MMA: register-dequantizing mma.sync tiles above 32.
// SM80-LABEL: func.func @narrow_n
// SM80: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "32x64x1x2x3x2x2xr">
// SM80-SAME: #awq.kernel_choice<m_min = 65, m_max = 256, spec = "64x64x2x2x3">
// SM80-SAME: #awq.kernel_choice<m_min = 257, m_max = 2147483647, spec = "128x128x4x2x3">
// BUILT-LABEL: func.func @narrow_n
// BUILT-NOT: kernel_choices
// BUILT: kernels = [#awq.variant<kernel = @awq_kernels::@awq_gemv_n256_k512_g128_f16_z_mt1_r4_u1_g2
// BUILT-SAME: @awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s8_u2, family = "gemm", m_min = 33, m_max = 64
// BUILT-SAME: @awq_gemm_n256_k512_g128_f16_z_wgmma_bm256_bn128_wg2_s4, family = "gemm", m_min = 257
// TILES-LABEL: func.func @narrow_n
// TILES: #awq.kernel_choice<m_min = 2, m_max = 32, spec = "s1x4x8x1">
// TILES: #awq.kernel_choice<m_min = 33, m_max = 2147483647, spec = "w64x64x1x6xk2">
// CHIP: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64: it needs chip sm_90a, not 'sm_90'
// SPLIT: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64: split K over 16 blocks: 1, 2, 4 or 8 (a portable cluster) are supported
func.func @narrow_n(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>, %z: tensor<256x4xi4>) -> tensor<?x256xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16>, zeros tensor<256x4xi4> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
