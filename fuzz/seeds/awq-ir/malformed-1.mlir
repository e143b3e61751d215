
func.func @weight_file_not_string() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:27: error: expected attribute value
  %w = awq.weight "w" from model : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

