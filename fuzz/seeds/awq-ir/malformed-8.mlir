
func.func @qlinear_bias_before_zeros(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x2xi4>, %b: tensor<16xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:149: error: custom op 'awq.qlinear' expected 'zeros' type once, before 'bias'
  %y = awq.qlinear %x, %q, %s zeros %z bias %b {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, bias tensor<16xf16>, zeros tensor<16x2xi4> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

