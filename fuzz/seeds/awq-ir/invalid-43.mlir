
func.func @linear_activation_rank3(%x: tensor<2x?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op operand #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<2x?x64xf16>'}}
  %y = awq.linear %x, %w : tensor<2x?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

