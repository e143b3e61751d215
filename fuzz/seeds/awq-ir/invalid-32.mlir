
func.func @scale_result_type(%x: tensor<?x64xf16>, %s: tensor<64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.scale' op failed to verify that all of {input, result} have same type}}
  %y = "awq.scale"(%x, %s) : (tensor<?x64xf16>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

//===----------------------------------------------------------------------===//
// awq.linear
//===----------------------------------------------------------------------===//

