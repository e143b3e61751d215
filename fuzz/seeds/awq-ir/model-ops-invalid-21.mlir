
func.func @clip_rows(%w: tensor<16x64xf32>, %m: tensor<8x2xf32>) -> tensor<16x64xf32> {
  // expected-error @+1 {{'awq.clip' op expected max_value dim 0 (N) to be 16, got 8}}
  %c = awq.clip %w, %m {group_size = 32 : i64} : tensor<16x64xf32>, tensor<8x2xf32>
  return %c : tensor<16x64xf32>
}

