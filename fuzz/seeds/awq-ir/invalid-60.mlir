
func.func @qlinear_bits_i5(%x: tensor<?x64xf16>, %q: tensor<16x64xi5>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand #1 must be rank-2 tensor of 3-bit signless integer or 4-bit signless integer or 8-bit signless integer values, but got 'tensor<16x64xi5>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi5>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

