
func.func @qlinear_dynamic_q(%x: tensor<?x64xf16>, %q: tensor<?x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected a statically shaped qweight, got 'tensor<?x64xi4>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<?x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

