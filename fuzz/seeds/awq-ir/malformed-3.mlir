
func.func @weight_vector_type() -> vector<4xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:46: error: custom op 'awq.weight' invalid kind of type specified: expected builtin.tensor, but found 'vector<4xf16>'
  %w = awq.weight "w" from "m.safetensors" : vector<4xf16>
  return %w : vector<4xf16>
}

