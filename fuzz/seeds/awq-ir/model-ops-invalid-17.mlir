
func.func @attention_key_width(%q: tensor<?x64xf32>, %kv: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.attention' op expected key dim 1 (heads * head_dim) to be 32, got 64}}
  %a = awq.attention %q, %kv, %kv {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x64xf32>
  return %a : tensor<?x64xf32>
}

