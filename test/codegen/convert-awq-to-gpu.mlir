// RUN: awq-opt %s --convert-awq-to-gpu --split-input-file | FileCheck %s

// An f16 asymmetric linear gets the GEMV for M = 1, the barrier-free
// stream kernel for M = 2..32 and shared-memory GEMMs above; the op keeps
// its operands.
// CHECK-LABEL: func.func @asymmetric_f16
// CHECK: awq.qlinear
// CHECK-SAME: kernels = [
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@[[GEMV1:awq_gemv_n256_k512_g128_f16_z_mt1_r4_u1_g2]], family = "gemv", m_min = 1, m_max = 1, m_tile = 1, grid = [32, 1, 1], block = [128, 1, 1], shared_bytes = 0>
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@[[STREAM:awq_gemm_n256_k512_g128_f16_z_stream_mt1_nt4_w8_u1_p]], family = "gemm", m_min = 2, m_max = 16, m_tile = 16, grid = [8, 1, 1], block = [256, 1, 1]
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@awq_gemm_n256_k512_g128_f16_z_stream_mt2_nt4_w4_u1_p, family = "gemm", m_min = 17, m_max = 32, m_tile = 32, grid = [8, 1, 1], block = [128, 1, 1]
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@[[SPLITK:awq_gemm_n256_k512_g128_f16_z_bm32_bn64_w1x2_s3_bk64_wk2_rd]], family = "gemm", m_min = 33, m_max = 64, m_tile = 32, grid = [4, 1, 1], block = [128, 1, 1]
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@[[GEMM:awq_gemm_n256_k512_g128_f16_z_bm64_bn64_w2x2_s3]], family = "gemm", m_min = 65, m_max = 256, m_tile = 64
// CHECK-SAME: #awq.variant<kernel = @awq_kernels::@[[BIG:awq_gemm_n256_k512_g128_f16_z_bm128_bn128_w4x2_s3_bk64_wk1_db]], family = "gemm", m_min = 257, m_max = 2147483647, m_tile = 128, grid = [2, 1, 1], block = [256, 1, 1], shared_bytes = 104448>

// CHECK: gpu.module @awq_kernels
// Tiles above 48 KiB live in dynamic shared memory: public zero-sized
// globals per element type (`.extern .shared` in PTX), viewed at offsets.
// CHECK-DAG: memref.global @awq_dynamic_smem_f16 : memref<0xf16, #gpu.address_space<workgroup>> {alignment = 16 : i64}
// CHECK-DAG: memref.global @awq_dynamic_smem_i32 : memref<0xi32, #gpu.address_space<workgroup>> {alignment = 16 : i64}
// The GEMV: the block's four warps split K, each lane streams 16-byte
// weight chunks and activations, dequantizes with one lop3 per word and the
// magic number 0x64006400 (1677747200), and the partial sums meet in shared
// memory after a warp shuffle reduction. K = 512 fits one chunk per thread,
// so a block computes two groups of four rows: the activations load once,
// and the loop over groups carries the next group's weights, loaded before
// the current group is reduced (two partial-sum buffers, one barrier each).
// CHECK: gpu.func @[[GEMV1]](%{{.*}}: memref<?x512xf16>, %{{.*}}: memref<256x64xi32>, %{{.*}}: memref<256x4xf16>, %{{.*}}: memref<256x4xf16>, %{{.*}}: memref<?x256xf16>) workgroup(%{{.*}} : memref<2x4x4xf32, #gpu.address_space<workgroup>>) kernel
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<?x512xf16>, vector<8xf16>
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<256x64xi32>, vector<4xi32>
// CHECK: scf.for
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<256x64xi32>, vector<4xi32>
// CHECK: %[[MAGIC:.+]] = arith.constant 1677747200 : i32
// CHECK: llvm.inline_asm "lop3.b32 $0, $1, $2, $3, 0xea;", "=r,r,r,r" %{{.*}}, %{{.*}}, %[[MAGIC]]
// CHECK: vector.bitcast %{{.*}} : vector<4xi32> to vector<8xf16>
// CHECK: llvm.intr.fma
// CHECK-NOT: arith.uitofp
// CHECK: gpu.shuffle  xor
// CHECK: gpu.barrier
// CHECK: memref.store
// CHECK: scf.yield

