
func.func @linear_weight_k(%x: tensor<?x64xf16>, %w: tensor<32x128xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op expected weight dim 1 (K) to be 64, got 128}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x128xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

