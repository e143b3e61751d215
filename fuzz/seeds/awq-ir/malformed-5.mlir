
func.func @linear_type_mismatch(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:19: error: use of value '%x' expects different type than prior uses: 'tensor<?x32xf16>' vs 'tensor<?x64xf16>'
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

