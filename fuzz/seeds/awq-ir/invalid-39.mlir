
func.func @linear_result_m(%x: tensor<4x64xf16>, %w: tensor<32x64xf16>) -> tensor<8x32xf16> {
  // expected-error @+1 {{'awq.linear' op expected result dim 0 (M) to be 4, got 8}}
  %y = awq.linear %x, %w : tensor<4x64xf16>, tensor<32x64xf16> -> tensor<8x32xf16>
  return %y : tensor<8x32xf16>
}

