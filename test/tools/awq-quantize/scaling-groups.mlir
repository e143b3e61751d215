// `awq-quantize awq` logs every scaling group with the producer and each of
// its linears by name (q, k and v share one search).
// REQUIRES: awq-quantize
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %awq_src_root/examples/make_tiny_model.py %t/m > /dev/null
// RUN: awq-quantize awq --model %t/m --activations %t/activations.safetensors --out %t/q | FileCheck %s

// CHECK: model.layers.0.input_layernorm -> model.layers.0.self_attn.q_proj, model.layers.0.self_attn.k_proj, model.layers.0.self_attn.v_proj: ratio {{[0-9.]+}} loss
// CHECK: model.layers.0.self_attn.v_proj -> model.layers.0.self_attn.o_proj: ratio
// CHECK: model.layers.0.post_attention_layernorm -> model.layers.0.mlp.gate_proj, model.layers.0.mlp.up_proj: ratio
// CHECK: model.layers.0.mlp.up_proj -> model.layers.0.mlp.down_proj: ratio
// CHECK: wrote {{.*}}: 7 linears quantized
