
func.func @qlinear_input_k(%x: tensor<?x32xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected input dim 1 (K) to be 64, got 32}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x32xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

