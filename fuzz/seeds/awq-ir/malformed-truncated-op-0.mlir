
// A file that ends in the middle of an op: a located error, no crash.

func.func @f(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>,
             %z: tensor<16x2xi4>) -> tensor<?x16xf16> {
  %y = awq.qlinear %x, %q, %s zeros
