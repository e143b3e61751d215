// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %S/Inputs/make_safetensors.py %t/s.safetensors \
// RUN:   "q.awq_scale=F32:4:2,4,0.5,1" "k.awq_scale=F32:4:2,4,0.5,1" "v.awq_scale=F32:4:1,1,1,3" \
// RUN:   "down.awq_scale=F32:8:1,2,3,4,5,6,7,8" "lm.awq_scale=F32:4:1,2,3,4" "w32.awq_scale=F32:4:3,3,3,3"
// RUN: awq-opt %s --split-input-file --awq-apply-scales=scales-file=%t/s.safetensors | FileCheck %s
// RUN: awq-opt %s --split-input-file --awq-apply-scales=scales-file=%t/s.safetensors --awq-fold-scales \
// RUN:   | FileCheck %s --check-prefix=FOLD

// Numbers: apply-scales, fold-scales, quantize-weights on referenced weights
// against Inputs/rtn_check.py, which scales (f32 product, rounded to f16) and
// quantizes independently.
// RUN: python3 %S/Inputs/make_safetensors.py %t/w.safetensors "norm=F16:64:fn:1+i/64" \
// RUN:   "q=F16:32x64:fn:math.sin(i*0.37)" "k=F16:16x64:fn:math.cos(i*0.11)*2"
// RUN: python3 %S/Inputs/make_safetensors.py %t/s2.safetensors \
// RUN:   "q.awq_scale=F32:64:fn:(1+(i%%5)/4)**1.3" "k.awq_scale=F32:64:fn:(1+(i%%5)/4)**1.3"
// RUN: awq-opt %S/Inputs/apply-scales-block.mlir --awq-apply-scales=scales-file=%t/s2.safetensors \
// RUN:   --awq-fold-scales --awq-quantize-weights="group-size=32 weights-dir=%t" > %t/out.mlir
// RUN: python3 %S/Inputs/rtn_check.py %t/w.safetensors q 4 32 0 %t/s2.safetensors q.awq_scale < %t/out.mlir \
// RUN:   | FileCheck %s --check-prefix=REF-Q
// RUN: python3 %S/Inputs/rtn_check.py %t/w.safetensors k 4 32 0 %t/s2.safetensors k.awq_scale < %t/out.mlir \
// RUN:   | FileCheck %s --check-prefix=REF-K
// REF-Q: q: 2048 values, 0 mismatches
// REF-Q-NEXT: scales: 64 values, 0 mismatches
// REF-Q-NEXT: zeros: 64 values, 0 mismatches
// REF-K: q: 1024 values, 0 mismatches
// REF-K-NEXT: scales: 32 values, 0 mismatches
// REF-K-NEXT: zeros: 32 values, 0 mismatches
// The same without the scales differs (the check can fail).
// RUN: awq-opt %S/Inputs/apply-scales-block.mlir --awq-quantize-weights="group-size=32 weights-dir=%t" \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/w.safetensors q 4 32 0 %t/s2.safetensors q.awq_scale \
// RUN:   | FileCheck %s --check-prefix=REF-UNSCALED
// REF-UNSCALED: q: 2048 values, {{[1-9][0-9]*}} mismatches

// q, k and v read the norm's output; q and k have the same scale and share
// one awq.scale (and one scale constant), v has its own. Each weight becomes
// W · diag(s): extf, multiply by the scale broadcast over rows, truncf.

// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x4xf16>, %[[NW:[^:]+]]: tensor<4xf16>, %[[WQ:[^:]+]]: tensor<8x4xf16>, %[[WK:[^:]+]]: tensor<8x4xf16>, %[[WV:[^:]+]]: tensor<8x4xf16>)
// CHECK: %[[N:.+]] = awq.rms_norm %[[X]], %[[NW]]
// CHECK-DAG: %[[S1:.+]] = arith.constant dense<[2.000000e+00, 4.000000e+00, 5.000000e-01, 1.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[S2:.+]] = arith.constant dense<[1.000000e+00, 1.000000e+00, 1.000000e+00, 3.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[N1:.+]] = awq.scale %[[N]], %[[S1]] : tensor<?x4xf16>, tensor<4xf32>
// CHECK-DAG: %[[N2:.+]] = awq.scale %[[N]], %[[S2]] : tensor<?x4xf16>, tensor<4xf32>
// CHECK: %[[WQE:.+]] = arith.extf %[[WQ]] : tensor<8x4xf16> to tensor<8x4xf32>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<8x4xf32>
// CHECK: %[[B:.+]] = linalg.broadcast ins(%[[S1]] : tensor<4xf32>) outs(%[[E]] : tensor<8x4xf32>) dimensions = [0]
// CHECK: %[[P:.+]] = arith.mulf %[[WQE]], %[[B]] : tensor<8x4xf32>
// CHECK: %[[WQS:.+]] = arith.truncf %[[P]] : tensor<8x4xf32> to tensor<8x4xf16>
// CHECK: awq.linear %[[N1]], %[[WQS]] {name = "q"}
// CHECK: linalg.broadcast ins(%[[S1]]
// CHECK: awq.linear %[[N1]], %{{.+}} {name = "k"}
// CHECK: linalg.broadcast ins(%[[S2]]
// CHECK: awq.linear %[[N2]], %{{.+}} {name = "v"}

// After awq-fold-scales the shared scale of q and k can only fold when the
// norm has no other user; here v's scale is a second user, so nothing folds.
// FOLD-LABEL: func.func @qkv
// FOLD-COUNT-2: awq.scale %{{.+}}, %{{.+}} : tensor<?x4xf16>, tensor<4xf32>
func.func @qkv(%x: tensor<?x4xf16>, %nw: tensor<4xf16>, %wq: tensor<8x4xf16>,
               %wk: tensor<8x4xf16>, %wv: tensor<8x4xf16>)
    -> (tensor<?x8xf16>, tensor<?x8xf16>, tensor<?x8xf16>) {
  %n = awq.rms_norm %x, %nw : tensor<?x4xf16>, tensor<4xf16>
  %q = awq.linear %n, %wq {name = "q"} : tensor<?x4xf16>, tensor<8x4xf16> -> tensor<?x8xf16>
  %k = awq.linear %n, %wk {name = "k"} : tensor<?x4xf16>, tensor<8x4xf16> -> tensor<?x8xf16>
  %v = awq.linear %n, %wv {name = "v"} : tensor<?x4xf16>, tensor<8x4xf16> -> tensor<?x8xf16>
  return %q, %k, %v : tensor<?x8xf16>, tensor<?x8xf16>, tensor<?x8xf16>
}

// -----

// q and k alone: one shared scale, which awq-fold-scales moves into the norm.
// FOLD-LABEL: func.func @qk_fold
// FOLD-SAME: (%[[X:[^:]+]]: tensor<?x4xf16>, %[[NW:[^:]+]]: tensor<4xf16>
// FOLD: %[[S:.+]] = arith.constant dense<[2.000000e+00, 4.000000e+00, 5.000000e-01, 1.000000e+00]>
// FOLD: %[[W:.+]] = awq.scale %[[NW]], %[[S]] {axis = 0 : i64}
// FOLD: %[[N:.+]] = awq.rms_norm %[[X]], %[[W]]
// FOLD-NOT: awq.scale
// FOLD: awq.linear %[[N]], %{{.+}} {name = "q"}
// FOLD: awq.linear %[[N]], %{{.+}} {name = "k"}
func.func @qk_fold(%x: tensor<?x4xf16>, %nw: tensor<4xf16>, %wq: tensor<8x4xf16>,
                   %wk: tensor<8x4xf16>) -> (tensor<?x8xf16>, tensor<?x8xf16>) {
  %n = awq.rms_norm %x, %nw : tensor<?x4xf16>, tensor<4xf16>
  %q = awq.linear %n, %wq {name = "q"} : tensor<?x4xf16>, tensor<8x4xf16> -> tensor<?x8xf16>
  %k = awq.linear %n, %wk {name = "k"} : tensor<?x4xf16>, tensor<8x4xf16> -> tensor<?x8xf16>
  return %q, %k : tensor<?x8xf16>, tensor<?x8xf16>
}

// -----

