// Every kernel of the bundled shape sets (GEMV and GEMM families; group
// sizes 32, 64, 128 and per-channel; f16 and bf16; symmetric and
// asymmetric; with and without bias) assembles with ptxas for each
// supported arch, with no spills.
// REQUIRES: ptxas
// RUN: awq-compile %awq_src_root/examples/gpu-test-shapes.mlir --emit=ptx --arch=sm_80 > %t.80.ptx
// RUN: FileCheck %s --check-prefix=PTX80 < %t.80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.80.ptx -o %t.80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: awq-compile %awq_src_root/examples/gpu-test-shapes.mlir --emit=ptx --arch=sm_86 > %t.86.ptx
// RUN: %ptxas -arch=sm_86 -v %t.86.ptx -o %t.86.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: awq-compile %awq_src_root/examples/gpu-test-shapes.mlir --emit=ptx --arch=sm_89 > %t.89.ptx
// RUN: %ptxas -arch=sm_89 -v %t.89.ptx -o %t.89.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: awq-compile %awq_src_root/examples/gpu-test-shapes.mlir --emit=ptx --arch=sm_90 > %t.90.ptx
// RUN: FileCheck %s --check-prefix=PTX90 < %t.90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.90.ptx -o %t.90.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: awq-compile %awq_src_root/examples/gpu-test-shapes.mlir --emit=ptx --arch=sm_90a > %t.90a.ptx
// RUN: FileCheck %s --check-prefix=PTX90A < %t.90a.ptx
// RUN: %ptxas -arch=sm_90a -v %t.90a.ptx -o %t.90a.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: awq-compile %awq_src_root/examples/bench-shapes.mlir --emit=ptx --arch=sm_90a > %t.bench90a.ptx
// RUN: %ptxas -arch=sm_90a -v %t.bench90a.ptx -o %t.bench90a.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// The defaults on the held-out real-model shapes (split K up to K = 28672).
// RUN: awq-compile %awq_src_root/examples/bench-shapes-heldout.mlir --emit=ptx --arch=sm_90a > %t.heldout90a.ptx
// RUN: %ptxas -arch=sm_90a -v %t.heldout90a.ptx -o %t.heldout90a.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// The artifact ships one module per kernel; each assembles on its own.
// RUN: rm -rf %t.art && awq-compile %awq_src_root/examples/gpu-test-shapes.mlir -o %t.art --arch=sm_90a
// RUN: %python %awq_src_root/test/tools/awq-compile/assemble_ptx_modules.py %ptxas sm_90a %t.art/kernels.sm_90a.ptx | FileCheck %s --check-prefix=MODULES
// RUN: awq-compile %awq_src_root/examples/bench-shapes.mlir --emit=ptx --arch=sm_90 > %t.bench.ptx
// RUN: %ptxas -arch=sm_90 -v %t.bench.ptx -o %t.bench.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS

// PTX80: .target sm_80
// PTX90: .target sm_90
// Dynamic shared memory: `.extern .shared` arrays, never demoted to static
// 1-byte ones (CODEGEN-NOTES P3).
// PTX90-NOT: awq_dynamic_smem_{{.*}} has been demoted
// PTX90: .extern .shared .align 16 .b8 awq_dynamic_smem_{{(b?f16|i32)}}[];

// GEMV: 128-bit global loads of weights and activations, no per-nibble
// int->float conversion, warp shuffles.
// PTX90-LABEL: .entry awq_gemv_n6144_k4096_g128_f16_z_mt1_r4_u1_g2(
// PTX90: ld.global.v4.b32
// PTX90-NOT: cvt.rn.f16.u32
// PTX90: shfl.sync.bfly.b32
// PTX90: ret;

// Register-dequantizing GEMM: one barrier per K step, lop3 dequantization
// straight into mma.sync operands.
// PTX90-LABEL: .entry awq_gemm_n6144_k4096_g128_f16_z_bm32_bn64_w1x2_s3_bk64_wk2_rd(
// PTX90: cp.async.wait_group 1
// PTX90-NEXT: bar.sync 0
// PTX90: lop3.b32
// PTX90: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX90: ret;

// GEMM with a shared dequantized tile in dynamic shared memory (the
// `.extern .shared` arrays above): cp.async, ldmatrix and mma.sync.
// PTX90-LABEL: .entry awq_gemm_n6144_k4096_g128_f16_z_bm256_bn128_w4x2_s3_bk64_wk1_db(
// PTX90: cp.async.cg.shared.global
// PTX90: cp.async.commit_group
// PTX90: cp.async.wait_group 1
// PTX90: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX90: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX90: ret;

// bf16 GEMM.
// PTX90-LABEL: .entry awq_gemm_n520_k2048_g128_bf16_z_stream_mt1_nt4_w8_u1_p(
// PTX90: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX90: ret;

// sm_90a: warpgroup MMA from 1024-byte-aligned dynamic shared memory
// (never demoted), fed by cp.async and the proxy fence.
// PTX90A: .target sm_90a
// PTX90A-NOT: awq_dynamic_smem_{{.*}} has been demoted
// PTX90A: .extern .shared .align 1024 .b8 awq_dynamic_smem_{{(b?f16|i32)}}_a1024[];
// PTX90A-LABEL: .entry awq_gemm_n6144_k4096_g128_f16_z_wgmma_bm256_bn128_wg2_s4(
// PTX90A: cp.async.cg.shared.global
// PTX90A: lop3.b32
// PTX90A: fence.proxy.async.shared::cta
// PTX90A: bar.sync 0
// PTX90A: wgmma.fence.sync.aligned
// PTX90A: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// PTX90A: wgmma.commit_group.sync.aligned
// PTX90A: wgmma.wait_group.sync.aligned 1
// PTX90A: wgmma.wait_group.sync.aligned 0
// PTX90A: ret;
// PTX90A-LABEL: .entry awq_gemm_n520_k2048_g128_bf16_z_wgmma_bm64_bn64_wg1_s8_k2_u2(
// PTX90A: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// PTX90A: ret;

// MODULES: [[N:[0-9]+]] modules, [[N]] entries assembled for sm_90a

// PTXAS: Compiling entry function
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill
