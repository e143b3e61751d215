// Whole model, mistral: Mistral: the Llama math under model_type mistral,
// sliding_window null; 8 heads of 8 over 2 KV heads, rope_theta 1e6. Generated
// as a Hugging Face directory, imported, round-tripped through awq-opt, run on
// the CPU executor and compared with the independent f64 NumPy oracle
// (test/oracle/llama_oracle.py).
//
// Tolerance |awq-run - oracle| <= 1e-4 + 1e-4 * |oracle|: the executor
// computes in f32, the oracle in f64; evaluating the oracle itself in f32
// moves these logits (|logit| < 3.5) by at most ~2.5e-6, so 1e-4 leaves 40x
// headroom for another summation order, while a wrong rope convention, band,
// tie, bias or GQA mapping moves them by 1e-2 or more.
// REQUIRES: awq-import, awq-run
// DEFINE: %{ids} = 1,5,9,17,33,64,2,100,7,7,45,90,12,3,77,120,56,8,31,99
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/make_tiny_llama.py %t/m --variant mistral
// RUN: awq-import %t/m -o %t/m.mlir
// RUN: awq-opt %t/m.mlir | awq-opt > /dev/null
// RUN: awq-run %t/m.mlir --token-ids=%{ids} --logits=%t/l.bin
// RUN: %python %awq_src_root/test/oracle/llama_oracle.py %t/m --token-ids %{ids} \
// RUN:   --compare %t/l.bin --rtol 1e-4 --atol 1e-4 | FileCheck %s

// CHECK: logits: T=20 vocab=128
// CHECK: argmax agreement:
// CHECK: PASS
