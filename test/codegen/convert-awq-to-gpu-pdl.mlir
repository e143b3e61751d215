// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90" | FileCheck %s
// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_90a" | FileCheck %s --check-prefix=WGMMA
// RUN: awq-opt %s --convert-awq-to-gpu="chip=sm_80" | FileCheck %s --check-prefix=SM80

// Programmatic dependent launch on sm_90 and newer: every kernel waits for
// the previous kernel before it reads x or writes y, and lets the stream's
// next kernel be scheduled: the GEMV and the one-tile stream kernel as they
// start, the two-tile stream kernel and the GEMMs after their K loop. The
// prefetching stream kernel issues its first step's weight loads before the
// wait and the activation loads after it; the GEMV waits first (weights
// before the wait cost it registers). sm_80 code has no griddepcontrol
// (sm_90 PTX only).

// CHECK-LABEL: gpu.func @awq_gemv_n256_k512_g128_f16_z_mt1_r4_u1_g2
// CHECK-NEXT: nvvm.griddepcontrol launch_dependents
// CHECK-NEXT: nvvm.griddepcontrol wait

// One-tile stream kernel (prefetching): weights, then the wait, then x.
// CHECK-LABEL: gpu.func @awq_gemm_n256_k512_g128_f16_z_stream_mt1_nt4_w8_u1_p
// CHECK-NOT: memref<?x512xf16>, vector<8xf16>
// CHECK: nvvm.griddepcontrol launch_dependents
// CHECK-NOT: memref<?x512xf16>, vector<8xf16>
// CHECK: vector.load {{.*}} : memref<256x64xi32>, vector<4xi32>
// CHECK-NOT: memref<?x512xf16>, vector<8xf16>
// CHECK: nvvm.griddepcontrol wait
// CHECK: vector.load {{.*}} : memref<?x512xf16>, vector<8xf16>
// CHECK: scf.for

// Two-tile stream kernel: the trigger after the K loop.
// CHECK-LABEL: gpu.func @awq_gemm_n256_k512_g128_f16_z_stream_mt2_nt4_w4_u1_p
// CHECK-NOT: launch_dependents
// CHECK-NOT: memref<?x512xf16>, vector<8xf16>
// CHECK: nvvm.griddepcontrol wait
// CHECK: vector.load {{.*}} : memref<?x512xf16>, vector<8xf16>
// CHECK: scf.for
// CHECK: nvvm.griddepcontrol launch_dependents
// CHECK: gpu.barrier

// GEMMs, static and dynamic shared memory: the wait first, the trigger
// after the K loop.
// CHECK-LABEL: gpu.func @awq_gemm_n256_k512_g128_f16_z_bm32_bn64_w1x2_s3_bk64_wk2_rd
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK: scf.for
// CHECK: nvvm.griddepcontrol launch_dependents
// CHECK: memref.store
// CHECK-LABEL: gpu.func @awq_gemm_n256_k512_g128_f16_z_bm128_bn128_w4x2_s3_bk64_wk1_db
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: nvvm.griddepcontrol wait
// CHECK: scf.for
// CHECK: nvvm.griddepcontrol launch_dependents

// WGMMA-LABEL: gpu.func @awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s8_u2
// WGMMA-NEXT: nvvm.griddepcontrol wait
// WGMMA: scf.for
// WGMMA: nvvm.wgmma.wait.group.sync.aligned 0
// WGMMA-NEXT: nvvm.griddepcontrol launch_dependents

// SM80-LABEL: gpu.module @awq_kernels
// SM80: gpu.func @awq_gemv_n256_k512_g128_f16_z_mt1_r4_u1_g2
// SM80-NOT: griddepcontrol

func.func @asymmetric_f16(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>, %z: tensor<256x4xi4>) -> tensor<?x256xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16>, zeros tensor<256x4xi4> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
