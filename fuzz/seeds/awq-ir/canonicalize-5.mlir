
// Two scales in a row on the same axis merge: x / a / b = x / (a * b).
func.func @merge(%x: tensor<?x4xf16>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf16> {
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf32>
  return %1 : tensor<?x4xf16>
}

