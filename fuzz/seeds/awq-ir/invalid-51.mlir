
func.func @qlinear_group_size_missing(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op requires attribute 'group_size'}}
  %y = awq.qlinear %x, %q, %s : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

