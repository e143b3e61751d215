
func.func @qlinear_generic_missing_segments(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:8: error: 'awq.qlinear' op operand count (3) does not match with the total size (0) specified in attribute 'operandSegmentSizes'
  %y = "awq.qlinear"(%x, %q, %s) <{group_size = 32 : i64}> : (tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>) -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

