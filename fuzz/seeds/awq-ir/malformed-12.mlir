
func.func @qlinear_duplicate_bias(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %b: tensor<16xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:140: error: custom op 'awq.qlinear' expected 'bias' type once
  %y = awq.qlinear %x, %q, %s bias %b {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, bias tensor<16xf16>, bias tensor<16xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

