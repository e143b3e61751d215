
// Three in a row merge into one; axis -1 and axis 1 are the same axis.
func.func @merge_three(%x: tensor<8x4xf16>, %a: tensor<4xf16>, %b: tensor<4xf16>, %c: tensor<4xf16>) -> tensor<8x4xf16> {
  %0 = awq.scale %x, %a : tensor<8x4xf16>, tensor<4xf16>
  %1 = awq.scale %0, %b {axis = -1 : i64} : tensor<8x4xf16>, tensor<4xf16>
  %2 = awq.scale %1, %c {axis = 1 : i64} : tensor<8x4xf16>, tensor<4xf16>
  return %2 : tensor<8x4xf16>
}

