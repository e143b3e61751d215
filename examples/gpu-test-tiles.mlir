// GPU test shapes for non-default kernel choices (scripts/gpu-bundle.sh
// compiles them with --gemm-tiles, AWQ_TILE_TEST_TILES): group sizes smaller
// than a warp's K slice (several scale slots per slice), groups that neither
// divide nor are divided by it (one slot per 32-weight chunk), K not a
// multiple of the stream kernel's 128-wide unit (1088) and K whose last
// stream step is partial (768).
func.func @tt_g32(%x: tensor<?x512xf16>, %q0: tensor<136x512xi4>, %s0: tensor<136x16xf16>, %z0: tensor<136x16xi4>) -> tensor<?x136xf16> {
  %y = awq.qlinear %x, %q0, %s0 zeros %z0 {group_size = 32 : i64, name = "tt.g32"}
      : tensor<?x512xf16>, tensor<136x512xi4>, tensor<136x16xf16>, zeros tensor<136x16xi4> -> tensor<?x136xf16>
  return %y : tensor<?x136xf16>
}
func.func @tt_g96(%x: tensor<?x768xf16>, %q1: tensor<200x768xi4>, %s1: tensor<200x8xf16>, %z1: tensor<200x8xi4>, %b1: tensor<200xf16>) -> tensor<?x200xf16> {
  %y = awq.qlinear %x, %q1, %s1 zeros %z1 bias %b1 {group_size = 96 : i64, name = "tt.g96"}
      : tensor<?x768xf16>, tensor<200x768xi4>, tensor<200x8xf16>, zeros tensor<200x8xi4>, bias tensor<200xf16> -> tensor<?x200xf16>
  return %y : tensor<?x200xf16>
}
func.func @tt_bf16_sym_g64(%x: tensor<?x1088xbf16>, %q2: tensor<328x1088xi4>, %s2: tensor<328x17xbf16>) -> tensor<?x328xbf16> {
  %y = awq.qlinear %x, %q2, %s2 {group_size = 64 : i64, name = "tt.bf16_sym_g64"}
      : tensor<?x1088xbf16>, tensor<328x1088xi4>, tensor<328x17xbf16> -> tensor<?x328xbf16>
  return %y : tensor<?x328xbf16>
}
