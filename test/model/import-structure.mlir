// The model IR that awq-import writes for a 2-layer Llama: one func.func per
// decoder layer, called from the model function; weights referenced by
// awq.weight (never materialized as dense constants); rope, attention and
// SwiGLU as awq ops. The op syntax is not pinned here, only the names.
// REQUIRES: awq-import
// Steps that write or read GGUF run on `python3`, not %python (lit's own
// interpreter): scripts/setup.sh installs the gguf package for the python3
// on PATH.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %S/Inputs/make_tiny_llama.py %t/m --variant llama-gqa --gguf %t/m.gguf
// RUN: awq-import %t/m -o - | FileCheck %s
// RUN: awq-import %t/m -o %t/m.mlir
// RUN: grep -c "func.func.*@layer_" %t/m.mlir | FileCheck %s --check-prefix=TWO
// RUN: grep -c "call @layer_" %t/m.mlir | FileCheck %s --check-prefix=TWO
// RUN: FileCheck %s --check-prefix=NODENSE --input-file=%t/m.mlir
// (Inside a func.func body func.call prints as `call`, so the patterns
// say `call @layer_`, which matches either spelling.)
// The GGUF import has the same structure.
// RUN: awq-import %t/m.gguf -o %t/g.mlir
// RUN: FileCheck %s --input-file=%t/g.mlir
// RUN: grep -c "func.func.*@layer_" %t/g.mlir | FileCheck %s --check-prefix=TWO
// RUN: FileCheck %s --check-prefix=NODENSE --input-file=%t/g.mlir
// A 2-layer tied model likewise.
// RUN: %python %S/Inputs/make_tiny_llama.py %t/t --variant smollm-tied
// RUN: awq-import %t/t -o %t/t.mlir
// RUN: FileCheck %s --input-file=%t/t.mlir
// RUN: grep -c "func.func.*@layer_" %t/t.mlir | FileCheck %s --check-prefix=TWO
// Llama 3.1 rope scaling reaches the rope op (its parameters, not a table).
// RUN: %python %S/Inputs/make_tiny_llama.py %t/l3 --variant llama3-rope
// RUN: awq-import %t/l3 -o - | FileCheck %s --check-prefix=LLAMA3
// LLAMA3: awq.rope {{.*}}"llama3"

// CHECK-DAG: func.func {{.*}}@layer_
// CHECK-DAG: awq.weight
// CHECK-DAG: awq.rope
// CHECK-DAG: awq.attention
// CHECK-DAG: awq.swiglu
// CHECK-DAG: call @layer_

// TWO: {{^}}2{{$}}

// NODENSE-NOT: dense<
// NODENSE-NOT: dense_resource<
