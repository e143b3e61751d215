// Three Llama-2-7B-shaped quantized linears (4-bit, group 128, f16,
// asymmetric): the fused q/k/v projection, the attention output projection
// and the MLP down projection. Kernels are specialised on shapes alone, so
// the weights are function arguments here; `awq-compile` writes the manifest
// and PTX for them (see README.md, "Compile").
func.func @qkv_proj(%x: tensor<?x4096xf16>, %q: tensor<12288x4096xi4>, %s: tensor<12288x32xf16>, %z: tensor<12288x32xi4>) -> tensor<?x12288xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "model.layers.0.self_attn.qkv_proj"}
      : tensor<?x4096xf16>, tensor<12288x4096xi4>, tensor<12288x32xf16>, zeros tensor<12288x32xi4> -> tensor<?x12288xf16>
  return %y : tensor<?x12288xf16>
}

func.func @o_proj(%x: tensor<?x4096xf16>, %q: tensor<4096x4096xi4>, %s: tensor<4096x32xf16>, %z: tensor<4096x32xi4>) -> tensor<?x4096xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "model.layers.0.self_attn.o_proj"}
      : tensor<?x4096xf16>, tensor<4096x4096xi4>, tensor<4096x32xf16>, zeros tensor<4096x32xi4> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

func.func @down_proj(%x: tensor<?x11008xf16>, %q: tensor<4096x11008xi4>, %s: tensor<4096x86xf16>, %z: tensor<4096x86xi4>) -> tensor<?x4096xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "model.layers.0.mlp.down_proj"}
      : tensor<?x11008xf16>, tensor<4096x11008xi4>, tensor<4096x86xf16>, zeros tensor<4096x86xi4> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}
