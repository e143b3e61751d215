
func.func @weight_name_not_string() -> tensor<4x8xf16> {
  // expected-error @+1 {{Invalid attribute `name` in property conversion: 3 : i64}}
  %w = "awq.weight"() <{name = 3 : i64, file = "m.safetensors"}> : () -> tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

