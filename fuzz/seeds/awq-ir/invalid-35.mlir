
func.func @linear_bias_size(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<64xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op expected bias size (N) to be 32, got 64}}
  %y = awq.linear %x, %w bias %b : tensor<64xf16> : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

