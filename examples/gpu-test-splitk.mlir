// GPU test shapes for the warpgroup-MMA kernel with K split over a thread
// block cluster (scripts/gpu-bundle.sh compiles them with
// SPLITK_TEST_TILES): K tiles that do not divide among the ranks (15, 43
// and 172 tiles of 64: the last rank gets 1, 1 and 18 of them), N not a
// multiple of the tile nor of 4 (202: the scalar stores), bias, bf16,
// symmetric and asymmetric, group 64 and 128.
func.func @sk_g64_bias(%x: tensor<?x960xf16>, %q0: tensor<202x960xi4>, %s0: tensor<202x15xf16>, %z0: tensor<202x15xi4>, %b0: tensor<202xf16>) -> tensor<?x202xf16> {
  %y = awq.qlinear %x, %q0, %s0 zeros %z0 bias %b0 {group_size = 64 : i64, name = "sk.g64_bias"}
      : tensor<?x960xf16>, tensor<202x960xi4>, tensor<202x15xf16>, zeros tensor<202x15xi4>, bias tensor<202xf16> -> tensor<?x202xf16>
  return %y : tensor<?x202xf16>
}
func.func @sk_g64_k2752(%x: tensor<?x2752xf16>, %q1: tensor<328x2752xi4>, %s1: tensor<328x43xf16>, %z1: tensor<328x43xi4>) -> tensor<?x328xf16> {
  %y = awq.qlinear %x, %q1, %s1 zeros %z1 {group_size = 64 : i64, name = "sk.g64_k2752"}
      : tensor<?x2752xf16>, tensor<328x2752xi4>, tensor<328x43xf16>, zeros tensor<328x43xi4> -> tensor<?x328xf16>
  return %y : tensor<?x328xf16>
}
func.func @sk_bf16_sym_down(%x: tensor<?x11008xbf16>, %q2: tensor<4096x11008xi4>, %s2: tensor<4096x86xbf16>) -> tensor<?x4096xbf16> {
  %y = awq.qlinear %x, %q2, %s2 {group_size = 128 : i64, name = "sk.bf16_sym_down"}
      : tensor<?x11008xbf16>, tensor<4096x11008xi4>, tensor<4096x86xbf16> -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}
