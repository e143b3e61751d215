
// A scale that is not a constant stays.
func.func @scale_unknown(%x: tensor<?x4xf16>, %s: tensor<4xf32>) -> tensor<?x4xf16> {
  %y = awq.scale %x, %s : tensor<?x4xf16>, tensor<4xf32>
  return %y : tensor<?x4xf16>
}

