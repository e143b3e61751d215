
func.func @scale_wrong_operand_count(%x: tensor<?x64xf16>, %s: tensor<64xf32>) -> tensor<?x64xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:24: error: expected ':'
  %y = awq.scale %x, %s, %s : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

