// The bundled example: the linear layers of one Llama-style block (hidden
// 512, MLP 1024), quantized to 4 bits (group 128) by `awq-quantize awq` into
// an AutoAWQ GEMM checkpoint, which this IR references without copying:
// awq.weight reads the tensors lazily, unpacking AutoAWQ's layout.
// scripts/run-example.sh builds the checkpoint (examples/make_tiny_model.py),
// fuses q/k/v and gate/up (awq-opt --awq-fuse-linears) and compiles the
// result (awq-compile) into an artifact with kernels and packed weights.
//
// Attention and the SiLU gate are not linear layers; their outputs enter as
// arguments (%attn, %mlp_act), so the IR carries exactly the dataflow the
// linears see: input_layernorm -> q, k, v; post_attention_layernorm -> gate,
// up.
func.func @block(%x: tensor<?x512xf16>, %attn: tensor<?x512xf16>, %h: tensor<?x512xf16>, %mlp_act: tensor<?x1024xf16>)
    -> (tensor<?x512xf16>, tensor<?x512xf16>, tensor<?x512xf16>, tensor<?x512xf16>, tensor<?x1024xf16>, tensor<?x1024xf16>, tensor<?x512xf16>) {
  %ln1_w = awq.weight "model.layers.0.input_layernorm.weight" from "tiny-awq/model.safetensors" : tensor<512xf16>
  %ln2_w = awq.weight "model.layers.0.post_attention_layernorm.weight" from "tiny-awq/model.safetensors" : tensor<512xf16>
  %q_q = awq.weight "model.layers.0.self_attn.q_proj.qweight" from "tiny-awq/model.safetensors" storage <awq_gemm_qweight> : tensor<512x512xi4>
  %q_s = awq.weight "model.layers.0.self_attn.q_proj.scales" from "tiny-awq/model.safetensors" storage <transposed> : tensor<512x4xf16>
  %q_z = awq.weight "model.layers.0.self_attn.q_proj.qzeros" from "tiny-awq/model.safetensors" storage <awq_gemm_qzeros> : tensor<512x4xi4>
  %k_q = awq.weight "model.layers.0.self_attn.k_proj.qweight" from "tiny-awq/model.safetensors" storage <awq_gemm_qweight> : tensor<512x512xi4>
  %k_s = awq.weight "model.layers.0.self_attn.k_proj.scales" from "tiny-awq/model.safetensors" storage <transposed> : tensor<512x4xf16>
  %k_z = awq.weight "model.layers.0.self_attn.k_proj.qzeros" from "tiny-awq/model.safetensors" storage <awq_gemm_qzeros> : tensor<512x4xi4>
  %v_q = awq.weight "model.layers.0.self_attn.v_proj.qweight" from "tiny-awq/model.safetensors" storage <awq_gemm_qweight> : tensor<512x512xi4>
  %v_s = awq.weight "model.layers.0.self_attn.v_proj.scales" from "tiny-awq/model.safetensors" storage <transposed> : tensor<512x4xf16>
  %v_z = awq.weight "model.layers.0.self_attn.v_proj.qzeros" from "tiny-awq/model.safetensors" storage <awq_gemm_qzeros> : tensor<512x4xi4>
  %o_q = awq.weight "model.layers.0.self_attn.o_proj.qweight" from "tiny-awq/model.safetensors" storage <awq_gemm_qweight> : tensor<512x512xi4>
  %o_s = awq.weight "model.layers.0.self_attn.o_proj.scales" from "tiny-awq/model.safetensors" storage <transposed> : tensor<512x4xf16>
  %o_z = awq.weight "model.layers.0.self_attn.o_proj.qzeros" from "tiny-awq/model.safetensors" storage <awq_gemm_qzeros> : tensor<512x4xi4>
  %gate_q = awq.weight "model.layers.0.mlp.gate_proj.qweight" from "tiny-awq/model.safetensors" storage <awq_gemm_qweight> : tensor<1024x512xi4>
  %gate_s = awq.weight "model.layers.0.mlp.gate_proj.scales" from "tiny-awq/model.safetensors" storage <transposed> : tensor<1024x4xf16>
  %gate_z = awq.weight "model.layers.0.mlp.gate_proj.qzeros" from "tiny-awq/model.safetensors" storage <awq_gemm_qzeros> : tensor<1024x4xi4>
  %up_q = awq.weight "model.layers.0.mlp.up_proj.qweight" from "tiny-awq/model.safetensors" storage <awq_gemm_qweight> : tensor<1024x512xi4>
  %up_s = awq.weight "model.layers.0.mlp.up_proj.scales" from "tiny-awq/model.safetensors" storage <transposed> : tensor<1024x4xf16>
  %up_z = awq.weight "model.layers.0.mlp.up_proj.qzeros" from "tiny-awq/model.safetensors" storage <awq_gemm_qzeros> : tensor<1024x4xi4>
  %down_q = awq.weight "model.layers.0.mlp.down_proj.qweight" from "tiny-awq/model.safetensors" storage <awq_gemm_qweight> : tensor<512x1024xi4>
  %down_s = awq.weight "model.layers.0.mlp.down_proj.scales" from "tiny-awq/model.safetensors" storage <transposed> : tensor<512x8xf16>
  %down_z = awq.weight "model.layers.0.mlp.down_proj.qzeros" from "tiny-awq/model.safetensors" storage <awq_gemm_qzeros> : tensor<512x8xi4>
  %ln1 = awq.rms_norm %x, %ln1_w {epsilon = 1.0e-05 : f32} : tensor<?x512xf16>, tensor<512xf16>
  %q = awq.qlinear %ln1, %q_q, %q_s zeros %q_z {group_size = 128 : i64, name = "model.layers.0.self_attn.q_proj"}
      : tensor<?x512xf16>, tensor<512x512xi4>, tensor<512x4xf16>, zeros tensor<512x4xi4> -> tensor<?x512xf16>
  %k = awq.qlinear %ln1, %k_q, %k_s zeros %k_z {group_size = 128 : i64, name = "model.layers.0.self_attn.k_proj"}
      : tensor<?x512xf16>, tensor<512x512xi4>, tensor<512x4xf16>, zeros tensor<512x4xi4> -> tensor<?x512xf16>
  %v = awq.qlinear %ln1, %v_q, %v_s zeros %v_z {group_size = 128 : i64, name = "model.layers.0.self_attn.v_proj"}
      : tensor<?x512xf16>, tensor<512x512xi4>, tensor<512x4xf16>, zeros tensor<512x4xi4> -> tensor<?x512xf16>
  %o = awq.qlinear %attn, %o_q, %o_s zeros %o_z {group_size = 128 : i64, name = "model.layers.0.self_attn.o_proj"}
      : tensor<?x512xf16>, tensor<512x512xi4>, tensor<512x4xf16>, zeros tensor<512x4xi4> -> tensor<?x512xf16>
  %ln2 = awq.rms_norm %h, %ln2_w {epsilon = 1.0e-05 : f32} : tensor<?x512xf16>, tensor<512xf16>
  %gate = awq.qlinear %ln2, %gate_q, %gate_s zeros %gate_z {group_size = 128 : i64, name = "model.layers.0.mlp.gate_proj"}
      : tensor<?x512xf16>, tensor<1024x512xi4>, tensor<1024x4xf16>, zeros tensor<1024x4xi4> -> tensor<?x1024xf16>
  %up = awq.qlinear %ln2, %up_q, %up_s zeros %up_z {group_size = 128 : i64, name = "model.layers.0.mlp.up_proj"}
      : tensor<?x512xf16>, tensor<1024x512xi4>, tensor<1024x4xf16>, zeros tensor<1024x4xi4> -> tensor<?x1024xf16>
  %down = awq.qlinear %mlp_act, %down_q, %down_s zeros %down_z {group_size = 128 : i64, name = "model.layers.0.mlp.down_proj"}
      : tensor<?x1024xf16>, tensor<512x1024xi4>, tensor<512x8xf16>, zeros tensor<512x8xi4> -> tensor<?x512xf16>
  return %q, %k, %v, %o, %gate, %up, %down : tensor<?x512xf16>, tensor<?x512xf16>, tensor<?x512xf16>, tensor<?x512xf16>, tensor<?x1024xf16>, tensor<?x1024xf16>, tensor<?x512xf16>
}
