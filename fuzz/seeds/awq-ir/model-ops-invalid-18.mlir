
func.func @attention_rows(%q: tensor<4x64xf32>, %kv: tensor<3x32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'awq.attention' op expected key dim 0 (rows) to be 4, got 3}}
  %a = awq.attention %q, %kv, %kv {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<4x64xf32>, tensor<3x32xf32>, tensor<3x32xf32> -> tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

