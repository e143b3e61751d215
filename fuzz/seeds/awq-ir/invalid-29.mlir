
func.func @scale_rank2_scale(%x: tensor<?x64xf16>, %s: tensor<1x64xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op operand #1 must be rank-1 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<1x64xf32>'}}
  %y = awq.scale %x, %s : tensor<?x64xf16>, tensor<1x64xf32>
  return %y : tensor<?x64xf16>
}

