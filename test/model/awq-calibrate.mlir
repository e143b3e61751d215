// awq-calibrate on a tiny imported Llama: the scales are applied at once
// (awq.scale on the shared inputs, W·diag(s) on the weights), the results
// file is named by the module, the numbers of layer 0's q/k/v scale match
// NumPy, and the rest of the pipeline (fold, clips, quantize) runs on the
// result. Options are checked against the model before any long work.
// REQUIRES: awq-import
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/make_tiny_llama.py %t/m --variant llama-gqa --seed 7
// RUN: %python %S/Inputs/tiny_tokenizer.py %t/m/tokenizer.json
// RUN: awq-import %t/m -o %t/m.mlir
// RUN: awq-opt %t/m.mlir --awq-calibrate="text=%awq_src_root/examples/data/loomings.txt samples=3 tokens=64 group-size=32 loss-sequences=0 results=%t/cal.safetensors report=%t/cal.json progress=0" -o %t/cal.mlir
// RUN: FileCheck %s --input-file %t/cal.mlir
// RUN: python3 %S/Inputs/check_calibration.py %t/m %awq_src_root/examples/data/loomings.txt 3 64 32 \
// RUN:   %t/cal.safetensors %t/cal.json | FileCheck %s --check-prefix=CALIB
// RUN: awq-opt %t/cal.mlir --pass-pipeline="builtin.module(func.func(awq-fold-scales,awq-apply-clips,awq-quantize-weights{group-size=32}))" \
// RUN:   | FileCheck %s --check-prefix=PIPE

// RUN: awq-opt %t/cal.mlir --pass-pipeline="builtin.module(func.func(awq-fold-scales,awq-apply-clips))" \
// RUN:   | FileCheck %s --check-prefix=CLIPPED
// RUN: awq-opt %t/m.mlir --awq-calibrate="text=%awq_src_root/examples/data/loomings.txt samples=3 tokens=64 group-size=32 clip=0 results=%t/noclip.safetensors progress=0" \
// RUN:   | awq-opt --pass-pipeline="builtin.module(func.func(awq-fold-scales,awq-apply-clips))" | FileCheck %s --check-prefix=NOCLIP

// RUN: not awq-opt %t/m.mlir --awq-calibrate="text=%awq_src_root/examples/data/loomings.txt group-size=128" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=GROUP
// RUN: not awq-opt %t/m.mlir --awq-calibrate="text=%awq_src_root/examples/data/loomings.txt group-size=16" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADGROUP
// RUN: not awq-opt %t/m.mlir --awq-calibrate="text=%awq_src_root/examples/data/loomings.txt group-size=32 samples=500" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=SHORT
// RUN: not awq-opt %t/m.mlir --awq-calibrate="group-size=32" 2>&1 | FileCheck %s --check-prefix=NOTEXT
// RUN: not awq-opt %t/m.mlir --awq-calibrate="text=%awq_src_root/examples/data/loomings.txt bits=5" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BITS

// CHECK: module attributes {awq.calibration = "{{.+}}cal.safetensors"
// CHECK-LABEL: func.func @layer_0
// CHECK: %[[N:.+]] = awq.rms_norm
// CHECK: %[[S:.+]] = awq.scale %[[N]], %{{.+}} : tensor<?x64xf32>, tensor<64xf32>
// CHECK: arith.mulf
// CHECK: awq.linear %[[S]], %{{.+}} {name = "model.layers.0.self_attn.q_proj"}
// CHECK: awq.linear %[[S]], %{{.+}} {name = "model.layers.0.self_attn.k_proj"}
// CHECK: awq.linear %[[S]], %{{.+}} {name = "model.layers.0.self_attn.v_proj"}
// CHECK: awq.swiglu
// CHECK: awq.scale %{{.+}}, %{{.+}} : tensor<?x{{[0-9]+}}xf32>
// CHECK: {name = "model.layers.0.mlp.down_proj"}

// CALIB: PASS

// CLIPPED: awq.clip %{{.+}} {group_size = 32 : i64}
// NOCLIP-LABEL: func.func @layer_0
// NOCLIP-NOT: awq.clip
// NOCLIP: awq.scale

// PIPE-LABEL: func.func @forward
// PIPE: awq.linear {{.+}} {name = "lm_head"}
// PIPE-LABEL: func.func @layer_0
// PIPE-NOT: awq.linear
// PIPE: awq.qlinear

// GROUP: error: awq-calibrate: group size 128 does not divide K = 64 of this linear
// BADGROUP: error: awq-calibrate: {{.*}}unsupported group size 16
// SHORT: error: awq-calibrate: calibration text '{{.+}}loomings.txt' has {{[0-9]+}} tokens, fewer than the 500 samples x 512 tokens requested
// NOTEXT: error: awq-calibrate: no calibration text (text=...)
// BITS: error: awq-calibrate: unsupported bit width 5 (expected 3, 4 or 8)
