
func.func @unterminated_string() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:28: error: custom op 'awq.weight' expected 'from'
  %w = awq.weight "w from "m.safetensors" : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

