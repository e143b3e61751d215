
func.func @qlinear_type_without_zeros(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:8: error: custom op 'awq.qlinear' number of operands and types do not match: got 0 operands and 1 types
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x2xi4> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

