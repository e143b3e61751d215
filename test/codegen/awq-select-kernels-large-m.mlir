// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a" --split-input-file | FileCheck %s

// Rule W4 of codegen/KernelSelection.cpp: from M = 257, each range up to
// M = 512, 1024 and 2048 takes the 256x128 or 128x128 tile, unsplit or with
// K split over 2, 4 or 8 blocks, of least estimated time at the range's
// largest M (waves x K loop x tile rows), where that saves at least 10%
// over the unsplit 256x128 tile; above 2048 the unsplit 256x128 tile.
// Neighbouring ranges with the same tile merge.

// N = 1024 (a GQA k/v projection): 16 blocks of 256x128 at M = 512 take
// four shares (64 blocks); at M = 1024 four shares of 32 blocks would
// exceed the 96 blocks a wave of four-block clusters holds, so 128x128
// tiles in two (128 blocks); at 2048 256-row tiles in two.
// CHECK-LABEL: func.func @small_n
// CHECK: #awq.kernel_choice<m_min = 257, m_max = 512, spec = "w256x128x2x4xk4">
// CHECK-SAME: #awq.kernel_choice<m_min = 513, m_max = 1024, spec = "w128x128x2x4xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 1025, m_max = 2048, spec = "w256x128x2x4xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 2049, m_max = 2147483647, spec = "w256x128x2x4xt">]
func.func @small_n(%x: tensor<?x4096xf16>, %q: tensor<1024x4096xi4>, %s: tensor<1024x32xf16>, %z: tensor<1024x32xi4>) -> tensor<?x1024xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x4096xf16>, tensor<1024x4096xi4>, tensor<1024x32xf16>, zeros tensor<1024x32xi4> -> tensor<?x1024xf16>
  return %y : tensor<?x1024xf16>
}

// -----

// N = 4096: 64 blocks at M = 512, split in two; 128 blocks fill a wave
// from M = 513, and one kernel serves every M above.
// CHECK-LABEL: func.func @square
// CHECK: #awq.kernel_choice<m_min = 257, m_max = 512, spec = "w256x128x2x4xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 513, m_max = 2147483647, spec = "w256x128x2x4xt">]
func.func @square(%x: tensor<?x4096xf16>, %q: tensor<4096x4096xi4>, %s: tensor<4096x32xf16>, %z: tensor<4096x32xi4>) -> tensor<?x4096xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x4096xf16>, tensor<4096x4096xi4>, tensor<4096x32xf16>, zeros tensor<4096x32xi4> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

// -----

// N = 28672: 448 blocks at M = 512 are 3.4 waves; split in two they are
// 6.8, whose last wave idles fewer SMs (H100 sweep: 534 against 566 us).
// From M = 513 one unsplit kernel.
// CHECK-LABEL: func.func @wide_n
// CHECK: #awq.kernel_choice<m_min = 257, m_max = 512, spec = "w256x128x2x4xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 513, m_max = 2147483647, spec = "w256x128x2x4xt">]
func.func @wide_n(%x: tensor<?x8192xf16>, %q: tensor<28672x8192xi4>, %s: tensor<28672x64xf16>, %z: tensor<28672x64xi4>) -> tensor<?x28672xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x8192xf16>, tensor<28672x8192xi4>, tensor<28672x64xf16>, zeros tensor<28672x64xi4> -> tensor<?x28672xf16>
  return %y : tensor<?x28672xf16>
}

// -----

// K = 1536 < 2 x 1024: no split; N = 2048 gives 16 blocks of 256x128 at
// M = 512, so 128-row tiles (32 blocks) serve up to M = 1024.
// CHECK-LABEL: func.func @short_k
// CHECK: #awq.kernel_choice<m_min = 257, m_max = 1024, spec = "w128x128x2x4">
// CHECK-SAME: #awq.kernel_choice<m_min = 1025, m_max = 2147483647, spec = "w256x128x2x4xt">]
func.func @short_k(%x: tensor<?x1536xf16>, %q: tensor<2048x1536xi4>, %s: tensor<2048x12xf16>, %z: tensor<2048x12xi4>) -> tensor<?x2048xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x1536xf16>, tensor<2048x1536xi4>, tensor<2048x12xf16>, zeros tensor<2048x12xi4> -> tensor<?x2048xf16>
  return %y : tensor<?x2048xf16>
}

// -----

// K = 8192, N = 3072 (Phi-3-mini down): at M = 1024 the 128x128 tiles split
// in two are estimated only 4% faster than 96 blocks of 256x128, under the
// 10% the estimate must save to leave the unsplit tile (they ran 11%
// slower); at M = 512 and 2048 a split saves more.
// CHECK-LABEL: func.func @within_margin
// CHECK: #awq.kernel_choice<m_min = 257, m_max = 512, spec = "w256x128x2x4xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 513, m_max = 1024, spec = "w256x128x2x4xt">
// CHECK-SAME: #awq.kernel_choice<m_min = 1025, m_max = 2048, spec = "w256x128x2x4xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 2049, m_max = 2147483647, spec = "w256x128x2x4xt">]
func.func @within_margin(%x: tensor<?x8192xf16>, %q: tensor<3072x8192xi4>, %s: tensor<3072x64xf16>, %z: tensor<3072x64xi4>) -> tensor<?x3072xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x8192xf16>, tensor<3072x8192xi4>, tensor<3072x64xf16>, zeros tensor<3072x64xi4> -> tensor<?x3072xf16>
  return %y : tensor<?x3072xf16>
}
