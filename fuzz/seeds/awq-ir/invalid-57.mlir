
func.func @qlinear_zeros_shape(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x1xi4>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected zeros of shape [16, 2] (the shape of scales), got 'tensor<16x1xi4>'}}
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x1xi4> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

