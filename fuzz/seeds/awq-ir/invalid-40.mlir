
func.func @linear_result_n(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.linear' op expected result dim 1 (N) to be 32, got 16}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

