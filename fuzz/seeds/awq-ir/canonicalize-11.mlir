
// The inner scale has another user: merging would keep it alive and add a
// second scale of x, so nothing changes.
func.func @no_merge_shared(%x: tensor<?x4xf16>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<?x4xf16>, tensor<?x4xf16>) {
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf32>
  return %0, %1 : tensor<?x4xf16>, tensor<?x4xf16>
}