// The stream kernel: no staging in shared memory and no barrier in the K
// loop; each lane loads 16 bytes of x rows g and g + 8 and of its weight
// chunk, dequantizes and issues mma.sync; the loop carries the next step's
// loads (8 activation pieces, then words, scale and zero point of each of
// the 4 n8 tiles); the warps' partial tiles meet in shared memory after
// the loop.
// CHECK: gpu.func @[[STREAM]]({{.*}}) workgroup(%[[SPARTIALS:.*]] : memref<8x16x32xf32, #gpu.address_space<workgroup>>) kernel
// CHECK-SAME: known_block_size = array<i32: 256, 1, 1>
// CHECK: scf.for {{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<4xi32>, f16, f16, vector<4xi32>, f16, f16, vector<4xi32>, f16, f16, vector<4xi32>, f16, f16)
// CHECK-NOT: gpu.barrier
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<?x512xf16>, vector<8xf16>
// CHECK-NOT: gpu.barrier
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<256x64xi32>, vector<4xi32>
// CHECK-NOT: gpu.barrier
// CHECK: llvm.inline_asm "lop3.b32
// CHECK-NOT: gpu.barrier
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-NOT: gpu.barrier
// CHECK: scf.yield
// CHECK: memref.store %{{.*}}, %[[SPARTIALS]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[SPARTIALS]]
// CHECK: gpu.return

// The split-K GEMM with register dequantization: cp.async stages of x and
// of the packed words (rows padded from 8 to 12 words: conflict-free lane
// reads), no dequantized tile, one barrier per K step; each lane reads its
// word, dequantizes it with lop3 and feeds it to mma.sync as B.
// CHECK: gpu.func @[[SPLITK]]({{.*}}) workgroup(%[[XT:.*]] : memref<3x32x72xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[WT:.*]] : memref<3x64x12xi32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[PARTIALS:.*]] : memref<1x32x64xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
// CHECK: scf.for
// CHECK: nvgpu.device_async_wait {{.*}} {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: vector.load %[[WT]][{{.*}}] : memref<3x64x12xi32, #gpu.address_space<workgroup>>, vector<1xi32>
// CHECK-NOT: gpu.barrier
// CHECK: nvgpu.ldmatrix %[[XT]]
// CHECK-NOT: gpu.barrier
// CHECK: llvm.inline_asm "lop3.b32
// CHECK-NOT: gpu.barrier
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-NOT: gpu.barrier
// CHECK: scf.yield
// Split-K: warps of K slice 1 leave partial sums, slice 0 adds them.
// CHECK: memref.store %{{.*}}, %[[PARTIALS]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[PARTIALS]]
// CHECK: gpu.return
// CHECK: gpu.func @[[GEMM]]({{.*}}) workgroup(%{{.*}} : memref<3x64x40xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<3x64x4xi32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<1x64x40xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
// CHECK: nvgpu.device_async_copy {{.*}} {bypassL1}
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for
// CHECK: nvgpu.device_async_wait {{.*}} {numGroups = 2 : i32}
// CHECK: gpu.barrier
// CHECK: vector.store
// CHECK: gpu.barrier
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: gpu.func @[[BIG]](%{{.*}}: memref<?x512xf16>, %{{.*}}: memref<256x64xi32>, %{{.*}}: memref<256x4xf16>, %{{.*}}: memref<256x4xf16>, %{{.*}}: memref<?x256xf16>) kernel
// CHECK: %[[F16BASE:.*]] = memref.get_global @awq_dynamic_smem_f16
// CHECK: memref.reinterpret_cast %[[F16BASE]] to offset: [0], sizes: [3, 128, 72], strides: [9216, 72, 1]
// CHECK: %[[I32BASE:.*]] = memref.get_global @awq_dynamic_smem_i32
// CHECK: memref.reinterpret_cast %[[I32BASE]] to offset: [13824], sizes: [3, 128, 8], strides: [1024, 8, 1]
// CHECK: nvgpu.device_async_copy
func.func @asymmetric_f16(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>, %z: tensor<256x4xi4>) -> tensor<?x256xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16>, zeros tensor<256x4xi4> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// -----

