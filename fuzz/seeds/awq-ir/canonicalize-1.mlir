
func.func @scale_of_ones_axis0(%w: tensor<16x64xbf16>) -> tensor<16x64xbf16> {
  %ones = arith.constant dense<1.0> : tensor<16xbf16>
  %y = awq.scale %w, %ones {axis = 0 : i64} : tensor<16x64xbf16>, tensor<16xbf16>
  return %y : tensor<16x64xbf16>
}

