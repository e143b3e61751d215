
func.func @rope_head_dim_not_dividing() -> tensor<60x64xf32> {
  // expected-error @+1 {{'awq.weight' op expected an even rope_head_dim dividing the row count 60, got 16}}
  %w = awq.weight "q" from "m.gguf" storage <rope_interleaved> {rope_head_dim = 16 : i64} : tensor<60x64xf32>
  return %w : tensor<60x64xf32>
}

