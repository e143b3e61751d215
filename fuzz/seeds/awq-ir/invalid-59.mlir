
func.func @qlinear_zeros_float(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand #3 must be rank-2 tensor of 3-bit signless integer or 4-bit signless integer or 8-bit signless integer values, but got 'tensor<16x2xf16>'}}
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

