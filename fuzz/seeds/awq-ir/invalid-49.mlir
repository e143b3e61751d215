
func.func @qlinear_group_size_zero(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op attribute 'group_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %y = awq.qlinear %x, %q, %s {group_size = 0 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

