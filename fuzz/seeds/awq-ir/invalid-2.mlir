
func.func @weight_dynamic_shape() -> tensor<?x8xf16> {
  // expected-error @+1 {{'awq.weight' op expected a statically shaped tensor, got 'tensor<?x8xf16>'}}
  %w = awq.weight "w" from "m.safetensors" : tensor<?x8xf16>
  return %w : tensor<?x8xf16>
}

