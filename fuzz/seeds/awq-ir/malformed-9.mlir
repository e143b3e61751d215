
func.func @qlinear_zeros_without_type(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x2xi4>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:37: error: custom op 'awq.qlinear' number of operands and types do not match: got 1 operands and 0 types
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

