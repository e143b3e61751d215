
func.func @qlinear_segment_sizes(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand count (3) does not match with the total size (4) specified in attribute 'operandSegmentSizes'}}
  %y = "awq.qlinear"(%x, %q, %s) <{group_size = 32 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}> : (tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>) -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

//===----------------------------------------------------------------------===//
// #awq.variant
//===----------------------------------------------------------------------===//

