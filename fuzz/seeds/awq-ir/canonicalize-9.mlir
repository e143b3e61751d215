
// Different axes do not merge.
func.func @no_merge_axes(%w: tensor<4x4xf16>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4x4xf16> {
  %0 = awq.scale %w, %a {axis = 0 : i64} : tensor<4x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<4x4xf16>, tensor<4xf32>
  return %1 : tensor<4x4xf16>
}

