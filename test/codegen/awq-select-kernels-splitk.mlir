// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a" --split-input-file | FileCheck %s

// Rule W3 of codegen/KernelSelection.cpp: up to M = 256, K is split over a
// cluster where the grid at the range's largest M leaves the 132 SMs idle.

// Down projection (K >> N, group 64): 56 blocks of 64x64 at M = 64, and of
// 128x64 at M = 128, take four K shares (224 blocks: two blocks of these
// tiles fit an SM, so one co-resident wave); 128x128 tiles (one per SM)
// take two (112 blocks, one wave), and so do 256-row tiles up to M = 512
// (rule W4, awq-select-kernels-large-m.mlir).
// CHECK-LABEL: func.func @down_proj
// CHECK: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x6xk4">
// CHECK-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x64x1x4xk4">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w128x128x2x4xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 257, m_max = 512, spec = "w256x128x2x4xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 513, m_max = 2147483647, spec = "w256x128x2x4xt">]
func.func @down_proj(%x: tensor<?x18944xf16>, %q: tensor<3584x18944xi4>, %s: tensor<3584x296xf16>, %z: tensor<3584x296xi4>) -> tensor<?x3584xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 64 : i64}
      : tensor<?x18944xf16>, tensor<3584x18944xi4>, tensor<3584x296xf16>, zeros tensor<3584x296xi4> -> tensor<?x3584xf16>
  return %y : tensor<?x3584xf16>
}

// -----

// K = 14336, N = 4096: 64 blocks of 64x64; four shares would make 256
// blocks, more than a co-resident wave holds, of 3584-long shares: two.
// Their 128 blocks fit one wave at one per SM: eight stages, two K tiles
// per step (W5), up to M = 128.
// CHECK-LABEL: func.func @long_k
// CHECK: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x8xk2xu2">
// CHECK-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x64x1x8xk2xu2">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w128x128x2x4xk2">
func.func @long_k(%x: tensor<?x14336xf16>, %q: tensor<4096x14336xi4>, %s: tensor<4096x112xf16>, %z: tensor<4096x112xi4>) -> tensor<?x4096xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x14336xf16>, tensor<4096x14336xi4>, tensor<4096x112xf16>, zeros tensor<4096x112xi4> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

// -----

// N = 1024: 16 blocks; shares stay at least 1024 of K, so at most four;
// 64 blocks: one wave, the deep pipeline (W5).
// CHECK-LABEL: func.func @small_n
// CHECK: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x8xk4xu2">
// CHECK-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x64x1x8xk4xu2">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w128x128x2x4xk4">
func.func @small_n(%x: tensor<?x4096xf16>, %q: tensor<1024x4096xi4>, %s: tensor<1024x32xf16>, %z: tensor<1024x32xi4>) -> tensor<?x1024xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x4096xf16>, tensor<1024x4096xi4>, tensor<1024x32xf16>, zeros tensor<1024x32xi4> -> tensor<?x1024xf16>
  return %y : tensor<?x1024xf16>
}

// -----

// Wide N (gate/up, N = 14336): the grid fills the SMs; no split, and from
// M = 65 tiles with two warpgroups and the weights as register A (W7: 112
// columns of 128): 128x128, then 256x128 from M = 129.
// CHECK-LABEL: func.func @wide_n
// CHECK: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x6">
// CHECK-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x128x2x4xt">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w256x128x2x4xt">
func.func @wide_n(%x: tensor<?x4096xf16>, %q: tensor<14336x4096xi4>, %s: tensor<14336x32xf16>, %z: tensor<14336x32xi4>) -> tensor<?x14336xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x4096xf16>, tensor<14336x4096xi4>, tensor<14336x32xf16>, zeros tensor<14336x32xi4> -> tensor<?x14336xf16>
  return %y : tensor<?x14336xf16>
}

// -----

// Q/K/V of Qwen2.5-7B (N = 4608): 72 blocks of 64x64 at M = 64 and of
// 128x64 at M = 128; split in two they make 144, which two blocks per SM
// hold in one wave (held-out run, H100: 19.6 -> 17.7 us at M = 64,
// 25.2 -> 22.0 at M = 128); four would make 288. Needing two blocks per
// SM, they keep the shallow pipeline (rule W5 leaves them alone: the deep
// one's 128 KiB fit one block per SM; 17.7 -> 21.2 us at M = 64).
// CHECK-LABEL: func.func @co_resident
// CHECK: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x6xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x64x1x4xk2">
func.func @co_resident(%x: tensor<?x3584xf16>, %q: tensor<4608x3584xi4>, %s: tensor<4608x28xf16>, %z: tensor<4608x28xi4>) -> tensor<?x4608xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x3584xf16>, tensor<4608x3584xi4>, tensor<4608x28xf16>, zeros tensor<4608x28xi4> -> tensor<?x4608xf16>
  return %y : tensor<?x4608xf16>
}

// -----

// W7 needs f16 and 112 columns of 128: bf16 at N = 14336 and f16 at
// N = 14208 (111 columns) keep W2/W3's shared-memory tiles; N = 14216 (112,
// the last one partly filled) takes W7's.
// CHECK-LABEL: func.func @wide_n_bf16
// CHECK: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x128x2x4">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w128x128x2x4">
func.func @wide_n_bf16(%x: tensor<?x4096xbf16>, %q: tensor<14336x4096xi4>, %s: tensor<14336x32xbf16>, %z: tensor<14336x32xi4>) -> tensor<?x14336xbf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x4096xbf16>, tensor<14336x4096xi4>, tensor<14336x32xbf16>, zeros tensor<14336x32xi4> -> tensor<?x14336xbf16>
  return %y : tensor<?x14336xbf16>
}

// -----

// CHECK-LABEL: func.func @short_of_a_wave
// CHECK: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x128x2x4">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w128x128x2x4">
func.func @short_of_a_wave(%x: tensor<?x4096xf16>, %q: tensor<14208x4096xi4>, %s: tensor<14208x32xf16>, %z: tensor<14208x32xi4>) -> tensor<?x14208xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x4096xf16>, tensor<14208x4096xi4>, tensor<14208x32xf16>, zeros tensor<14208x32xi4> -> tensor<?x14208xf16>
  return %y : tensor<?x14208xf16>
}

// -----

// CHECK-LABEL: func.func @just_enough
// CHECK: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x128x2x4xt">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w256x128x2x4xt">
func.func @just_enough(%x: tensor<?x4096xf16>, %q: tensor<14216x4096xi4>, %s: tensor<14216x32xf16>, %z: tensor<14216x32xi4>) -> tensor<?x14216xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x4096xf16>, tensor<14216x4096xi4>, tensor<14216x32xf16>, zeros tensor<14216x32xi4> -> tensor<?x14216xf16>
  return %y : tensor<?x14216xf16>
}
