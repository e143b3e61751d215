// RUN: awq-opt %s --split-input-file --convert-awq-to-gpu | FileCheck %s
// RUN: awq-opt %s --split-input-file --convert-awq-to-gpu="gemm-tiles=2-16:s1x4x8x1x1xpxt,17-max:s2x2x4x1x1xt" | FileCheck %s --check-prefix=TILES
// RUN: not awq-opt %s --split-input-file --convert-awq-to-gpu="gemm-tiles=2-16:s1x3x8x1x1xt,17-max:s2x4x4x1x1" 2>&1 | FileCheck %s --check-prefix=ODD
// RUN: not awq-opt %s --split-input-file --convert-awq-to-gpu="gemm-tiles=2-16:s1x4x8x1x1xtxt,17-max:s2x4x4x1x1" 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not awq-opt %s --split-input-file --convert-awq-to-gpu="gemm-tiles=2-16:s1x4x8x1x1xs,17-max:s2x4x4x1x1" 2>&1 | FileCheck %s --check-prefix=NEEDS-A
// RUN: awq-opt %s --split-input-file --convert-awq-to-gpu="chip=sm_90" | FileCheck %s --check-prefix=PDL
// RUN: awq-opt %s --split-input-file --convert-awq-to-gpu="gemm-tiles=2-16:s1x2x2x1x3xtxs,17-max:s2x4x4x1x1" | FileCheck %s --check-prefix=TAIL

// The stream kernel with weights as the MMA's A operand, four warps: by
// default where N gives more than two 32-row blocks per SM of an H100
// (here 288).

// CHECK-LABEL: func.func @wide
// CHECK: #awq.variant<kernel = @awq_kernels::@[[WIDE:awq_gemm_n9216_k256_g128_f16_z_stream_mt1_nt4_w4_u1_t]], family = "gemm", m_min = 2, m_max = 16, m_tile = 16, grid = [288, 1, 1], block = [128, 1, 1]
// CHECK: gpu.func @[[WIDE]]
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK: scf.for
// Group 128 = one K unit: dequantization stops at the exact q - z (no
// multiply by the scale), the first MMA of a unit starts from zero ...
// CHECK-NOT: arith.mulf
// CHECK: llvm.inline_asm "lop3.b32
// CHECK-NOT: arith.mulf
// CHECK: %[[FIRST:.*]] = nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[ZERO]]) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[FIRST]])
// ... and the unit's sums are scaled in f32 into the accumulators.
// CHECK-NOT: arith.mulf
// CHECK: %[[SCALE:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: llvm.intr.fma(%[[SCALE]], %{{.*}}, %{{.*}}) : (f32, f32, f32) -> f32
// CHECK-NOT: arith.mulf
// CHECK: scf.yield
// Accumulators go to the warps' partial tiles.
// CHECK: memref.store %{{.*}}, %{{.*}} : memref<4x16x32xf32, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// CHECK: gpu.return

// TILES-LABEL: func.func @wide
// TILES: @awq_gemm_n9216_k256_g128_f16_z_stream_mt1_nt4_w8_u1_p_t,
// TILES: @[[TWO:awq_gemm_n9216_k256_g128_f16_z_stream_mt2_nt2_w4_u1_t]], family = "gemm", m_min = 17
// Two 16-row tiles of x scale while dequantizing (fewer live registers).
// TILES: gpu.func @[[TWO]]
// TILES: scf.for
// TILES: llvm.inline_asm "lop3.b32
// TILES: arith.mulf %{{.*}}, %{{.*}} : vector<8xf16>
// TILES: nvgpu.mma.sync
// TILES-NOT: llvm.intr.fma(%{{.*}}) : (f32, f32, f32)
// TILES: scf.yield

// ODD: error: 'awq.qlinear' op cannot use the stream kernel: with weights as the MMA's A operand the stream kernel takes an even number of n8 tiles
// FLAG: error: invalid gemm-tiles option: expected MMIN-MMAX:sMTILESxNTILESxWARPSxUNROLL[xWARPSN[xp][xt][xs]]
// NEEDS-A: error: 'awq.qlinear' op cannot use the stream kernel: staged activations need weights as the MMA's A operand
func.func @wide(%x: tensor<?x256xf16>, %q: tensor<9216x256xi4>, %s: tensor<9216x2xf16>, %z: tensor<9216x2xi4>) -> tensor<?x9216xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "wide"}
      : tensor<?x256xf16>, tensor<9216x256xi4>, tensor<9216x2xf16>, zeros tensor<9216x2xi4> -> tensor<?x9216xf16>
  return %y : tensor<?x9216xf16>
}

