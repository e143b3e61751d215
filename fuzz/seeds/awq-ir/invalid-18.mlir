
func.func @rms_norm_rank1_input(%x: tensor<64xf16>, %w: tensor<64xf16>) -> tensor<64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op operand #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64xf16>'}}
  %y = awq.rms_norm %x, %w : tensor<64xf16>, tensor<64xf16>
  return %y : tensor<64xf16>
}

