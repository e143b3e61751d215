// RUN: awq-opt %s --awq-gpu-to-ptx="chip=sm_80" | FileCheck %s --check-prefixes=CHECK,SM80
// RUN: awq-opt %s --awq-gpu-to-ptx="chip=sm_90" | FileCheck %s --check-prefixes=CHECK,SM90

// A hand-written gpu.module (16-byte vector loads in an scf.for, a shared
// memory tile read by nvgpu.ldmatrix, one nvgpu.mma.sync m16n8k16) lowered
// by the awq-gpu-to-ptx pipeline to a gpu.binary that holds PTX text. The
// PTX is one escaped string (`\0A` = newline), so every check after the
// first is CHECK-SAME, in the order the backend prints them.

// CHECK-NOT: gpu.module
// SM80: gpu.binary @kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">
// SM90: gpu.binary @kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CHECK-SAME: assembly = "
// CHECK-SAME: .version 8.0
// SM80-SAME: .target sm_80
// SM90-SAME: .target sm_90
// CHECK-SAME: .visible .entry axpy_mma(
// The shared tile, 16 x 16 f16.
// CHECK-SAME: .shared {{.*}}[512];
// The loop body: two 16-byte loads, f16x2 adds, one 16-byte store.
// CHECK-SAME: ld.global.v4.b32
// CHECK-SAME: ld.global.v4.b32
// CHECK-SAME: add.rn.f16x2
// CHECK-SAME: st.global.v4.b32
// CHECK-SAME: bra
// CHECK-SAME: bar.sync {{(\\09)?}}0;
// CHECK-SAME: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME: ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16
// CHECK-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-SAME: ret;
// CHECK-NOT: llvm.func
// CHECK-NOT: nvgpu.

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @axpy_mma(%x: memref<1024xf16>, %y: memref<1024xf16>,
                       %a: memref<16x16xf16>, %c: memref<16x8xf32>)
        workgroup(%tile: memref<16x16xf16, #gpu.address_space<workgroup>>)
        kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c1024 = arith.constant 1024 : index
      %tid = gpu.thread_id x
      %bdim = gpu.block_dim x
      %start = arith.muli %tid, %c8 : index
      %step = arith.muli %bdim, %c8 : index
      scf.for %i = %start to %c1024 step %step {
        %v = vector.load %x[%i] {alignment = 16} : memref<1024xf16>, vector<8xf16>
        %w = vector.load %y[%i] {alignment = 16} : memref<1024xf16>, vector<8xf16>
        %s = arith.addf %v, %w : vector<8xf16>
        vector.store %s, %y[%i] {alignment = 16} : memref<1024xf16>, vector<8xf16>
      }
      %row = arith.remui %tid, %c16 : index
      %va = vector.load %a[%row, %c0] {alignment = 16} : memref<16x16xf16>, vector<16xf16>
      vector.store %va, %tile[%row, %c0] : memref<16x16xf16, #gpu.address_space<workgroup>>, vector<16xf16>
      gpu.barrier
      %fa = nvgpu.ldmatrix %tile[%row, %c0] {numTiles = 4 : i32, transpose = false}
              : memref<16x16xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
      %fb = nvgpu.ldmatrix %tile[%row, %c0] {numTiles = 2 : i32, transpose = true}
              : memref<16x16xf16, #gpu.address_space<workgroup>> -> vector<2x2xf16>
      %acc = arith.constant dense<0.0> : vector<2x2xf32>
      %d = nvgpu.mma.sync (%fa, %fb, %acc) {mmaShape = [16, 8, 16]}
             : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
      %d0 = vector.extract %d[0] : vector<2xf32> from vector<2x2xf32>
      %col = arith.remui %tid, %c8 : index
      vector.store %d0, %c[%row, %col] : memref<16x8xf32>, vector<2xf32>
      gpu.return
    }
  }
}
