
func.func @weight_unranked() -> tensor<*xf16> {
  // expected-error @+1 {{custom op 'awq.weight' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf16>'}}
  %w = awq.weight "w" from "m.safetensors" : tensor<*xf16>
  return %w : tensor<*xf16>
}

