
func.func @linear_result_rank(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<32xf16> {
  // expected-error @+1 {{'awq.linear' op result #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<32xf16>'}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<32xf16>
  return %y : tensor<32xf16>
}

