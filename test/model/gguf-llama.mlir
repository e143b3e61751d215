// GGUF import: the same weights written as a Hugging Face directory and as a
// llama.cpp-style GGUF (arch "llama", F32 tensors, llama.cpp tensor names,
// Q and K rows permuted as convert_hf_to_gguf.py permutes them, with the KV
// head count for K) give the same logits. Three shapes of the permutation:
// llama-gqa (4 heads / 2 KV heads), smollm-tied (3 / 1; no output.weight, the
// logits use token_embd.weight) and mistral (8 heads of 8 / 2).
//
// GGUF against HF import: atol 1e-5. The weights are bit-identical after the
// importer undoes the permutation, so the logits may differ only by summation
// order (or by a rope applied to the still-permuted rows in adjacent pairs,
// which is the same math); a permutation not undone moves them by ~0.1.
// The GGUF logits are also checked against the oracle directly (1e-4).
// REQUIRES: awq-import, awq-run
// DEFINE: %{ids} = 1,5,9,17,33,64,2,100,7,7,45,90,12,3,77,120,56,8,31,99
// DEFINE: %{check} = %python %S/Inputs/compare_logits.py --atol 1e-5 --vocab 128
// DEFINE: %{oracle} = %python %awq_src_root/test/oracle/llama_oracle.py
// Steps that write or read GGUF run on `python3`, not %python (lit's own
// interpreter): scripts/setup.sh installs the gguf package for the python3
// on PATH.
// RUN: rm -rf %t && mkdir -p %t

// RUN: python3 %S/Inputs/make_tiny_llama.py %t/gqa --variant llama-gqa --gguf %t/gqa.gguf
// RUN: awq-import %t/gqa -o %t/gqa-hf.mlir
// RUN: awq-import %t/gqa.gguf -o %t/gqa-gguf.mlir
// RUN: awq-opt %t/gqa-gguf.mlir | awq-opt > /dev/null
// RUN: awq-run %t/gqa-hf.mlir --token-ids=%{ids} --logits=%t/gqa-hf.bin
// RUN: awq-run %t/gqa-gguf.mlir --token-ids=%{ids} --logits=%t/gqa-gguf.bin
// RUN: %{check} %t/gqa-gguf.bin %t/gqa-hf.bin | FileCheck %s
// RUN: %{oracle} %t/gqa --token-ids %{ids} --compare %t/gqa-gguf.bin --rtol 1e-4 --atol 1e-4

// RUN: python3 %S/Inputs/make_tiny_llama.py %t/tied --variant smollm-tied --gguf %t/tied.gguf
// RUN: awq-import %t/tied -o %t/tied-hf.mlir
// RUN: awq-import %t/tied.gguf -o %t/tied-gguf.mlir
// RUN: awq-run %t/tied-hf.mlir --token-ids=%{ids} --logits=%t/tied-hf.bin
// RUN: awq-run %t/tied-gguf.mlir --token-ids=%{ids} --logits=%t/tied-gguf.bin
// RUN: %{check} %t/tied-gguf.bin %t/tied-hf.bin | FileCheck %s
// RUN: %{oracle} %t/tied --token-ids %{ids} --compare %t/tied-gguf.bin --rtol 1e-4 --atol 1e-4

// RUN: python3 %S/Inputs/make_tiny_llama.py %t/mis --variant mistral --gguf %t/mis.gguf
// RUN: awq-import %t/mis -o %t/mis-hf.mlir
// RUN: awq-import %t/mis.gguf -o %t/mis-gguf.mlir
// RUN: awq-run %t/mis-hf.mlir --token-ids=%{ids} --logits=%t/mis-hf.bin
// RUN: awq-run %t/mis-gguf.mlir --token-ids=%{ids} --logits=%t/mis-gguf.bin
// RUN: %{check} %t/mis-gguf.bin %t/mis-hf.bin | FileCheck %s
// RUN: %{oracle} %t/mis --token-ids %{ids} --compare %t/mis-gguf.bin --rtol 1e-4 --atol 1e-4

// CHECK: 2560 values
// CHECK: argmax agreement: 20/20
// CHECK: PASS
