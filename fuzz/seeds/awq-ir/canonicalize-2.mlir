
// Non-splat, all ones.
func.func @scale_of_ones_non_splat(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %ones = arith.constant dense<[1.0, 1.0, 1.0, 1.0]> : tensor<4xf16>
  %y = awq.scale %x, %ones : tensor<?x4xf16>, tensor<4xf16>
  return %y : tensor<?x4xf16>
}

