
func.func @qlinear_scales_int(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xi16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand #2 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<16x2xi16>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xi16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

