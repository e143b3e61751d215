
func.func @weight_bad_storage_syntax() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:51: error: expected '<'
  %w = awq.weight "w" from "m.safetensors" storage plain : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

