
func.func @rope_llama3_bands(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected high_freq_factor > low_freq_factor and a positive original_max_position}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "llama3", scaling_factor = 8.0 : f64, low_freq_factor = 4.0 : f64, high_freq_factor = 1.0 : f64, original_max_position = 64 : i64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

