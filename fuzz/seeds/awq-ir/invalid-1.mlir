
func.func @weight_empty_file() -> tensor<4x8xf16> {
  // expected-error @+1 {{'awq.weight' op expected a non-empty file name}}
  %w = awq.weight "w" from "" : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

