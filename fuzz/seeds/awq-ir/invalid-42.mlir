
func.func @linear_activation_f64(%x: tensor<?x64xf64>, %w: tensor<32x64xf16>) -> tensor<?x32xf64> {
  // expected-error @+1 {{'awq.linear' op operand #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<?x64xf64>'}}
  %y = awq.linear %x, %w : tensor<?x64xf64>, tensor<32x64xf16> -> tensor<?x32xf64>
  return %y : tensor<?x32xf64>
}

