
func.func @rope_llama3_incomplete(%x: tensor<?x64xf32>, %p: tensor<?xi64>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected 'low_freq_factor', 'high_freq_factor' and 'original_max_position' for 'llama3' scaling}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64, scaling = "llama3", scaling_factor = 8.0 : f64} : tensor<?x64xf32>, tensor<?xi64>
  return %y : tensor<?x64xf32>
}

