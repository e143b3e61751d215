
func.func @rope_positions(%x: tensor<4x64xf32>, %p: tensor<3xi64>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'awq.rope' op expected positions size (rows) to be 4, got 3}}
  %y = awq.rope %x, %p {head_dim = 16 : i64, theta = 1.0e4 : f64} : tensor<4x64xf32>, tensor<3xi64>
  return %y : tensor<4x64xf32>
}

