
// One entry differs from 1: the scale stays.
func.func @scale_not_all_ones(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %s = arith.constant dense<[1.0, 1.0, 2.0, 1.0]> : tensor<4xf32>
  %y = awq.scale %x, %s : tensor<?x4xf16>, tensor<4xf32>
  return %y : tensor<?x4xf16>
}

