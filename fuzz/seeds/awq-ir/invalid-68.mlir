
func.func @qlinear_kernels_not_variants(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op attribute 'kernels' failed to satisfy constraint: kernel variants}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64, kernels = [@gemv]} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

