// Self-test of the Python side (no C++ tool involved): the tiny-model
// generator and the f64 oracle that the whole-model tests rely on. Every
// variant gives finite, spread logits (row std > 0.1); greedy decoding
// continues with the last row's argmax; f16/bf16 storage and sharding read
// back; --compare accepts the oracle's own logits as float32 and rejects a
// 1e-2 perturbation; the GGUF has llama.cpp's metadata and Q/K permutation
// (which round-trips and maps rotate_half rope to adjacent-pair rope), read
// back with gguf.GGUFReader, and llama3's rope_freqs.weight reproduces the
// oracle's scaled frequencies. (The oracle itself was checked against
// transformers with test/oracle/crosscheck_llama_oracle.py: max abs error
// ~1e-6 on every variant and dtype.)
// Steps that write or read GGUF run on `python3`, not %python (lit's own
// interpreter): scripts/setup.sh installs the gguf package for the python3
// on PATH.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %S/Inputs/check_tiny_llama.py %t | FileCheck %s

// CHECK: permutation: ok
// CHECK-DAG: llama-gqa: ok
// CHECK-DAG: llama3-rope: ok
// CHECK-DAG: mistral: ok
// CHECK-DAG: qwen2-bias: ok
// CHECK-DAG: smollm-tied: ok
// CHECK: all ok
