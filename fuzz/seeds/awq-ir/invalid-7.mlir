
func.func @weight_qweight_n() -> tensor<12x8xi4> {
  // expected-error @+1 {{'awq.weight' op expected N divisible by 8 for AutoAWQ GEMM storage, got N = 12}}
  %w = awq.weight "q" from "m.safetensors" storage <awq_gemm_qweight> : tensor<12x8xi4>
  return %w : tensor<12x8xi4>
}

