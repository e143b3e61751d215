// Input of awq-quantize-weights.mlir: one linear whose weight is referenced
// from `w.safetensors` (relative: resolved against --weights-dir or this
// file's directory).
func.func @linear(%x: tensor<?x256xf16>) -> tensor<?x24xf16> {
  %w = awq.weight "w" from "w.safetensors" : tensor<24x256xf16>
  %y = awq.linear %x, %w {name = "model.layers.0.mlp.up_proj"}
         : tensor<?x256xf16>, tensor<24x256xf16> -> tensor<?x24xf16>
  return %y : tensor<?x24xf16>
}
