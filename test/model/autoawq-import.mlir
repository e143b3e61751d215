// An AutoAWQ GEMM checkpoint (here written by awq-quantize rtn from a tiny
// f16 Llama) imports with its linears as awq.qlinear over the packed
// tensors (no copies), and the CPU executor's logits equal the f64 oracle's
// on the same weights dequantized independently in NumPy
// (Inputs/dequantize_autoawq.py). Tolerance 5e-4 as for f16 checkpoints
// (oracle-f16.mlir says why).
// REQUIRES: awq-import, awq-run, awq-quantize
// DEFINE: %{ids} = 1,5,9,17,33,64,2,100,7,7,45,90,12,3,77,120,56,8,31,99
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/make_tiny_llama.py %t/m --variant llama-gqa --dtype f16 --seed 3
// RUN: awq-quantize rtn --model %t/m --group-size 32 --out %t/q
// RUN: awq-import %t/q -o %t/q.mlir
// RUN: FileCheck %s --check-prefix=IR --input-file %t/q.mlir
// RUN: awq-opt %t/q.mlir | awq-opt > /dev/null
// RUN: awq-run %t/q.mlir --token-ids=%{ids} --logits=%t/q.bin
// RUN: %python %S/Inputs/dequantize_autoawq.py %t/q %t/deq
// RUN: %python %awq_src_root/test/oracle/llama_oracle.py %t/deq --token-ids %{ids} \
// RUN:   --compare %t/q.bin --rtol 5e-4 --atol 5e-4 | FileCheck %s

// IR: awq.model = {architecture = "llama", format = "autoawq"
// IR: func.func @layer_0(%{{.+}}: tensor<?x64xf16>
// IR: awq.weight "model.layers.0.self_attn.q_proj.qweight" from "{{.+}}model.safetensors" storage <awq_gemm_qweight> : tensor<64x64xi4>
// IR: awq.weight "model.layers.0.self_attn.q_proj.scales" from "{{.+}}" storage <transposed> : tensor<64x2xf16>
// IR: awq.weight "model.layers.0.self_attn.q_proj.qzeros" from "{{.+}}" storage <awq_gemm_qzeros> : tensor<64x2xi4>
// IR: awq.qlinear %{{.+}} {group_size = 32 : i64, name = "model.layers.0.self_attn.q_proj"}
// IR-NOT: dense<

// CHECK: logits: T=20 vocab=128
// CHECK: PASS
