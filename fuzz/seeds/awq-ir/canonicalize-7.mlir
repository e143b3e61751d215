
// Scales whose product is one disappear altogether.
func.func @merge_to_ones(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %a = arith.constant dense<[2.0, 4.0, 0.5, 1.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.5, 0.25, 2.0, 1.0]> : tensor<4xf32>
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf32>
  return %1 : tensor<?x4xf16>
}

