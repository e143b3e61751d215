
func.func @weight_missing_type() {
  // CHECK: malformed.mlir:[[@LINE+1]]:43: error: expected ':'
  %w = awq.weight "w" from "m.safetensors"
  return
}

