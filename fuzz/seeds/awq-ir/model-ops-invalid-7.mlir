
func.func @rope_head_dim_not_dividing(%x: tensor<?x60xf32>, %p: tensor<?xi64>) -> tensor<?x60xf32> {
  // expected-error @+1 {{'awq.rope' op expected head_dim 16 to divide the channel count 60}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64} : tensor<?x60xf32>, tensor<?xi64>
  return %y : tensor<?x60xf32>
}

