
// One case per verifier rule (AwqOps.cpp) and per ODS constraint of the awq
// ops and attributes.

//===----------------------------------------------------------------------===//
// awq.weight
//===----------------------------------------------------------------------===//

func.func @weight_empty_name() -> tensor<4x8xf16> {
  // expected-error @+1 {{'awq.weight' op expected a non-empty tensor name}}
  %w = awq.weight "" from "m.safetensors" : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

