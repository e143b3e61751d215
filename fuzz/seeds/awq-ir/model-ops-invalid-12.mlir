
func.func @rope_missing_factor(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected a positive 'scaling_factor' for 'linear' scaling}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "linear"} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

