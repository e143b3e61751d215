// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6xt" | FileCheck %s
// The spec round-trips through a recorded kernel choice.
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6xt" | FileCheck %s --check-prefix=CHOICE
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x32x1x6xt" 2>&1 | FileCheck %s --check-prefix=ROWS
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w8x64x1x6xt" 2>&1 | FileCheck %s --check-prefix=TOKENS
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w256x128x1x4xt" 2>&1 | FileCheck %s --check-prefix=ACCS
// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w128x128x2x4xwsxt" | FileCheck %s --check-prefix=WS
// Three consumers (512 threads, 128 registers each at launch): 136 each.
// Four (640 threads, 96 at launch): keeping 96 frees nothing, so no
// setmaxnreg at all (asking for more would wait forever).
// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x192x3x4xwsxt" | FileCheck %s --check-prefix=WS3
// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x256x4x4xwsxt" | FileCheck %s --check-prefix=WS4

// The wgmma kernel with the weights as its register A operand: 64 weight
// rows per block (N = 320: five blocks), 64 tokens as wgmma's N; six
// stages of x (8 KiB) and packed weights (2 KiB), no dequantized tile.
// CHECK-LABEL: func.func @register_a
// CHECK: #awq.variant<kernel = @awq_kernels::@[[K:awq_gemm_n320_k448_g64_f16_z_wgmma_bm64_bn64_wg1_s6_t]], family = "gemm", m_min = 33, m_max = 2147483647, m_tile = 64, grid = [5, 1, 1], block = [128, 1, 1], shared_bytes = 61440>
// CHECK: gpu.func @[[K]](
// A step: this thread's copies of the tile have landed, the block's
// copies are published (for wgmma's async proxy too) before any thread
// reads the packed words others copied, then the refill goes out.
// CHECK: scf.for
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 3 : i32}
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy
// Word lane mod 4 of both chunks of rows g and g + 8, from the packed
// stage, dequantized in registers (no store to shared memory).
// CHECK-COUNT-4: memref.load %{{.*}} : memref<6x64x8xi32, strided<[512, 8, 1], offset: 12288>, #gpu.address_space<workgroup>>
// CHECK-NOT: vector.store
// CHECK: nvvm.wgmma.fence.aligned
// Four k16 steps, each an m64n64k16 with four A registers and x's
// descriptor as B (K-major, not transposed), 32 accumulators tied.
// CHECK-COUNT-4: llvm.inline_asm has_side_effects "{\0A.reg .pred p;\0Asetp.ne.b32 p, 1, 0;\0Awgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {$0, {{.*}}, $31}, {$32, $33, $34, $35}, $36, p, 1, 1, 0;\0A}", "{{(=f,)+}}r,r,r,r,l,0,{{.*}},31"
// CHECK-NEXT: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// The registers hold yᵀ: the f32 tile goes transposed into shared memory
// (68 f32 a row, so a warp's stores hit distinct banks), then runs of four
// outputs go out.
// CHECK: gpu.barrier
// CHECK-COUNT-32: memref.store %{{.*}} : memref<64x68xf32, strided<[68, 1]>, #gpu.address_space<workgroup>>
// CHECK-NEXT: gpu.barrier
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr -> vector<4xf32>
// CHECK: vector.store %{{.*}}, %{{.*}} {alignment = 8 : i64} : memref<?x320xf16>, vector<4xf16>
// CHECK: gpu.return
// CHOICE: #awq.kernel_choice<m_min = 33, m_max = 2147483647, spec = "w64x64x1x6xt">
// ROWS: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x32, weights as register A: tileN = 32 must be a positive multiple of 64 (64 weight rows per warpgroup)
// TOKENS: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 8x64, weights as register A: tileM = 8 must be a multiple of 16 from 16 to 256 (one wgmma)
// ACCS: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 256x128, weights as register A: 256 accumulators per thread: at most 128
// With a producer warpgroup (xws) it only copies: it hands registers to
// the two consumers (96 kept; the 384-thread block launches with 168
// each, so the 72 · 128 freed give them 200), publishes each stage
// once its copies have landed, and the consumers load the packed words
// and issue register-A wgmma groups between their mbarrier waits.
// WS: #awq.variant<kernel = @awq_kernels::@[[WS:awq_gemm_n320_k448_g64_f16_z_wgmma_bm128_bn128_wg2_s4_ws_t]], family = "gemm", m_min = 33, m_max = 2147483647, m_tile = 128, grid = [3, 1, 1], block = [384, 1, 1], shared_bytes = 82000>
// WS: gpu.func @[[WS]](
// WS: cf.cond_br %{{.*}}, ^bb1, ^bb2
// WS: ^bb1:
// WS-NEXT: nvvm.setmaxregister  decrease 96
// WS: scf.for
// WS: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// WS-NOT: vector.store
// WS: nvvm.fence.proxy
// WS: nvvm.mbarrier.arrive
// WS: nvvm.mbarrier.try_wait.parity
// WS: nvgpu.device_async_copy
// Its copies drained, the producer says so on the last mbarrier and exits.
// WS: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// WS: %[[DRAINED:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i64
// WS-NEXT: nvvm.mbarrier.arrive %[[DRAINED]]
// WS-NEXT: nvvm.exit
// WS: ^bb2:
// WS-NEXT: nvvm.setmaxregister  increase 200
// WS: scf.for
// WS: nvvm.mbarrier.try_wait.parity
// WS-COUNT-4: memref.load %{{.*}} : memref<4x128x8xi32, strided<[1024, 8, 1], offset: 16384>, #gpu.address_space<workgroup>>
// WS: nvvm.wgmma.fence.aligned
// WS-COUNT-4: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// WS-NEXT: nvvm.wgmma.commit.group.sync.aligned
// WS-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// WS: nvvm.mbarrier.arrive
// WS: nvvm.wgmma.wait.group.sync.aligned 0
// The consumers wait for that before their output tile goes over the
// stages, and synchronise among themselves (named barrier 1, 256 threads):
// the producer has exited.
// WS: nvvm.mbarrier.try_wait.parity %{{.*}}, %{{.*}}, %{{.*}} : !llvm.ptr<3>, i32, i32
// WS: nvvm.barrier id = %c1_i32{{.*}} number_of_threads = %c256_i32
// WS-COUNT-64: memref.store %{{.*}} : memref<128x132xf32, strided<[132, 1]>, #gpu.address_space<workgroup>>
// WS: nvvm.barrier id = %c1_i32{{.*}} number_of_threads = %c256_i32
// WS: vector.store %{{.*}}, %{{.*}} {alignment = 8 : i64} : memref<?x320xf16>, vector<4xf16>
// WS3: nvvm.setmaxregister  decrease 96
// WS3: nvvm.setmaxregister  increase 136
// WS4-LABEL: gpu.func @awq_gemm_n320_k448_g64_f16_z_wgmma_bm64_bn256_wg4_s4_ws_t(
// WS4-NOT: nvvm.setmaxregister
// WS4: gpu.return
func.func @register_a(%x: tensor<?x448xf16>, %q: tensor<320x448xi4>, %s: tensor<320x7xf16>, %z: tensor<320x7xi4>) -> tensor<?x320xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 64 : i64}
      : tensor<?x448xf16>, tensor<320x448xi4>, tensor<320x7xf16>, zeros tensor<320x7xi4> -> tensor<?x320xf16>
  return %y : tensor<?x320xf16>
}
