
func.func @scale_size_last_axis(%x: tensor<?x64xf16>, %s: tensor<32xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op expected scale size to be 64, got 32}}
  %y = awq.scale %x, %s : tensor<?x64xf16>, tensor<32xf32>
  return %y : tensor<?x64xf16>
}

