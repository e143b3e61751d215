// RUN: awq-opt %s --split-input-file --verify-diagnostics

// One case per verifier rule of the whole-model ops (AwqOps.cpp) and of the
// GGUF weight storage.

func.func @rope_interleaved_without_head_dim() -> tensor<64x64xf32> {
  // expected-error @+1 {{'awq.weight' op expected 'rope_head_dim' with 'rope_interleaved' storage}}
  %w = awq.weight "q" from "m.gguf" storage <rope_interleaved> : tensor<64x64xf32>
  return %w : tensor<64x64xf32>
}

// -----

func.func @rope_head_dim_not_dividing() -> tensor<60x64xf32> {
  // expected-error @+1 {{'awq.weight' op expected an even rope_head_dim dividing the row count 60, got 16}}
  %w = awq.weight "q" from "m.gguf" storage <rope_interleaved> {rope_head_dim = 16 : i64} : tensor<60x64xf32>
  return %w : tensor<60x64xf32>
}

// -----

func.func @rope_head_dim_on_plain() -> tensor<64x64xf32> {
  // expected-error @+1 {{'awq.weight' op expected 'rope_head_dim' only with 'rope_interleaved' storage}}
  %w = awq.weight "q" from "m.gguf" {rope_head_dim = 16 : i64} : tensor<64x64xf32>
  return %w : tensor<64x64xf32>
}

// -----

func.func @embedding_width(%t: tensor<128x64xf32>, %ids: tensor<?xi64>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'awq.embedding' op expected result dim 1 (C) to be 64, got 32}}
  %h = awq.embedding %t[%ids] : tensor<128x64xf32>, tensor<?xi64> -> tensor<?x32xf32>
  return %h : tensor<?x32xf32>
}

// -----

func.func @embedding_rows(%t: tensor<128x64xf32>, %ids: tensor<5xi64>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'awq.embedding' op expected result dim 0 (tokens) to be 5, got 4}}
  %h = awq.embedding %t[%ids] : tensor<128x64xf32>, tensor<5xi64> -> tensor<4x64xf32>
  return %h : tensor<4x64xf32>
}

// -----

func.func @embedding_float_ids(%t: tensor<128x64xf32>, %ids: tensor<?xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.embedding' op operand #1 must be rank-1 tensor}}
  %h = awq.embedding %t[%ids] : tensor<128x64xf32>, tensor<?xf32> -> tensor<?x64xf32>
  return %h : tensor<?x64xf32>
}

// -----

func.func @rope_odd_head_dim(%x: tensor<?x63xf32>, %p: tensor<?xi64>) -> tensor<?x63xf32> {
  // expected-error @+1 {{'awq.rope' op expected an even head_dim, got 21}}
  %y = awq.rope %x, %p {head_dim = 21 : i64, theta = 1.0e4 : f64} : tensor<?x63xf32>, tensor<?xi64>
  return %y : tensor<?x63xf32>
}

// -----

func.func @rope_head_dim_not_dividing(%x: tensor<?x60xf32>, %p: tensor<?xi64>) -> tensor<?x60xf32> {
  // expected-error @+1 {{'awq.rope' op expected head_dim 16 to divide the channel count 60}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64} : tensor<?x60xf32>, tensor<?xi64>
  return %y : tensor<?x60xf32>
}

// -----

func.func @rope_positions(%x: tensor<4x64xf32>, %p: tensor<3xi64>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected positions size (rows) to be 4, got 3}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64} : tensor<4x64xf32>, tensor<3xi64>
  return %y : tensor<4x64xf32>
}

// -----

func.func @rope_theta(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected a positive theta}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 0.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

// -----

func.func @rope_factor_without_kind(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected 'scaling' with scaling factors}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling_factor = 2.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

// -----

func.func @rope_unknown_kind(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected scaling 'linear' or 'llama3', got 'yarn'}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "yarn", scaling_factor = 2.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

// -----

func.func @rope_missing_factor(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected a positive 'scaling_factor' for 'linear' scaling}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "linear"} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

// -----

func.func @rope_linear_with_bands(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected no frequency bands for 'linear' scaling}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "linear", scaling_factor = 2.0 : f64, low_freq_factor = 1.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

// -----

func.func @rope_llama3_incomplete(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected 'low_freq_factor', 'high_freq_factor' and 'original_max_position' for 'llama3' scaling}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "llama3", scaling_factor = 8.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

// -----

func.func @rope_llama3_bands(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected high_freq_factor > low_freq_factor and a positive original_max_position}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "llama3", scaling_factor = 8.0 : f64, low_freq_factor = 4.0 : f64, high_freq_factor = 1.0 : f64, original_max_position = 64 : i64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

// -----

func.func @attention_groups(%q: tensor<?x48xf32>, %kv: tensor<?x32xf32>) -> tensor<?x48xf32> {
  // expected-error @+1 {{'awq.attention' op expected num_kv_heads 2 to divide num_heads 3}}
  %a = awq.attention %q, %kv, %kv {num_heads = 3 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x48xf32>, tensor<?x32xf32>, tensor<?x32xf32> -> tensor<?x48xf32>
  return %a : tensor<?x48xf32>
}

// -----

func.func @attention_key_width(%q: tensor<?x64xf32>, %kv: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.attention' op expected key dim 1 (heads * head_dim) to be 32, got 64}}
  %a = awq.attention %q, %kv, %kv {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x64xf32>
  return %a : tensor<?x64xf32>
}

// -----

func.func @attention_rows(%q: tensor<4x64xf32>, %kv: tensor<3x32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'awq.attention' op expected key dim 0 (rows) to be 4, got 3}}
  %a = awq.attention %q, %kv, %kv {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<4x64xf32>, tensor<3x32xf32>, tensor<3x32xf32> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

// -----

func.func @attention_types(%q: tensor<?x64xf32>, %kv: tensor<?x32xf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.attention' op expected key element type 'f32', got 'f16'}}
  %a = awq.attention %q, %kv, %kv {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf16>, tensor<?x32xf16> -> tensor<?x64xf32>
  return %a : tensor<?x64xf32>
}

// -----

func.func @clip_group(%w: tensor<16x60xf32>, %m: tensor<16x2xf32>) -> tensor<16x60xf32> {
  // expected-error @+1 {{'awq.clip' op expected group size 32 to divide K = 60}}
  %c = awq.clip %w, %m {group_size = 32 : i64} : tensor<16x60xf32>, tensor<16x2xf32>
  return %c : tensor<16x60xf32>
}

// -----

func.func @clip_rows(%w: tensor<16x64xf32>, %m: tensor<8x2xf32>) -> tensor<16x64xf32> {
  // expected-error @+1 {{'awq.clip' op expected max_value dim 0 (N) to be 16, got 8}}
  %c = awq.clip %w, %m {group_size = 32 : i64} : tensor<16x64xf32>, tensor<8x2xf32>
  return %c : tensor<16x64xf32>
}

// -----

func.func @clip_groups(%w: tensor<16x64xf32>, %m: tensor<16x4xf32>) -> tensor<16x64xf32> {
  // expected-error @+1 {{'awq.clip' op expected max_value dim 1 (K / group_size) to be 2, got 4}}
  %c = awq.clip %w, %m {group_size = 32 : i64} : tensor<16x64xf32>, tensor<16x4xf32>
  return %c : tensor<16x64xf32>
}
