
func.func @rms_norm_negative_epsilon(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op expected a positive epsilon}}
  %y = awq.rms_norm %x, %w {epsilon = -1.0e-5 : f32} : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

