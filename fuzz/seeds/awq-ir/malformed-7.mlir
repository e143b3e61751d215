
func.func @linear_undefined_value(%x: tensor<?x64xf16>) -> tensor<?x32xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:23: error: use of undeclared SSA value name
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

