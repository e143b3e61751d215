
func.func @qlinear_result_m(%x: tensor<1x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<2x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected result dim 0 (M) to be 1, got 2}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<1x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<2x16xf16>
  return %y : tensor<2x16xf16>
}

