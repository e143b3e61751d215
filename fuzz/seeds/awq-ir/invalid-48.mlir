
func.func @qlinear_group_size_divides_k(%x: tensor<?x96xf16>, %q: tensor<16x96xi4>, %s: tensor<16x1xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected group size 64 to divide K = 96}}
  %y = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x96xf16>, tensor<16x96xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

