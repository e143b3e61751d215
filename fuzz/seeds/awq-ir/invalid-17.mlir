
func.func @rms_norm_epsilon_f64(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op attribute 'epsilon' failed to satisfy constraint: 32-bit float attribute}}
  %y = awq.rms_norm %x, %w {epsilon = 1.0e-5 : f64} : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

