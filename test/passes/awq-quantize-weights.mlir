// RUN: awq-opt %s --split-input-file --awq-quantize-weights=group-size=0 | FileCheck %s
// RUN: awq-opt %s --split-input-file --awq-quantize-weights="group-size=0 bits=8 symmetric=1" | FileCheck %s --check-prefix=SYM8
// RUN: awq-opt %s --split-input-file --awq-quantize-weights="group-size=0 bits=3" | FileCheck %s --check-prefix=ASYM3

// Against an independent Python implementation of DESIGN.md's RTN formulas
// (Inputs/rtn_check.py), on a 24 x 256 weight read from a safetensors file:
// groups of 32, 64, 128 and per-channel, 3, 4 and 8 bits, symmetric, f16
// and bf16 activations.
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %S/Inputs/make_safetensors.py %t/w.safetensors "w=F16:24x256:fn:math.sin(i*0.37)*(1+4*(i%%29==0))+0.01*(i%%13)"
// RUN: awq-opt %S/Inputs/rtn-linear.mlir --awq-quantize-weights="group-size=32 weights-dir=%t" \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/w.safetensors w 4 32 0 | FileCheck %s --check-prefix=REF-ASYM
// RUN: awq-opt %S/Inputs/rtn-linear.mlir --awq-quantize-weights="group-size=128 weights-dir=%t" \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/w.safetensors w 4 128 0 | FileCheck %s --check-prefix=REF-ASYM
// RUN: awq-opt %S/Inputs/rtn-linear.mlir --awq-quantize-weights="group-size=64 bits=3 weights-dir=%t" \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/w.safetensors w 3 64 0 | FileCheck %s --check-prefix=REF-ASYM
// RUN: awq-opt %S/Inputs/rtn-linear.mlir --awq-quantize-weights="group-size=0 bits=8 symmetric=1 weights-dir=%t" \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/w.safetensors w 8 0 1 | FileCheck %s --check-prefix=REF-SYM
// RUN: awq-opt %S/Inputs/rtn-linear.mlir --awq-quantize-weights="group-size=32 symmetric=1 weights-dir=%t" \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/w.safetensors w 4 32 1 | FileCheck %s --check-prefix=REF-SYM
// bf16: the weight file holds bf16 values, the IR says bf16.
// RUN: python3 %S/Inputs/make_safetensors.py %t/wb.safetensors "w=BF16:24x256:fn:math.cos(i*0.29)*3"
// RUN: sed -e 's/f16/bf16/g' -e 's/"w.safetensors"/"wb.safetensors"/' %S/Inputs/rtn-linear.mlir \
// RUN:   | awq-opt --awq-quantize-weights="group-size=64 weights-dir=%t" \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/wb.safetensors w 4 64 0 | FileCheck %s --check-prefix=REF-ASYM
// f32 activations (model IR run on the CPU): quantized as for f16
// activations (f16 arithmetic), with f16 scales: the deployed checkpoint's.
// RUN: sed -e 's/tensor<?x256xf16>/tensor<?x256xf32>/' -e 's/tensor<?x24xf16>/tensor<?x24xf32>/g' %S/Inputs/rtn-linear.mlir \
// RUN:   | awq-opt --awq-quantize-weights="group-size=64 weights-dir=%t" > %t/f32.mlir
// RUN: awq-opt %S/Inputs/rtn-linear.mlir --awq-quantize-weights="group-size=64 weights-dir=%t" > %t/f16.mlir
// RUN: FileCheck %s --check-prefix=F32 --input-file %t/f32.mlir
// RUN: grep -o 'dense<"0x[0-9A-F]*"> : tensor<24x256xi4>' %t/f32.mlir > %t/q32 && test -s %t/q32
// RUN: grep -o 'dense<"0x[0-9A-F]*"> : tensor<24x256xi4>' %t/f16.mlir | diff - %t/q32
// F32: awq.qlinear %{{.+}} : tensor<?x256xf32>, tensor<24x256xi4>, tensor<24x4xf16>, zeros tensor<24x4xi4> -> tensor<?x24xf32>
// Without weights-dir, relative file names are relative to the IR file.
// RUN: cp %S/Inputs/rtn-linear.mlir %t/model.mlir
// RUN: awq-opt %t/model.mlir --awq-quantize-weights=group-size=32 \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/w.safetensors w 4 32 0 | FileCheck %s --check-prefix=REF-ASYM

// REF-ASYM: q: 6144 values, 0 mismatches
// REF-ASYM-NEXT: scales: {{[0-9]+}} values, 0 mismatches
// REF-ASYM-NEXT: zeros: {{[0-9]+}} values, 0 mismatches
// REF-SYM: q: 6144 values, 0 mismatches
// REF-SYM-NEXT: scales: {{[0-9]+}} values, 0 mismatches
// REF-SYM-NOT: zeros

