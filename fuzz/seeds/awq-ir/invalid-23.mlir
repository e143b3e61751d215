
func.func @scale_rank3(%x: tensor<2x4x8xf16>, %s: tensor<8xf32>) -> tensor<2x4x8xf16> {
  // expected-error @+1 {{'awq.scale' op expected a rank-1 or rank-2 input, got rank 3}}
  %y = awq.scale %x, %s : tensor<2x4x8xf16>, tensor<8xf32>
  return %y : tensor<2x4x8xf16>
}

