
func.func @weight_generic_missing_name() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:8: error: 'awq.weight' op requires attribute 'name'
  %w = "awq.weight"() <{file = "m.safetensors"}> : () -> tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

