
func.func @rms_norm_int_input(%x: tensor<?x64xi16>, %w: tensor<64xf16>) -> tensor<?x64xi16> {
  // expected-error @+1 {{'awq.rms_norm' op operand #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<?x64xi16>'}}
  %y = awq.rms_norm %x, %w : tensor<?x64xi16>, tensor<64xf16>
  return %y : tensor<?x64xi16>
}

