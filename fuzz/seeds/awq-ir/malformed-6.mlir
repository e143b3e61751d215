
func.func @linear_missing_result_type(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:63: error: expected '->'
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16>
  return %y : tensor<?x32xf16>
}

