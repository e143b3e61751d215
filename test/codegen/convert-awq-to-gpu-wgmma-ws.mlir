// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w128x64x2x3xws" | FileCheck %s
// The spec round-trips through a recorded kernel choice.
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w128x64x2x3xws" | FileCheck %s --check-prefix=CHOICE
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w128x64x2x3xws" --convert-awq-to-gpu="chip=sm_90a" | FileCheck %s
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x3xk2xws" 2>&1 | FileCheck %s --check-prefix=SPLIT
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x32x1x3xws" 2>&1 | FileCheck %s --check-prefix=NARROW
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x1xws" 2>&1 | FileCheck %s --check-prefix=STAGES
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x3xwx" 2>&1 | FileCheck %s --check-prefix=SYNTAX

// The warp-specialised wgmma kernel: two consumer warpgroups and a
// producer (384 threads, launch bounds for one block per SM), one weight
// tile per stage, and 2 · 3 + 1 mbarriers after the packed stages.
// CHECK-LABEL: func.func @producer_consumer
// CHECK: #awq.variant<kernel = @awq_kernels::@[[WS:awq_gemm_n320_k448_g64_f16_z_wgmma_bm128_bn64_wg2_s3_ws]], family = "gemm", m_min = 33, m_max = 2147483647, m_tile = 128, grid = [5, 1, 1], block = [384, 1, 1], shared_bytes = 79928>
// CHECK: gpu.func @[[WS]](
// CHECK-SAME: nvvm.maxntid = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32
// Thread 0 initialises the three "full" barriers (the producer's 128
// threads arrive) and four "empty" ones (the consumers' 256 threads).
// CHECK-COUNT-3: nvvm.mbarrier.init %{{.*}}, %c128_i32
// CHECK-COUNT-4: nvvm.mbarrier.init %{{.*}}, %c256_i32
// CHECK: gpu.barrier
// Threads 256 and up produce; each role ends in its own exit.
// CHECK: %[[PRODUCER:.*]] = arith.cmpi uge, %{{.*}}, %c256
// CHECK: cf.cond_br %[[PRODUCER]], ^bb1, ^bb2
// CHECK: ^bb1:
// Producer step: this thread's copies of the tile have landed (one younger
// group may be pending), dequantize, order the stores for the async proxy,
// publish the stage, wait for the stage two tiles back to be released,
// refill it.
// CHECK: scf.for
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK: nvvm.mbarrier.arrive
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvgpu.device_async_copy
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT: nvvm.exit
// CHECK-NEXT: gpu.return
// Consumer step: wait for the stage, one wgmma group in flight, release the
// previous tile's stage (tile 0 releases the spare barrier 2 · 3).
// CHECK: ^bb2:
// CHECK: scf.for
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvvm.wgmma.mma_async
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK: arith.select %[[FIRST]], %c3{{.*}}, %{{.*}} : index
// CHECK: nvvm.mbarrier.arrive
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: gpu.return
// CHOICE: #awq.kernel_choice<m_min = 33, m_max = 2147483647, spec = "w128x64x2x3xws">
// SPLIT: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64, warp-specialised: split K and a producer warpgroup (xws) do not combine yet
// NARROW: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x32, warp-specialised: the weight tile's 16-byte chunks (2 per row) do not divide among the threads that copy them
// STAGES: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64, warp-specialised: 1 stages: 2 to 16 are supported
// SYNTAX: error: invalid gemm-tiles option: expected MMIN-MMAX:wBMxBNxWARPGROUPSxSTAGES[xkSPLITK][xuTILES][xws][xt] (kSPLITK: K split over that many blocks of a cluster; uTILES: K tiles of 64 per pipeline step; ws: a producer warpgroup copies and dequantizes for WARPGROUPS consumers; t: weights as wgmma's A operand, dequantized into registers), got '33-max:w64x64x1x3xwx'
func.func @producer_consumer(%x: tensor<?x448xf16>, %q: tensor<320x448xi4>, %s: tensor<320x7xf16>, %z: tensor<320x7xi4>) -> tensor<?x320xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 64 : i64}
      : tensor<?x448xf16>, tensor<320x448xi4>, tensor<320x7xf16>, zeros tensor<320x7xi4> -> tensor<?x320xf16>
  return %y : tensor<?x320xf16>
}
