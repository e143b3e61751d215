
// A file that ends inside a tensor type: a located error, no crash.

func.func @f() {
  // CHECK: malformed-truncated-type.mlir:[[@LINE+1]]:82: error: expected non-function type
  %w = awq.weight "w" from "m.safetensors" storage <awq_gemm_qweight> : tensor<16x
