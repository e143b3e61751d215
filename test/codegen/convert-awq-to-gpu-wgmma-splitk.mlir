// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk4,65-max:w128x128x2x4xk2" | FileCheck %s
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6xk3" 2>&1 | FileCheck %s --check-prefix=SPLIT
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6xk8" 2>&1 | FileCheck %s --check-prefix=SHORTK
// RUN: not awq-opt %s --convert-awq-to-gpu="chip=sm_90a gemm-tiles=2-32:s1x4x8x1x1,33-max:w64x64x1x6xk" 2>&1 | FileCheck %s --check-prefix=SYNTAX

// K = 448 is 7 tiles of 64: four ranks take 2, 2, 2 and 1 of them. The
// cluster is grid.z, its shape a kernel attribute (so an ordinary launch
// forms it); the shared memory holds the partial tile after the loop.
// CHECK-LABEL: func.func @split_k
// CHECK: #awq.variant<kernel = @awq_kernels::@[[K4:awq_gemm_n320_k448_g64_f16_z_wgmma_bm64_bn64_wg1_s6_k4]], family = "gemm", m_min = 33, m_max = 64, m_tile = 64, grid = [5, 1, 4], block = [128, 1, 1], shared_bytes = 86016>
// CHECK-SAME: @awq_gemm_n320_k448_g64_f16_z_wgmma_bm128_bn128_wg2_s4_k2, family = "gemm", m_min = 65, {{.*}} grid = [3, 1, 2], block = [256, 1, 1]
// CHECK: gpu.func @[[K4]](
// CHECK-SAME: nvvm.cluster_dim = array<i32: 1, 1, 4>
// This rank's K tiles: rank · 2 up to min(2, 7 - rank · 2) of them.
// CHECK: %[[RANK:.*]] = gpu.block_id  z
// CHECK: %[[BEGIN:.*]] = arith.muli %[[RANK]], %c2
// CHECK: %[[LEFT:.*]] = arith.subi %c7{{.*}}, %[[BEGIN]]
// CHECK: %[[COUNT:.*]] = arith.minui %{{.*}}, %[[LEFT]]
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %[[COUNT]] step %c1
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// The partial tile (64 rows, pitch 72) in this block's shared memory, then
// the cluster barrier, then each rank's slice summed over ranks 0..3 in
// order through mapa'd addresses, 16 bytes at a time.
// CHECK: gpu.barrier
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [64, 72], strides: [72, 1]
// CHECK: vector.store %{{.*}} : memref<64x72xf32, strided<[72, 1]>, #gpu.address_space<workgroup>>, vector<2xf32>
// CHECK: nvvm.cluster.arrive {aligned}
// CHECK-NEXT: nvvm.cluster.wait {aligned}
// CHECK-COUNT-4: nvvm.mapa
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr -> vector<4xf32>
// CHECK-COUNT-3: arith.addf %{{.*}} : vector<4xf32>
// N = 320 is a multiple of 4: four outputs per store.
// CHECK: vector.store %{{.*}}, %arg4[%{{.*}}, %{{.*}}] {alignment = 8 : i64} : memref<?x320xf16>, vector<4xf16>
// CHECK: nvvm.cluster.arrive {aligned}
// CHECK-NEXT: nvvm.cluster.wait {aligned}
// CHECK-NEXT: gpu.return
// SPLIT: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64: split K over 3 blocks: 1, 2, 4 or 8 (a portable cluster) are supported
// SHORTK: error: 'awq.qlinear' op cannot use warpgroup-MMA tile 64x64: K = 448 has 7 tiles of 64: too few to split over 8 blocks
// SYNTAX: error: invalid gemm-tiles option: expected MMIN-MMAX:wBMxBNxWARPGROUPSxSTAGES[xkSPLITK]
func.func @split_k(%x: tensor<?x448xf16>, %q: tensor<320x448xi4>, %s: tensor<320x7xf16>, %z: tensor<320x7xi4>) -> tensor<?x320xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 64 : i64}
      : tensor<?x448xf16>, tensor<320x448xi4>, tensor<320x7xf16>, zeros tensor<320x7xi4> -> tensor<?x320xf16>
  return %y : tensor<?x320xf16>
}
