
// The whole-model ops (AwqOps.td: awq.embedding, awq.rope, awq.attention,
// awq.swiglu) and GGUF weight references round-trip through text and
// bytecode.

// BYTECODE-LABEL: func.func @decoder_attention
// BYTECODE: awq.attention
func.func @decoder_attention(%tokens: tensor<?xi64>, %pos: tensor<?xi64>,
                             %k: tensor<?x32xf32>, %v: tensor<?x32xf32>) -> tensor<?x64xf32> {
  %table = awq.weight "token_embd.weight" from "m.gguf" : tensor<128x64xf32>
  %wq = awq.weight "blk.0.attn_q.weight" from "m.gguf" storage <rope_interleaved> {rope_head_dim = 16 : i64} : tensor<64x64xf32>
  %h = awq.embedding %table[%tokens] : tensor<128x64xf32>, tensor<?xi64> -> tensor<?x64xf32>
  %q = awq.linear %h, %wq : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %qr = awq.rope %q, %pos {head_dim = 16 : i64, theta = 1.0e4 : f64} : tensor<?x64xf32>, tensor<?xi64>
  %kr = awq.rope %k, %pos {head_dim = 16 : i64, theta = 5.0e5 : f64, scaling = "llama3", scaling_factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64, original_max_position = 64 : i64} : tensor<?x32xf32>, tensor<?xi64>
  %a = awq.attention %qr, %kr, %v {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32> -> tensor<?x64xf32>
  return %a : tensor<?x64xf32>
}

