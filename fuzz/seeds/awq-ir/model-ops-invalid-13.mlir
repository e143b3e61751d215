
func.func @rope_linear_with_bands(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected no frequency bands for 'linear' scaling}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "linear", scaling_factor = 2.0 : f64, low_freq_factor = 1.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

