
func.func @qlinear_bias_dtype(%x: tensor<?x64xbf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xbf16>, %b: tensor<16xf16>) -> tensor<?x16xbf16> {
  // expected-error @+1 {{'awq.qlinear' op expected bias element type 'bf16' (the activation type), got 'f16'}}
  %y = awq.qlinear %x, %q, %s bias %b {group_size = 32 : i64} : tensor<?x64xbf16>, tensor<16x64xi4>, tensor<16x2xbf16>, bias tensor<16xf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

