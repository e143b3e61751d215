
func.func @weight_qzeros_n() -> tensor<4x1xi4> {
  // expected-error @+1 {{'awq.weight' op expected N divisible by 8 for AutoAWQ GEMM storage, got N = 4}}
  %w = awq.weight "z" from "m.safetensors" storage <awq_gemm_qzeros> : tensor<4x1xi4>
  return %w : tensor<4x1xi4>
}

