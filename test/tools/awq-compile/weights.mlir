// The bundled example end to end: an f16 checkpoint quantized by
// awq-quantize (AWQ search) into AutoAWQ format, referenced by model IR,
// fused, compiled; the artifact's weights, repacked into the kernel layout,
// hold exactly the checkpoint's q, zero points and scales.
// REQUIRES: awq-quantize
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %awq_src_root/examples/make_tiny_model.py %t/tiny-model
// RUN: awq-quantize awq --model %t/tiny-model --activations %t/activations.safetensors --out %t/tiny-awq
// RUN: awq-opt %awq_src_root/examples/tiny-llama-block.mlir --awq-fuse-linears -o %t/fused.mlir
// RUN: awq-compile %t/fused.mlir -o %t/artifact --arch=sm_90 --weights-dir=%t
// RUN: %python %S/check_weights.py %t/artifact %t/tiny-awq | FileCheck %s
// RUN: not awq-compile %t/fused.mlir -o %t/artifact2 --weights-dir=%t/nowhere 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK-DAG: model.layers.0.self_attn.q_proj+model.layers.0.self_attn.k_proj+model.layers.0.self_attn.v_proj: N=1536 K=512 g=128 identical
// CHECK-DAG: model.layers.0.self_attn.o_proj: N=512 K=512 g=128 identical
// CHECK-DAG: model.layers.0.mlp.gate_proj+model.layers.0.mlp.up_proj: N=2048 K=512 g=128 identical
// CHECK-DAG: model.layers.0.mlp.down_proj: N=512 K=1024 g=128 identical
// CHECK: weights OK

// MISSING: error:
// MISSING-SAME: tiny-awq/model.safetensors
