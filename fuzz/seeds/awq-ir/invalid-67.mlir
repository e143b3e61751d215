
func.func @qlinear_result_n(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected result dim 1 (N) to be 16, got 32}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

