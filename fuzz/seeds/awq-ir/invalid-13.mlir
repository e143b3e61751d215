
func.func @rms_norm_weight_size(%x: tensor<?x64xf16>, %w: tensor<32xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op expected weight size (K) to be 64, got 32}}
  %y = awq.rms_norm %x, %w : tensor<?x64xf16>, tensor<32xf16>
  return %y : tensor<?x64xf16>
}

