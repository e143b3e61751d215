// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a" --split-input-file | FileCheck %s
// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a wgmma=false" --split-input-file | FileCheck %s --check-prefix=OFF
// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90" --split-input-file | FileCheck %s --check-prefix=OFF
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90 gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6" --split-input-file 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x24x1x6" --split-input-file 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1" --split-input-file 2>&1 | FileCheck %s --check-prefix=SYNTAX

// On sm_90a the warpgroup-MMA kernel serves M > 32: narrow tiles with one
// warpgroup up to M = 128 when N is small, 128 x 128 with two warpgroups
// up to 256, 256 x 128 above (K = 512 is too short to split), from M = 513
// with the weights as register A (rule W6). The narrow
// tiles' four blocks fit one wave, so they pipeline eight stages deep, two
// K tiles per step (rule W5). Its buffers are always dynamic shared memory.
// CHECK-LABEL: func.func @narrow_n
// CHECK: awq.qlinear
// CHECK-SAME: @awq_gemm_n256_k512_g128_f16_z_stream_mt2_nt4_w4_u1_p, family = "gemm", m_min = 17, m_max = 32
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@[[W64:awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s8_u2]], family = "gemm", m_min = 33, m_max = 64, m_tile = 64, grid = [4, 1, 1], block = [128, 1, 1], shared_bytes = 131072>
// CHECK-SAME: @awq_gemm_n256_k512_g128_f16_z_wgmma_bm128_bn64_wg1_s8_u2, family = "gemm", m_min = 65, m_max = 128, m_tile = 128, grid = [4, 1, 1], block = [128, 1, 1], shared_bytes = 196608>
// CHECK-SAME: @awq_gemm_n256_k512_g128_f16_z_wgmma_bm128_bn128_wg2_s4, family = "gemm", m_min = 129, m_max = 256, m_tile = 128, grid = [2, 1, 1], block = [256, 1, 1], shared_bytes = 131072>
// CHECK-SAME: @awq_gemm_n256_k512_g128_f16_z_wgmma_bm256_bn128_wg2_s4, family = "gemm", m_min = 257, m_max = 512, m_tile = 256, grid = [2, 1, 1], block = [256, 1, 1], shared_bytes = 196608>
// CHECK-SAME: @awq_gemm_n256_k512_g128_f16_z_wgmma_bm256_bn128_wg2_s4_t, family = "gemm", m_min = 513, m_max = 2147483647, m_tile = 256, grid = [2, 1, 1], block = [256, 1, 1], shared_bytes = 147456>
// The swizzled tiles need 1024-byte-aligned bases.
// CHECK-DAG: memref.global @awq_dynamic_smem_f16_a1024 : memref<0xf16, #gpu.address_space<workgroup>> {alignment = 1024 : i64}
// CHECK-DAG: memref.global @awq_dynamic_smem_i32_a1024 : memref<0xi32, #gpu.address_space<workgroup>> {alignment = 1024 : i64}
// Activation stages, three steps' dequantized weight tiles (six), packed
// weight stages.
// CHECK: gpu.func @[[W64]](
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [8, 64, 64], strides: [4096, 64, 1]
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [32768], sizes: [6, 64, 64], strides: [4096, 64, 1]
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [28672], sizes: [8, 64, 8], strides: [512, 8, 1]
// The descriptors start from the shared base address.
// CHECK: memref.extract_aligned_pointer_as_index
// Activations land in 16-byte chunk (c xor row mod 8) of their row.
// CHECK: %[[SWIZZLED:.*]] = arith.xori
// CHECK: %[[COL:.*]] = arith.muli %[[SWIZZLED]], %c8
// CHECK: nvgpu.device_async_copy %arg0[%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}, %[[COL]]], 8, %{{.*}} {bypassL1}
// CHECK: nvgpu.device_async_copy %arg1[
// Four tiles in flight ahead of the K loop (stages - 2 steps of 2), one
// copy group each; the loop steps over two tiles.
// CHECK-COUNT-3: nvgpu.device_async_create_group
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c2
// The step's second tile has landed once two younger groups are pending.
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// Dequantization of both tiles into their swizzled weight tiles, then the
// proxy fence that orders these generic-proxy writes before wgmma's
// async-proxy reads.
// CHECK: llvm.inline_asm "lop3.b32
// CHECK-COUNT-4: vector.store %{{.*}} {alignment = 16 : i64} : memref<6x64x64xf16, strided<[4096, 64, 1], offset: 32768>, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK: llvm.inline_asm "lop3.b32
// CHECK-COUNT-4: vector.store %{{.*}} {alignment = 16 : i64} : memref<6x64x64xf16, strided<[4096, 64, 1], offset: 32768>, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-2: nvgpu.device_async_create_group
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-8: nvvm.wgmma.mma_async %{{.*}}, %{{.*}}, %{{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: scf.yield
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// The epilogue stores f16 pairs straight from the accumulators.
// CHECK: vector.store %{{.*}}, %arg4[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<?x256xf16>, vector<2xf16>
// OFF-LABEL: func.func @narrow_n
// OFF-NOT: wgmma
// OFF: gpu.module
// CHIP: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64: it needs chip sm_90a, not 'sm_90'
// TILE: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x24: tileN = 24 must be a multiple of 16 from 16 to 256 (one wgmma)
// SYNTAX: error: invalid gemm-tiles option: expected MMIN-MMAX:wBMxBNxWARPGROUPSxSTAGES[xkSPLITK][xuTILES][xws][xt] (kSPLITK: K split over that many blocks of a cluster; uTILES: K tiles of 64 per pipeline step; ws: a producer warpgroup copies and dequantizes for WARPGROUPS consumers; t: weights as wgmma's A operand, dequantized into registers), got '33-max:w64x64x1'
func.func @narrow_n(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>, %z: tensor<256x4xi4>) -> tensor<?x256xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16>, zeros tensor<256x4xi4> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// -----

// Wide N keeps 128 x 128 tiles with two warpgroups up to M = 256; bf16
// operands become bf16 wgmma.
// CHECK-LABEL: func.func @wide_n_bf16
// CHECK: awq.qlinear
// CHECK-SAME: @awq_gemm_n8192_k128_g128_bf16_sym_wgmma_bm64_bn64_wg1_s8_u2, family = "gemm", m_min = 33, m_max = 64
// CHECK-SAME: @[[W128:awq_gemm_n8192_k128_g128_bf16_sym_wgmma_bm128_bn128_wg2_s4]], family = "gemm", m_min = 65, m_max = 128
// CHECK-SAME: @[[W128]], family = "gemm", m_min = 129, m_max = 256
// CHECK-SAME: @awq_gemm_n8192_k128_g128_bf16_sym_wgmma_bm256_bn128_wg2_s4, family = "gemm", m_min = 257
// CHECK: gpu.func @[[W128]](
// CHECK: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// OFF-LABEL: func.func @wide_n_bf16
// OFF-NOT: wgmma
// OFF: gpu.module
func.func @wide_n_bf16(%x: tensor<?x128xbf16>, %q: tensor<8192x128xi4>, %s: tensor<8192x1xbf16>) -> tensor<?x8192xbf16> {
  %y = awq.qlinear %x, %q, %s {group_size = 128 : i64}
      : tensor<?x128xbf16>, tensor<8192x128xi4>, tensor<8192x1xbf16> -> tensor<?x8192xbf16>
  return %y : tensor<?x8192xbf16>
}

// -----

// K = 96 is not a whole number of 64-wide K tiles: the mma.sync tiles serve.
// CHECK-LABEL: func.func @short_k
// CHECK: awq.qlinear {{.*}}@awq_gemm_n64_k96_g32_f16_sym_bm32_bn32_w1x1_s4_rd, family = "gemm", m_min = 33
// CHECK-SAME: @awq_gemm_n64_k96_g32_f16_sym_bm128_bn128_w4x2_s3, family = "gemm", m_min = 257
// CHECK-NOT: wgmma
func.func @short_k(%x: tensor<?x96xf16>, %q: tensor<64x96xi4>, %s: tensor<64x3xf16>) -> tensor<?x64xf16> {
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64}
      : tensor<?x96xf16>, tensor<64x96xi4>, tensor<64x3xf16> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}
