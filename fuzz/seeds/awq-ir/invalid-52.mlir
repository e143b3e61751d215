
func.func @qlinear_scales_rank(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected scales of shape [16, 2] ([N, K / group_size]), got 'tensor<16xf16>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

