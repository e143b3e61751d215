
func.func @linear_result_dtype(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xbf16> {
  // expected-error @+1 {{'awq.linear' op expected result element type 'f16' (the activation type), got 'bf16'}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

