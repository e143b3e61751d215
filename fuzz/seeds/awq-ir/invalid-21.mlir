
func.func @rms_norm_result_type(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xbf16> {
  // expected-error @+1 {{'awq.rms_norm' op failed to verify that all of {input, result} have same type}}
  %y = "awq.rms_norm"(%x, %w) : (tensor<?x64xf16>, tensor<64xf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

//===----------------------------------------------------------------------===//
// awq.scale
//===----------------------------------------------------------------------===//

