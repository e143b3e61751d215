// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x8xk2xu2" | FileCheck %s
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x5xu2" 2>&1 | FileCheck %s --check-prefix=STAGES
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x16xu5" 2>&1 | FileCheck %s --check-prefix=TILES
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6xu2xws" 2>&1 | FileCheck %s --check-prefix=WS

// The warpgroup-MMA kernel with two K tiles of 64 per pipeline step
// (codegen/WgmmaKernel.cpp, WgmmaConfig::tilesPerStep), K split over two
// blocks: K = 448 is 7 tiles, rank 0 takes 4, rank 1 takes 3, so rank 1's
// second step runs one tile past its end. That tile's scales are 0 (its
// re-fetched weights dequantize to 0), so the step needs no branch around
// its wgmma group.
// CHECK-LABEL: func.func @steps
// CHECK: #awq.variant<kernel = @awq_kernels::@[[K:awq_gemm_n320_k448_g64_f16_z_wgmma_bm64_bn64_wg1_s8_k2_u2]], family = "gemm", m_min = 33, {{.*}} grid = [5, 1, 2], block = [128, 1, 1], shared_bytes = 131072>
// CHECK: gpu.func @[[K]](
// This rank's tiles: rank · 4 up to min(4, 7 - rank · 4) of them; the
// last one's index, against which every tile's scale is checked.
// CHECK: %[[RANK:.*]] = gpu.block_id  z
// CHECK: %[[BEGIN:.*]] = arith.muli %[[RANK]], %c4
// CHECK: %[[LEFT:.*]] = arith.subi %c7{{.*}}, %[[BEGIN]]
// CHECK: %[[COUNT:.*]] = arith.minui %{{.*}}, %[[LEFT]]
// CHECK: %[[LAST:.*]] = arith.subi %[[COUNT]], %c1
// The prologue's scales of tiles 0..3 (ahead = 8 - 2 · 2).
// CHECK: %[[PAST0:.*]] = arith.cmpi ugt, %c0{{.*}}, %[[LAST]] : index
// CHECK: arith.select %[[PAST0]], %cst{{.*}}, %{{.*}} : f16
// CHECK-COUNT-3: arith.cmpi ugt
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[COUNT]] step %c2
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// The scales of the two tiles `ahead` further on, then both tiles
// dequantized, one barrier, their copies, one wgmma group of 2 x 4 k16
// steps, one wait.
// CHECK: arith.cmpi ugt, %{{.*}}, %[[LAST]] : index
// CHECK: arith.cmpi ugt, %{{.*}}, %[[LAST]] : index
// CHECK: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-2: nvgpu.device_async_create_group
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-8: nvvm.wgmma.mma_async
// CHECK-NEXT: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: nvvm.cluster.arrive
// STAGES: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64: 5 stages: 6 to 16 are supported with 2 K tile(s) per step
// TILES: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64: 5 K tiles per step: 1 to 4 are supported
// WS: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64, warp-specialised: several K tiles per step and a producer warpgroup (xws) do not combine yet
func.func @steps(%x: tensor<?x448xf16>, %q: tensor<320x448xi4>, %s: tensor<320x7xf16>, %z: tensor<320x7xi4>) -> tensor<?x320xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 64 : i64}
      : tensor<?x448xf16>, tensor<320x448xi4>, tensor<320x7xf16>, zeros tensor<320x7xi4> -> tensor<?x320xf16>
  return %y : tensor<?x320xf16>
}
