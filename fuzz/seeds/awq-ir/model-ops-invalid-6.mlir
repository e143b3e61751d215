
func.func @rope_odd_head_dim(%x: tensor<?x63xf32>, %p: tensor<?xi64>) -> tensor<?x63xf32> {
  // expected-error @+1 {{'awq.rope' op expected an even head_dim, got 21}}
  %y = awq.rope %x, %p {head_dim = 21 : i64, theta = 1.0e4 : f64} : tensor<?x63xf32>, tensor<?xi64>
  return %y : tensor<?x63xf32>
}