// Two linears of one specialisation share their kernels; a symmetric one
// has no zeros parameter.
// CHECK-LABEL: func.func @shared_kernels
// CHECK: awq.qlinear {{.*}}@awq_kernels::@[[K:awq_gemv_n64_k128_g32_f16_sym_mt1_r4_u1_g2]],
// CHECK: awq.qlinear {{.*}}@awq_kernels::@[[K]],
// CHECK: gpu.module @awq_kernels
// CHECK: gpu.func @[[K]](%{{.*}}: memref<?x128xf16>, %{{.*}}: memref<64x16xi32>, %{{.*}}: memref<64x4xf16>, %{{.*}}: memref<?x64xf16>) workgroup
// CHECK-NOT: gpu.func @[[K]](
func.func @shared_kernels(%x: tensor<?x128xf16>, %q: tensor<64x128xi4>, %s: tensor<64x4xf16>) -> (tensor<?x64xf16>, tensor<?x64xf16>) {
  %a = awq.qlinear %x, %q, %s {group_size = 32 : i64}
      : tensor<?x128xf16>, tensor<64x128xi4>, tensor<64x4xf16> -> tensor<?x64xf16>
  %b = awq.qlinear %x, %q, %s {group_size = 32 : i64}
      : tensor<?x128xf16>, tensor<64x128xi4>, tensor<64x4xf16> -> tensor<?x64xf16>
  return %a, %b : tensor<?x64xf16>, tensor<?x64xf16>
}

// -----

// bf16: the GEMV's magic constant is 0x43004300 (1124090624) and each
// nibble is shifted down first; the tensor-core variants use nvvm.mma.sync
// with bf16 operands packed in i32 (nvgpu.mma.sync has no bf16).
// CHECK-LABEL: func.func @bf16_with_bias
// CHECK: #awq.variant<kernel = @awq_kernels::@awq_gemm_n64_k256_g64_bf16_z_b_stream_mt1_nt4_w8_u1_p, family = "gemm", m_min = 2, m_max = 16
// CHECK: gpu.func @awq_gemv_n64_k256_g64_bf16_z_b_mt1_r4_u1_g2(%{{.*}}: memref<?x256xbf16>, %{{.*}}: memref<64x32xi32>, %{{.*}}: memref<64x4xbf16>, %{{.*}}: memref<64x4xbf16>, %{{.*}}: memref<64xbf16>, %{{.*}}: memref<?x64xbf16>) workgroup
// CHECK: arith.constant 1124090624 : i32
// CHECK: arith.shrui
// CHECK: gpu.func @awq_gemm_n64_k256_g64_bf16_z_b_stream_mt1_nt4_w8_u1_p(
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
func.func @bf16_with_bias(%x: tensor<?x256xbf16>, %q: tensor<64x256xi4>, %s: tensor<64x4xbf16>, %z: tensor<64x4xi4>, %b: tensor<64xbf16>) -> tensor<?x64xbf16> {
  %y = awq.qlinear %x, %q, %s zeros %z bias %b {group_size = 64 : i64}
      : tensor<?x256xbf16>, tensor<64x256xi4>, tensor<64x4xbf16>, zeros tensor<64x4xi4>, bias tensor<64xbf16> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// K = 4128..8192: the GEMV takes eight warps of one 32-weight chunk per
// thread and two row groups (K in one step), instead of four warps of two.
// CHECK-LABEL: func.func @gemv_eight_warps
// CHECK: #awq.variant<kernel = @awq_kernels::@awq_gemv_n64_k6144_g128_f16_sym_mt1_r4_u1_w8_g2, family = "gemv", m_min = 1, m_max = 1, m_tile = 1, grid = [8, 1, 1], block = [256, 1, 1]
func.func @gemv_eight_warps(%x: tensor<?x6144xf16>, %q: tensor<64x6144xi4>, %s: tensor<64x48xf16>) -> tensor<?x64xf16> {
  %y = awq.qlinear %x, %q, %s {group_size = 128 : i64}
      : tensor<?x6144xf16>, tensor<64x6144xi4>, tensor<64x48xf16> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}
