
func.func @scale_axis_too_small(%x: tensor<64xf16>, %s: tensor<64xf32>) -> tensor<64xf16> {
  // expected-error @+1 {{'awq.scale' op expected axis in [-1, 0], got -2}}
  %y = awq.scale %x, %s {axis = -2 : i64} : tensor<64xf16>, tensor<64xf32>
  return %y : tensor<64xf16>
}