// An input that is a block argument: the scale goes to the top of the body.
// An f32 weight needs no extf / truncf. The bias is unchanged.
// CHECK-LABEL: func.func @f32_weight
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x4xf32>, %[[W:[^:]+]]: tensor<2x4xf32>, %[[B:[^:]+]]: tensor<2xf32>)
// CHECK-NEXT: %[[S:.+]] = arith.constant dense<3.000000e+00> : tensor<4xf32>
// CHECK-NEXT: %[[XS:.+]] = awq.scale %[[X]], %[[S]] : tensor<?x4xf32>, tensor<4xf32>
// CHECK-NOT: arith.extf
// CHECK: %[[BC:.+]] = linalg.broadcast ins(%[[S]]
// CHECK: %[[WS:.+]] = arith.mulf %[[W]], %[[BC]] : tensor<2x4xf32>
// CHECK-NOT: arith.truncf
// CHECK: awq.linear %[[XS]], %[[WS]] bias %[[B]] : tensor<2xf32> {name = "w32"}
func.func @f32_weight(%x: tensor<?x4xf32>, %w: tensor<2x4xf32>, %b: tensor<2xf32>) -> tensor<?x2xf32> {
  %y = awq.linear %x, %w bias %b : tensor<2xf32> {name = "w32"}
         : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Linears without a scale in the file, and unnamed ones, are left alone.
// CHECK-LABEL: func.func @not_in_file
// CHECK-NOT: awq.scale
// CHECK-NOT: linalg.broadcast
// CHECK: awq.linear %{{.+}}, %{{.+}} {name = "o_proj"}
// CHECK: awq.linear %{{.+}}, %{{[^ ]+}} :
func.func @not_in_file(%x: tensor<?x4xf16>, %w: tensor<4x4xf16>) -> (tensor<?x4xf16>, tensor<?x4xf16>) {
  %a = awq.linear %x, %w {name = "o_proj"} : tensor<?x4xf16>, tensor<4x4xf16> -> tensor<?x4xf16>
  %b = awq.linear %x, %w : tensor<?x4xf16>, tensor<4x4xf16> -> tensor<?x4xf16>
  return %a, %b : tensor<?x4xf16>, tensor<?x4xf16>
}

// -----

// up -> down: the scale of down sits on the product act(gate) * up, which
// awq-fold-scales then moves into up's rows.
// CHECK-LABEL: func.func @mlp
// CHECK: %[[P:.+]] = arith.mulf %{{.+}}, %{{.+}} : tensor<?x8xf16>
// CHECK: %[[S:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]>
// CHECK: %[[PS:.+]] = awq.scale %[[P]], %[[S]]
// CHECK: awq.linear %[[PS]], %{{.+}} {name = "down"}
// FOLD-LABEL: func.func @mlp
// FOLD-SAME: %[[WU:[^:]+]]: tensor<8x4xf16>, %[[WD:[^:]+]]: tensor<4x8xf16>)
// FOLD: %[[S:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00
// FOLD: %[[SU:.+]] = awq.scale %[[WU]], %[[S]] {axis = 0 : i64} : tensor<8x4xf16>, tensor<8xf32>
// FOLD: awq.linear %{{.+}}, %[[SU]] {name = "up"}
// FOLD-NOT: awq.scale %{{.+}} : tensor<?x8xf16>
// FOLD: awq.linear
// FOLD-SAME: {name = "down"}
func.func @mlp(%x: tensor<?x4xf16>, %wg: tensor<8x4xf16>, %wu: tensor<8x4xf16>,
               %wd: tensor<4x8xf16>) -> tensor<?x4xf16> {
  %g = awq.linear %x, %wg {name = "gate"} : tensor<?x4xf16>, tensor<8x4xf16> -> tensor<?x8xf16>
  %u = awq.linear %x, %wu {name = "up"} : tensor<?x4xf16>, tensor<8x4xf16> -> tensor<?x8xf16>
  %a = math.tanh %g : tensor<?x8xf16>
  %p = arith.mulf %a, %u : tensor<?x8xf16>
  %d = awq.linear %p, %wd {name = "down"} : tensor<?x8xf16>, tensor<4x8xf16> -> tensor<?x4xf16>
  return %d : tensor<?x4xf16>
}
