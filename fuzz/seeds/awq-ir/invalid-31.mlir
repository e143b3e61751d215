
func.func @scale_int_input(%x: tensor<?x64xi8>, %s: tensor<64xf32>) -> tensor<?x64xi8> {
  // expected-error @+1 {{'awq.scale' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<?x64xi8>'}}
  %y = awq.scale %x, %s : tensor<?x64xi8>, tensor<64xf32>
  return %y : tensor<?x64xi8>
}

