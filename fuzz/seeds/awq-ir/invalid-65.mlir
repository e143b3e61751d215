
func.func @qlinear_result_dtype(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'awq.qlinear' op expected result element type 'f16' (the activation type), got 'f32'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

