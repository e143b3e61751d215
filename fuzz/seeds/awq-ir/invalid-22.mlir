
func.func @scale_rank0(%x: tensor<f16>, %s: tensor<1xf32>) -> tensor<f16> {
  // expected-error @+1 {{'awq.scale' op expected a rank-1 or rank-2 input, got rank 0}}
  %y = awq.scale %x, %s : tensor<f16>, tensor<1xf32>
  return %y : tensor<f16>
}

