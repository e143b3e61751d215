
func.func @linear_bias_dtype(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<32xf32>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op expected bias element type 'f16' (the activation type), got 'f32'}}
  %y = awq.linear %x, %w bias %b : tensor<32xf32> : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

