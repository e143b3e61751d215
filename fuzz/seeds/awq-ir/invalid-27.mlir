
func.func @scale_size_axis0(%w: tensor<16x64xf16>, %s: tensor<64xf32>) -> tensor<16x64xf16> {
  // expected-error @+1 {{'awq.scale' op expected scale size to be 16, got 64}}
  %y = awq.scale %w, %s {axis = 0 : i64} : tensor<16x64xf16>, tensor<64xf32>
  return %y : tensor<16x64xf16>
}

