
func.func @linear_bias_rank(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<1x32xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op operand #2 must be rank-1 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<1x32xf16>'}}
  %y = awq.linear %x, %w bias %b : tensor<1x32xf16> : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

