
func.func @qlinear_bias_size(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %b: tensor<8xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected bias size (N) to be 16, got 8}}
  %y = awq.qlinear %x, %q, %s bias %b {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, bias tensor<8xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

