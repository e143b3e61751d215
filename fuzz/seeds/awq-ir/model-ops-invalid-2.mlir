
func.func @rope_head_dim_on_plain() -> tensor<64x64xf32> {
  // expected-error @+1 {{'awq.weight' op expected 'rope_head_dim' only with 'rope_interleaved' storage}}
  %w = awq.weight "q" from "m.gguf" {rope_head_dim = 16 : i64} : tensor<64x64xf32>
  return %w : tensor<64x64xf32>
}

