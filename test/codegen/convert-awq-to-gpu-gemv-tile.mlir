// RUN: awq-opt %s --convert-awq-to-gpu="gemv-tile=2x2x1x4" | FileCheck %s
// RUN: awq-opt %s --convert-awq-to-gpu="gemv-tile=8x4x2" | FileCheck %s --check-prefix=PLAIN
// RUN: not awq-opt %s --convert-awq-to-gpu="gemv-tile=4x4x1x0" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not awq-opt %s --convert-awq-to-gpu="gemv-tile=4x1x1x2" 2>&1 | FileCheck %s --check-prefix=STEPS

// --gemv-tile=ROWSxWARPSxUNROLL[xGROUPS] sets the M = 1 GEMV: here four
// groups of two rows per block (8 rows, grid 8) and two warps, whose 64
// threads hold K = 2048 (64 chunks) in one step; the loop over the groups
// carries the next group's words, scales and zero points.
// CHECK: #awq.variant<kernel = @awq_kernels::@awq_gemv_n64_k2048_g128_f16_sym_mt1_r2_u1_w2_g4, family = "gemv", m_min = 1, m_max = 1, m_tile = 1, grid = [8, 1, 1], block = [64, 1, 1], shared_bytes = 0>
// CHECK: gpu.func @awq_gemv_n64_k2048_g128_f16_sym_mt1_r2_u1_w2_g4({{.*}}) workgroup(%{{.*}} : memref<2x2x2xf32, #gpu.address_space<workgroup>>) kernel
// CHECK: scf.for %{{.*}} = %{{.*}} to %c4 step %{{.*}} iter_args({{.*}}) -> (vector<4xi32>, vector<4xi32>, f16, f16, f16, f16)
// Without GROUPS one group per block, the rows of a block all in flight.
// PLAIN: #awq.variant<kernel = @awq_kernels::@awq_gemv_n64_k2048_g128_f16_sym_mt1_r8_u2, family = "gemv", m_min = 1, m_max = 1, m_tile = 1, grid = [8, 1, 1], block = [128, 1, 1]
// PLAIN: gpu.func @awq_gemv_n64_k2048_g128_f16_sym_mt1_r8_u2({{.*}}) workgroup(%{{.*}} : memref<1x4x8xf32, #gpu.address_space<workgroup>>) kernel
// RANGE: error: invalid gemv-tile option: expected ROWSxWARPSxUNROLL[xGROUPS[xMINBLOCKS]] with 1-16 rows, 1-32 warps, 1-8 chunks in flight, 1-64 row groups per block and 0-32 blocks per SM, got '4x4x1x0'
// Row groups need all of K in one step per thread: 64 chunks, 32 threads.
// STEPS: error: 'awq.qlinear' op cannot use gemv-tile 4x1x1x2: 2 row groups per block need K in one step per thread: K = 2048 is more than the 1024 weights 1 warps of 32 lanes take with 1 chunks of 32 each
func.func @gemv(%x: tensor<?x2048xf16>, %q: tensor<64x2048xi4>, %s: tensor<64x16xf16>) -> tensor<?x64xf16> {
  %y = awq.qlinear %x, %q, %s {group_size = 128 : i64}
      : tensor<?x2048xf16>, tensor<64x2048xi4>, tensor<64x16xf16> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}
