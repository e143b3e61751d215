
func.func @weight_qzeros_rank() -> tensor<16xi4> {
  // expected-error @+1 {{'awq.weight' op expected a rank-2 i4 tensor for AutoAWQ GEMM storage, got 'tensor<16xi4>'}}
  %w = awq.weight "z" from "m.safetensors" storage <awq_gemm_qzeros> : tensor<16xi4>
  return %w : tensor<16xi4>
}

