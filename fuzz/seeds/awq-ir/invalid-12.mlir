
func.func @weight_storage_not_enum() -> tensor<4x8xf16> {
  // expected-error @+1 {{Invalid attribute `storage` in property conversion: 0 : i32}}
  %w = "awq.weight"() <{name = "w", file = "m.safetensors", storage = 0 : i32}> : () -> tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

//===----------------------------------------------------------------------===//
// awq.rms_norm
//===----------------------------------------------------------------------===//

