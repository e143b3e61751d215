
func.func @weight_unknown_storage() -> tensor<4x8xf16> {
  // expected-error @+2 {{expected ::mlir::awq::Storage to be one of: plain, awq_gemm_qweight, awq_gemm_qzeros, transposed}}
  // expected-error @+1 {{failed to parse Awq_StorageAttr parameter 'value'}}
  %w = awq.weight "w" from "m.safetensors" storage <packed> : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

