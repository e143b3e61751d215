
func.func @mlp(%g: tensor<?x96xbf16>, %u: tensor<?x96xbf16>, %x: tensor<?x64xbf16>, %pos: tensor<?xi32>) -> (tensor<?x96xbf16>, tensor<?x64xbf16>) {
  %a = awq.swiglu %g, %u : tensor<?x96xbf16>
  %r = awq.rope %x, %pos {head_dim = 32 : i64, theta = 1.0e4 : f64, scaling = "linear", scaling_factor = 2.0 : f64} : tensor<?x64xbf16>, tensor<?xi32>
  %o = awq.attention %r, %r, %r {num_heads = 2 : i64, num_kv_heads = 2 : i64, head_dim = 32 : i64, scale = 0.125 : f64} : tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16> -> tensor<?x64xbf16>
  return %a, %o : tensor<?x96xbf16>, tensor<?x64xbf16>
}

