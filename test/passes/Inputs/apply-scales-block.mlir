// Input of awq-apply-scales.mlir: an attention input norm feeding q and k,
// weights referenced from `w.safetensors`.
func.func @block(%x: tensor<?x64xf16>) -> (tensor<?x32xf16>, tensor<?x16xf16>) {
  %nw = awq.weight "norm" from "w.safetensors" : tensor<64xf16>
  %n = awq.rms_norm %x, %nw : tensor<?x64xf16>, tensor<64xf16>
  %wq = awq.weight "q" from "w.safetensors" : tensor<32x64xf16>
  %wk = awq.weight "k" from "w.safetensors" : tensor<16x64xf16>
  %q = awq.linear %n, %wq {name = "q"} : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  %k = awq.linear %n, %wk {name = "k"} : tensor<?x64xf16>, tensor<16x64xf16> -> tensor<?x16xf16>
  return %q, %k : tensor<?x32xf16>, tensor<?x16xf16>
}
