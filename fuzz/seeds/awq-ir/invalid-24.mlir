
func.func @scale_axis_too_large(%x: tensor<?x64xf16>, %s: tensor<64xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op expected axis in [-2, 1], got 2}}
  %y = awq.scale %x, %s {axis = 2 : i64} : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

