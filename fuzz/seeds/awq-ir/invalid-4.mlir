
func.func @weight_transposed_rank() -> tensor<8xf16> {
  // expected-error @+1 {{'awq.weight' op expected a rank-2 tensor for 'transposed' storage}}
  %w = awq.weight "w" from "m.safetensors" storage <transposed> : tensor<8xf16>
  return %w : tensor<8xf16>
}

