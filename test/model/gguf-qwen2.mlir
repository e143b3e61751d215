// GGUF import of a Qwen2 model (arch "qwen2"): llama.cpp's converter does not
// permute Qwen2's Q and K (llama.cpp ropes Qwen2 in the NEOX, rotate_half,
// convention), and the q/k/v biases are blk.N.attn_{q,k,v}.bias. Tied
// embeddings: no output.weight. The importer must not unpermute here. Same
// tolerances as gguf-llama.mlir.
// REQUIRES: awq-import, awq-run
// DEFINE: %{ids} = 1,5,9,17,33,64,2,100,7,7,45,90,12,3,77,120,56,8,31,99
// Steps that write or read GGUF run on `python3`, not %python (lit's own
// interpreter): scripts/setup.sh installs the gguf package for the python3
// on PATH.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %S/Inputs/make_tiny_llama.py %t/m --variant qwen2-bias --gguf %t/m.gguf
// RUN: awq-import %t/m -o %t/hf.mlir
// RUN: awq-import %t/m.gguf -o %t/gguf.mlir
// RUN: awq-run %t/hf.mlir --token-ids=%{ids} --logits=%t/hf.bin
// RUN: awq-run %t/gguf.mlir --token-ids=%{ids} --logits=%t/gguf.bin
// RUN: %python %S/Inputs/compare_logits.py %t/gguf.bin %t/hf.bin --atol 1e-5 --vocab 128 | FileCheck %s
// RUN: %python %awq_src_root/test/oracle/llama_oracle.py %t/m --token-ids %{ids} \
// RUN:   --compare %t/gguf.bin --rtol 1e-4 --atol 1e-4

// CHECK: argmax agreement: 20/20
// CHECK: PASS