// Hand-checkable case, 4-bit asymmetric, per-channel (G = K = 4), f16.
// Row 0: max - min = 3, s = f16(3 / 15) = 0.19995, z = -round(-1 / s) = 5;
// w / s = [-5.0012, 0, 2.5006, 10.002] rounds in f16 to [-5, 0, 2.5, 10],
// then half to even: [-5, 0, 2, 10] + 5 = [0, 5, 7, 15].
// Row 1: min > 0 gives z = clamp(-round(5.0), 0, 15) = 0, so q saturates:
// [5, 10, 15, 15]. q and zeros are signless i4 holding 0..15; the printer
// shows 8..15 as -8..-1.
// CHECK-LABEL: func.func @asym_f16
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf16>)
// CHECK-DAG: %[[Q:.+]] = arith.constant dense<{{\[}}[0, 5, 7, -1], [5, -6, -1, -1]]> : tensor<2x4xi4>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[1.999510e-01], [1.998900e-02]]> : tensor<2x1xf16>
// CHECK-DAG: %[[Z:.+]] = arith.constant dense<{{\[}}[5], [0]]> : tensor<2x1xi4>
// CHECK: %[[Y:.+]] = awq.qlinear %[[X]], %[[Q]], %[[S]] zeros %[[Z]] {group_size = 4 : i64, name = "l"} : tensor<?x4xf16>, tensor<2x4xi4>, tensor<2x1xf16>, zeros tensor<2x1xi4> -> tensor<?x2xf16>
// CHECK-NOT: awq.linear
// CHECK: return %[[Y]]
func.func @asym_f16(%x: tensor<?x4xf16>) -> tensor<?x2xf16> {
  %w = arith.constant dense<[[-1.0, 0.0, 0.5, 2.0], [0.1, 0.2, 0.3, 0.4]]> : tensor<2x4xf16>
  %y = awq.linear %x, %w {name = "l"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

// bf16 activations: scales in bf16, the bias and name carried over.
// 8-bit symmetric, row 0: s = 2 / 127 (bf16: 0.0157471), z = 128,
// q = round([-63.5, 0, 31.75, 127]) + 128 = [64, 128, 160, 255].
// SYM8-LABEL: func.func @bf16_bias
// SYM8-SAME: (%[[X:.+]]: tensor<?x4xbf16>, %[[B:.+]]: tensor<2xbf16>)
// SYM8-DAG: %[[Q:.+]] = arith.constant dense<{{\[}}[64, -128, -96, -1], [-96, 64, -33, -1]]> : tensor<2x4xi8>
// SYM8-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[1.574710e-02], [3.158570e-03]]> : tensor<2x1xbf16>
// SYM8: awq.qlinear %[[X]], %[[Q]], %[[S]] bias %[[B]] {group_size = 4 : i64, name = "o_proj"} : tensor<?x4xbf16>, tensor<2x4xi8>, tensor<2x1xbf16>, bias tensor<2xbf16> -> tensor<?x2xbf16>
// ASYM3-LABEL: func.func @bf16_bias
// ASYM3-DAG: arith.constant dense<{{\[}}[0, 2, 3, -1], [3, 0, -2, -1]]> : tensor<2x4xi3>
// ASYM3-DAG: arith.constant dense<2> : tensor<2x1xi3>
// ASYM3: awq.qlinear {{.+}} zeros {{.+}} bias
func.func @bf16_bias(%x: tensor<?x4xbf16>, %b: tensor<2xbf16>) -> tensor<?x2xbf16> {
  %w = arith.constant dense<[[-1.0, 0.0, 0.5, 2.0], [0.1, -0.2, 0.3, 0.4]]> : tensor<2x4xbf16>
  %y = awq.linear %x, %w bias %b : tensor<2xbf16> {name = "o_proj"}
         : tensor<?x4xbf16>, tensor<2x4xbf16> -> tensor<?x2xbf16>
  return %y : tensor<?x2xbf16>
}

// -----

// A weight expression (what awq-fold-scales leaves) is evaluated: rows
// divided by [2, 0.5] in f32, rounded to f16, then quantized. Row 0 becomes
// [-0.5, 0, 0.25, 1] and quantizes like row 0 above (same q, half the
// scale); the dead expression is erased.
// CHECK-LABEL: func.func @weight_expression
// CHECK-NOT: awq.scale
// CHECK-DAG: arith.constant dense<{{\[}}[0, 5, 7, -1], [5, -6, -1, -1]]> : tensor<2x4xi4>
// CHECK-DAG: arith.constant dense<{{\[}}[9.997550e-02], [3.997800e-02]]> : tensor<2x1xf16>
// CHECK-NOT: awq.scale
// CHECK: awq.qlinear
// SYM8-LABEL: func.func @weight_expression
// SYM8-DAG: arith.constant dense<{{\[}}[64, -128, -96, -1], [-96, -64, -33, -1]]> : tensor<2x4xi8>
func.func @weight_expression(%x: tensor<?x4xf16>) -> tensor<?x2xf16> {
  %w = arith.constant dense<[[-1.0, 0.0, 0.5, 2.0], [0.1, 0.2, 0.3, 0.4]]> : tensor<2x4xf16>
  %s = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %ws = awq.scale %w, %s {axis = 0 : i64} : tensor<2x4xf16>, tensor<2xf32>
  %y = awq.linear %x, %ws : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

// No linear, nothing to do; qlinears are left alone.
// CHECK-LABEL: func.func @nothing
// CHECK-NEXT: awq.qlinear
// CHECK-NEXT: return
func.func @nothing(%x: tensor<?x4xf16>, %q: tensor<2x4xi4>, %s: tensor<2x1xf16>) -> tensor<?x2xf16> {
  %y = awq.qlinear %x, %q, %s {group_size = 4 : i64} : tensor<?x4xf16>, tensor<2x4xi4>, tensor<2x1xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}
