
func.func @rope_theta(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected a positive theta}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 0.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

