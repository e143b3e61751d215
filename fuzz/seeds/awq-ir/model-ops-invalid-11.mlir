
func.func @rope_unknown_kind(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected scaling 'linear' or 'llama3', got 'yarn'}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "yarn", scaling_factor = 2.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

