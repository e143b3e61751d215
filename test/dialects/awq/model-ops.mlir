// RUN: awq-opt %s --split-input-file | awq-opt --split-input-file | FileCheck %s
// RUN: awq-opt %s --emit-bytecode | awq-opt | FileCheck %s --check-prefix=BYTECODE

// The whole-model ops (AwqOps.td: awq.embedding, awq.rope, awq.attention,
// awq.swiglu) and GGUF weight references round-trip through text and
// bytecode.

// CHECK-LABEL: func.func @decoder_attention
// CHECK: %[[TABLE:.+]] = awq.weight "token_embd.weight" from "m.gguf" : tensor<128x64xf32>
// CHECK: %[[Q:.+]] = awq.weight "blk.0.attn_q.weight" from "m.gguf" storage <rope_interleaved> {rope_head_dim = 16 : i64} : tensor<64x64xf32>
// CHECK: %[[H:.+]] = awq.embedding %[[TABLE]][%{{.+}}] : tensor<128x64xf32>, tensor<?xi64> -> tensor<?x64xf32>
// CHECK: %[[QR:.+]] = awq.rope %{{.+}}, %{{.+}} {head_dim = 16 : i64, theta = 1.000000e+04 : f64} : tensor<?x64xf32>, tensor<?xi64>
// CHECK: %[[KR:.+]] = awq.rope %{{.+}}, %{{.+}} {head_dim = 16 : i64, high_freq_factor = 4.000000e+00 : f64, low_freq_factor = 1.000000e+00 : f64, original_max_position = 64 : i64, scaling = "llama3", scaling_factor = 8.000000e+00 : f64, theta = 5.000000e+05 : f64}
// CHECK: awq.attention %[[QR]], %[[KR]], %{{.+}} {head_dim = 16 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32> -> tensor<?x64xf32>
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

// -----

// CHECK-LABEL: func.func @mlp
// CHECK: %[[ACT:.+]] = awq.swiglu %{{.+}}, %{{.+}} : tensor<?x96xbf16>
// CHECK: awq.rope %{{.+}}, %{{.+}} {head_dim = 32 : i64, scaling = "linear", scaling_factor = 2.000000e+00 : f64, theta = 1.000000e+04 : f64} : tensor<?x64xbf16>, tensor<?xi32>
// CHECK: awq.attention %{{.+}} {head_dim = 32 : i64, num_heads = 2 : i64, num_kv_heads = 2 : i64, scale = 1.250000e-01 : f64}
func.func @mlp(%g: tensor<?x96xbf16>, %u: tensor<?x96xbf16>, %x: tensor<?x64xbf16>, %pos: tensor<?xi32>) -> (tensor<?x96xbf16>, tensor<?x64xbf16>) {
  %a = awq.swiglu %g, %u : tensor<?x96xbf16>
  %r = awq.rope %x, %pos {head_dim = 32 : i64, theta = 1.0e4 : f64, scaling = "linear", scaling_factor = 2.0 : f64} : tensor<?x64xbf16>, tensor<?xi32>
  %o = awq.attention %r, %r, %r {num_heads = 2 : i64, num_kv_heads = 2 : i64, head_dim = 32 : i64, scale = 0.125 : f64} : tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16> -> tensor<?x64xbf16>
  return %a, %o : tensor<?x96xbf16>, tensor<?x64xbf16>
}

// -----

// CHECK-LABEL: func.func @clip_and_f32_qlinear
// CHECK: awq.clip %{{.+}}, %{{.+}} {group_size = 32 : i64} : tensor<16x64xf32>, tensor<16x2xf32>
// CHECK: awq.qlinear %{{.+}} {group_size = 32 : i64} : tensor<?x64xf32>, tensor<16x64xi4>, tensor<16x2xf32> -> tensor<?x16xf32>
func.func @clip_and_f32_qlinear(%w: tensor<16x64xf32>, %m: tensor<16x2xf32>, %x: tensor<?x64xf32>, %q: tensor<16x64xi4>, %s: tensor<16x2xf32>) -> (tensor<16x64xf32>, tensor<?x16xf32>) {
  %c = awq.clip %w, %m {group_size = 32 : i64} : tensor<16x64xf32>, tensor<16x2xf32>
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf32>, tensor<16x64xi4>, tensor<16x2xf32> -> tensor<?x16xf32>
  return %c, %y : tensor<16x64xf32>, tensor<?x16xf32>
}
