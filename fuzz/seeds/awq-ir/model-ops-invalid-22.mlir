
func.func @clip_groups(%w: tensor<16x64xf32>, %m: tensor<16x4xf32>) -> tensor<16x64xf32> {
  // expected-error @+1 {{'awq.clip' op expected max_value dim 1 (K / group_size) to be 2, got 4}}
  %c = awq.clip %w, %m {group_size = 32 : i64} : tensor<16x64xf32>, tensor<16x4xf32>
  return %c : tensor<16x64xf32>
}
