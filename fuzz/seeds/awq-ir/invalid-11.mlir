
func.func @weight_missing_file() -> tensor<4x8xf16> {
  // expected-error @+1 {{'awq.weight' op requires attribute 'file'}}
  %w = "awq.weight"() <{name = "w"}> : () -> tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

