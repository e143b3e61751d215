
func.func @qlinear_zeros_dtype(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x2xi8>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected zeros element type 'i4' (that of qweight), got 'i8'}}
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x2xi8> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

