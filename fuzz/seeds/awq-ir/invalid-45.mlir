
func.func @linear_name_not_string(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op attribute 'name' failed to satisfy constraint: string attribute}}
  %y = awq.linear %x, %w {name = 1 : i64} : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

//===----------------------------------------------------------------------===//
// awq.qlinear
//===----------------------------------------------------------------------===//

