
// Unused awq ops are pure and disappear.
func.func @dead(%x: tensor<?x64xf16>, %s: tensor<64xf32>) {
  %w = awq.weight "w" from "m.safetensors" : tensor<32x64xf16>
  %n = awq.rms_norm %x, %s : tensor<?x64xf16>, tensor<64xf32>
  %y = awq.scale %x, %s : tensor<?x64xf16>, tensor<64xf32>
  %l = awq.linear %y, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return
}
