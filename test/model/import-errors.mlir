// awq-import's diagnostics for inputs it cannot take: each names what is
// wrong (the key, the tensor, the file). Patterns are loose on wording.
// REQUIRES: awq-import
// Steps that write or read GGUF run on `python3`, not %python (lit's own
// interpreter): scripts/setup.sh installs the gguf package for the python3
// on PATH.
// RUN: rm -rf %t && mkdir -p %t

// An architecture the importer does not know.
// RUN: %python %S/Inputs/make_tiny_llama.py %t/bad-type --variant llama-gqa
// RUN: %python %S/Inputs/edit_tiny_llama.py set-config %t/bad-type model_type=gpt2
// RUN: not awq-import %t/bad-type -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE-DAG: model_type
// TYPE-DAG: gpt2

// A tensor the config implies but the checkpoint lacks.
// RUN: %python %S/Inputs/make_tiny_llama.py %t/missing --variant llama-gqa
// RUN: %python %S/Inputs/edit_tiny_llama.py drop-tensor %t/missing model.layers.1.mlp.down_proj.weight
// RUN: not awq-import %t/missing -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: model.layers.1.mlp.down_proj.weight

// An untied model without lm_head.weight.
// RUN: %python %S/Inputs/make_tiny_llama.py %t/nohead --variant llama-gqa
// RUN: %python %S/Inputs/edit_tiny_llama.py drop-tensor %t/nohead lm_head.weight
// RUN: not awq-import %t/nohead -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=NOHEAD
// NOHEAD: lm_head.weight

// A GGUF cut short in its metadata.
// RUN: python3 %S/Inputs/make_tiny_llama.py %t/g --variant llama-gqa --gguf %t/full.gguf
// RUN: head -c 100 %t/full.gguf > %t/truncated.gguf
// RUN: not awq-import %t/truncated.gguf -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: truncated.gguf

// A GGUF cut short in its tensor data (header and metadata intact).
// RUN: head -c 200000 %t/full.gguf > %t/short-data.gguf
// RUN: not awq-import %t/short-data.gguf -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: short-data.gguf
