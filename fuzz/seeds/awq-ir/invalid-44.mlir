
func.func @linear_int_weight(%x: tensor<?x64xf16>, %w: tensor<32x64xi4>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op operand #1 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<32x64xi4>'}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xi4> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

