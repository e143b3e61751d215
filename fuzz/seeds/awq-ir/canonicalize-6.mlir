
// Constant scales merge and the product folds to a constant.
func.func @merge_constants(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %a = arith.constant dense<[1.0, 2.0, 3.0, 0.5]> : tensor<4xf32>
  %b = arith.constant dense<[2.0, 3.0, 5.0, 2.0]> : tensor<4xf32>
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf32>
  return %1 : tensor<?x4xf16>
}

