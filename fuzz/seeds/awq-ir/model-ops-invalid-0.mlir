
// One case per verifier rule of the whole-model ops (AwqOps.cpp) and of the
// GGUF weight storage.

func.func @rope_interleaved_without_head_dim() -> tensor<64x64xf32> {
  // expected-error @+1 {{'awq.weight' op expected 'rope_head_dim' with 'rope_interleaved' storage}}
  %w = awq.weight "q" from "m.gguf" storage <rope_interleaved> : tensor<64x64xf32>
  return %w : tensor<64x64xf32>
}

