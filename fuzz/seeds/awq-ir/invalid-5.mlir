
func.func @weight_qweight_dtype() -> tensor<16x8xi8> {
  // expected-error @+1 {{'awq.weight' op expected a rank-2 i4 tensor for AutoAWQ GEMM storage, got 'tensor<16x8xi8>'}}
  %w = awq.weight "q" from "m.safetensors" storage <awq_gemm_qweight> : tensor<16x8xi8>
  return %w : tensor<16x8xi8>
}

