
func.func @attention_groups(%q: tensor<?x48xf32>, %kv: tensor<?x32xf32>) -> tensor<?x48xf32> {
  // expected-error @+1 {{'awq.attention' op expected num_kv_heads 2 to divide num_heads 3}}
  %a = awq.attention %q, %kv, %kv {num_heads = 3 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x48xf32>, tensor<?x32xf32>, tensor<?x32xf32> -> tensor<?x48xf32>
  return %a : tensor<?x48xf32>
}

