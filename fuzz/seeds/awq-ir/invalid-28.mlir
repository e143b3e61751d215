
func.func @scale_axis_i32(%x: tensor<?x64xf16>, %s: tensor<64xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute}}
  %y = awq.scale %x, %s {axis = 1 : i32} : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