// -----

// Groups smaller than a K unit (here 64 of 128): the scale is applied to
// each dequantized pair, the MMAs accumulate straight into the
// accumulators.

// TILES-LABEL: func.func @small_groups
// TILES: @[[G64:awq_gemm_n9216_k256_g64_bf16_sym_stream_mt1_nt4_w8_u1_p_t]], family = "gemm", m_min = 2
// TILES: gpu.func @[[G64]]
// TILES: scf.for
// TILES: arith.mulf %{{.*}}, %{{.*}} : vector<8xbf16>
// TILES: nvvm.mma.sync
// TILES-NOT: arith.extf
// TILES: scf.yield
func.func @small_groups(%x: tensor<?x256xbf16>, %q: tensor<9216x256xi4>, %s: tensor<9216x4xbf16>) -> tensor<?x9216xbf16> {
  %y = awq.qlinear %x, %q, %s {group_size = 64 : i64, name = "small_groups"}
      : tensor<?x256xbf16>, tensor<9216x256xi4>, tensor<9216x4xbf16> -> tensor<?x9216xbf16>
  return %y : tensor<?x9216xbf16>
}

// -----

// M = 17..32 with many blocks: two groups of two warps along N share the
// activations the block stages in two shared buffers; the next step's are
// loaded during the math, stored into the other buffer after it, then a
// barrier.

// CHECK-LABEL: func.func @wide_long
// CHECK: @[[STAGED:awq_gemm_n9216_k1024_g128_f16_z_stream_mt2_nt4_w2_u1_wn2_p_t_s]], family = "gemm", m_min = 17, m_max = 32, m_tile = 32, grid = [144, 1, 1], block = [128, 1, 1]
// CHECK: gpu.func @[[STAGED]]({{.*}}) workgroup(%[[PARTS:.*]] : memref<2x32x64xf32, #gpu.address_space<workgroup>>, %[[XBUF:.*]] : memref<2x32x32x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK: vector.store %{{.*}}, %[[XBUF]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: vector.load %{{.*}} : memref<?x1024xf16>, vector<8xf16>
// CHECK: vector.load %[[XBUF]]
// CHECK: nvgpu.mma.sync
// CHECK: vector.store %{{.*}}, %[[XBUF]]
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK: memref.store %{{.*}}, %[[PARTS]]

// With programmatic launch (sm_90) no activation is read before the wait,
// staged (17..32) or not (2..16).
// PDL-LABEL: gpu.func @awq_gemm_n9216_k1024_g128_f16_z_stream_mt1_nt4_w4_u1_t(
// PDL-NOT: memref<?x1024xf16>, vector<8xf16>
// PDL: nvvm.griddepcontrol wait
// PDL: vector.load {{.*}} : memref<?x1024xf16>, vector<8xf16>
// PDL-LABEL: gpu.func @awq_gemm_n9216_k1024_g128_f16_z_stream_mt2_nt4_w2_u1_wn2_p_t_s(
// PDL-NOT: memref<?x1024xf16>, vector<8xf16>
// PDL: nvvm.griddepcontrol wait
// PDL: vector.load {{.*}} : memref<?x1024xf16>, vector<8xf16>
// PDL: gpu.return

// 192 threads stage 512 pieces: the last round's stores are guarded.
// TAIL-LABEL: gpu.func @awq_gemm_n9216_k1024_g128_f16_z_stream_mt1_nt2_w2_u1_wn3_t_s(
// TAIL: scf.for
// TAIL: vector.store %{{.*}} : memref<2x16x32x8xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// TAIL: arith.cmpi ult, %{{.*}}, %c512{{.*}} : index
// TAIL-NEXT: scf.if
// TAIL: vector.store %{{.*}} : memref<2x16x32x8xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// TAIL: gpu.barrier
// TAIL-NEXT: scf.yield
func.func @wide_long(%x: tensor<?x1024xf16>, %q: tensor<9216x1024xi4>, %s: tensor<9216x8xf16>, %z: tensor<9216x8xi4>) -> tensor<?x9216xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "wide_long"}
      : tensor<?x1024xf16>, tensor<9216x1024xi4>, tensor<9216x8xf16>, zeros tensor<9216x8xi4> -> tensor<?x9216xf16>
  return %y : tensor<?x9216xf16>
}
