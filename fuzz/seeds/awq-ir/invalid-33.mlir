
func.func @linear_weight_rank(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.linear' op expected a rank-2 weight [N, K], got rank 1}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<64xf16> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

