
func.func @scale_int_scale(%x: tensor<?x64xf16>, %s: tensor<64xi32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op operand #1 must be rank-1 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64xi32>'}}
  %y = awq.scale %x, %s : tensor<?x64xf16>, tensor<64xi32>
  return %y : tensor<?x64xf16>
}

