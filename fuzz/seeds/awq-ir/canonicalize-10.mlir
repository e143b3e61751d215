
// Scales of different element types do not merge (the product would need a
// conversion whose rounding the separate ops do not have).
func.func @no_merge_types(%x: tensor<?x4xf16>, %a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<?x4xf16> {
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf16>
  return %1 : tensor<?x4xf16>
}

