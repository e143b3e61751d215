// GGUF import of a Llama 3.1-style model: llama.cpp's converter stores the
// llama3 rope scaling not as metadata but as a tensor, rope_freqs.weight
// [head_dim / 2], holding per frequency the divisor of theta^(-2i/d) (1 for
// the kept band, factor 8 for the divided band, 1 / ((1 - s) / 8 + s) in
// between). An importer that ignores it silently runs the unscaled rope,
// which moves these logits by up to 0.85 (transformers' own GGUF loader does
// exactly that). awq-import does not support the tensor yet and must refuse
// the file, naming it; the HF import of the same model is what
// oracle-llama3-rope.mlir checks.
//
// When the GGUF path applies rope_freqs.weight, replace the `not` check with:
//   awq-import %t/m -o %t/hf.mlir && awq-import %t/m.gguf -o %t/gguf.mlir
//   awq-run %t/hf.mlir --token-ids=%{ids} --logits=%t/hf.bin
//   awq-run %t/gguf.mlir --token-ids=%{ids} --logits=%t/gguf.bin
//   %python %S/Inputs/compare_logits.py %t/gguf.bin %t/hf.bin --atol 1e-5 --vocab 128
//   %python %awq_src_root/test/oracle/llama_oracle.py %t/m --token-ids %{ids} \
//     --compare %t/gguf.bin --rtol 1e-4 --atol 1e-4
// (the plumbing of those lines was checked with a stand-in executor).
// REQUIRES: awq-import
// Steps that write or read GGUF run on `python3`, not %python (lit's own
// interpreter): scripts/setup.sh installs the gguf package for the python3
// on PATH.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %S/Inputs/make_tiny_llama.py %t/m --variant llama3-rope --gguf %t/m.gguf
// RUN: not awq-import %t/m.gguf -o %t/gguf.mlir 2>&1 | FileCheck %s

// CHECK: rope_freqs.weight
