
// A scale of all ones is the identity (x / 1 == x exactly in every float
// type), whatever the scale's element type.

func.func @scale_of_ones(%x: tensor<?x64xf16>) -> tensor<?x64xf16> {
  %ones = arith.constant dense<1.0> : tensor<64xf32>
  %y = awq.scale %x, %ones : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

