
func.func @clip_group(%w: tensor<16x60xf32>, %m: tensor<16x2xf32>) -> tensor<16x60xf32> {
  // expected-error @+1 {{'awq.clip' op expected group size 32 to divide K = 60}}
  %c = awq.clip %w, %m {group_size = 32 : i64} : tensor<16x60xf32>, tensor<16x2xf32>
  return %c : tensor<16x60xf32>
}

