
func.func @clip_and_f32_qlinear(%w: tensor<16x64xf32>, %m: tensor<16x2xf32>, %x: tensor<?x64xf32>, %q: tensor<16x64xi4>, %s: tensor<16x2xf32>) -> (tensor<16x64xf32>, tensor<?x16xf32>) {
  %c = awq.clip %w, %m {group_size = 32 : i64} : tensor<16x64xf32>, tensor<16x2xf32>
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf32>, tensor<16x64xi4>, tensor<16x2xf32> -> tensor<?x16xf32>
  return %c, %y : tensor<16x64xf32>, tensor<?x16xf32>
}
