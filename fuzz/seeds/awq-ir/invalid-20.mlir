
func.func @rms_norm_rank2_weight(%x: tensor<?x64xf16>, %w: tensor<1x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op operand #1 must be rank-1 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<1x64xf16>'}}
  %y = awq.rms_norm %x, %w : tensor<?x64xf16>, tensor<1x64xf16>
  return %y : tensor<?x64xf16>
}

