
func.func @attention_types(%q: tensor<?x64xf32>, %kv: tensor<?x32xf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.attention' op expected key element type 'f32', got 'f16'}}
  %a = awq.attention %q, %kv, %kv {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf16>, tensor<?x32xf16> -> tensor<?x64xf32>
  return %a : tensor<?x64xf32>
}

