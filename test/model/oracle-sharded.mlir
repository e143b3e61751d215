// A checkpoint split over three safetensors files with
// model.safetensors.index.json (tensors assigned round-robin, so every file
// holds parts of several layers), as large downloaded models are: imported
// and run, it gives the oracle's logits (f32 tolerance, see
// oracle-llama-gqa.mlir).
// REQUIRES: awq-import, awq-run
// DEFINE: %{ids} = 1,5,9,17,33,64,2,100,7,7,45,90,12,3,77,120,56,8,31,99
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/make_tiny_llama.py %t/m --variant llama-gqa --shards 3
// RUN: awq-import %t/m -o %t/m.mlir
// RUN: awq-run %t/m.mlir --token-ids=%{ids} --logits=%t/l.bin
// RUN: %python %awq_src_root/test/oracle/llama_oracle.py %t/m --token-ids %{ids} \
// RUN:   --compare %t/l.bin --rtol 1e-4 --atol 1e-4 | FileCheck %s

// CHECK: logits: T=20 vocab=128
// CHECK: PASS
