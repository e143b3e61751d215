// RUN: awq-opt %s --canonicalize --split-input-file | FileCheck %s

// A scale of all ones is the identity (x / 1 == x exactly in every float
// type), whatever the scale's element type.

// CHECK-LABEL: func.func @scale_of_ones
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf16>)
// CHECK-NOT: awq.scale
// CHECK: return %[[X]]
func.func @scale_of_ones(%x: tensor<?x64xf16>) -> tensor<?x64xf16> {
  %ones = arith.constant dense<1.0> : tensor<64xf32>
  %y = awq.scale %x, %ones : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

// -----

// CHECK-LABEL: func.func @scale_of_ones_axis0
// CHECK-SAME: (%[[W:.+]]: tensor<16x64xbf16>)
// CHECK-NOT: awq.scale
// CHECK: return %[[W]]
func.func @scale_of_ones_axis0(%w: tensor<16x64xbf16>) -> tensor<16x64xbf16> {
  %ones = arith.constant dense<1.0> : tensor<16xbf16>
  %y = awq.scale %w, %ones {axis = 0 : i64} : tensor<16x64xbf16>, tensor<16xbf16>
  return %y : tensor<16x64xbf16>
}

// -----

// Non-splat, all ones.
// CHECK-LABEL: func.func @scale_of_ones_non_splat
// CHECK-NOT: awq.scale
func.func @scale_of_ones_non_splat(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %ones = arith.constant dense<[1.0, 1.0, 1.0, 1.0]> : tensor<4xf16>
  %y = awq.scale %x, %ones : tensor<?x4xf16>, tensor<4xf16>
  return %y : tensor<?x4xf16>
}

// -----

// One entry differs from 1: the scale stays.
// CHECK-LABEL: func.func @scale_not_all_ones
// CHECK: %[[S:.+]] = arith.constant dense<[1.000000e+00, 1.000000e+00, 2.000000e+00, 1.000000e+00]> : tensor<4xf32>
// CHECK: awq.scale %{{.+}}, %[[S]]
func.func @scale_not_all_ones(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %s = arith.constant dense<[1.0, 1.0, 2.0, 1.0]> : tensor<4xf32>
  %y = awq.scale %x, %s : tensor<?x4xf16>, tensor<4xf32>
  return %y : tensor<?x4xf16>
}

// -----

// A scale that is not a constant stays.
// CHECK-LABEL: func.func @scale_unknown
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf16>, %[[S:.+]]: tensor<4xf32>)
// CHECK: %[[Y:.+]] = awq.scale %[[X]], %[[S]]
// CHECK: return %[[Y]]
func.func @scale_unknown(%x: tensor<?x4xf16>, %s: tensor<4xf32>) -> tensor<?x4xf16> {
  %y = awq.scale %x, %s : tensor<?x4xf16>, tensor<4xf32>
  return %y : tensor<?x4xf16>
}

// -----

// Two scales in a row on the same axis merge: x / a / b = x / (a * b).
// CHECK-LABEL: func.func @merge
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf16>, %[[A:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: %[[AB:.+]] = arith.mulf %[[A]], %[[B]] : tensor<4xf32>
// CHECK: %[[Y:.+]] = awq.scale %[[X]], %[[AB]] : tensor<?x4xf16>, tensor<4xf32>
// CHECK-NOT: awq.scale
// CHECK: return %[[Y]]
func.func @merge(%x: tensor<?x4xf16>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf16> {
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf32>
  return %1 : tensor<?x4xf16>
}

// -----

// Constant scales merge and the product folds to a constant.
// CHECK-LABEL: func.func @merge_constants
// CHECK: %[[AB:.+]] = arith.constant dense<[2.000000e+00, 6.000000e+00, 1.500000e+01, 1.000000e+00]> : tensor<4xf32>
// CHECK: %[[Y:.+]] = awq.scale %{{.+}}, %[[AB]]
// CHECK-NOT: awq.scale
// CHECK: return %[[Y]]
func.func @merge_constants(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %a = arith.constant dense<[1.0, 2.0, 3.0, 0.5]> : tensor<4xf32>
  %b = arith.constant dense<[2.0, 3.0, 5.0, 2.0]> : tensor<4xf32>
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf32>
  return %1 : tensor<?x4xf16>
}

// -----

// Scales whose product is one disappear altogether.
// CHECK-LABEL: func.func @merge_to_ones
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf16>)
// CHECK-NOT: awq.scale
// CHECK: return %[[X]]
func.func @merge_to_ones(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %a = arith.constant dense<[2.0, 4.0, 0.5, 1.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.5, 0.25, 2.0, 1.0]> : tensor<4xf32>
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf32>
  return %1 : tensor<?x4xf16>
}

// -----

// Three in a row merge into one; axis -1 and axis 1 are the same axis.
// CHECK-LABEL: func.func @merge_three
// CHECK-SAME: (%[[X:.+]]: tensor<8x4xf16>, %[[A:.+]]: tensor<4xf16>, %[[B:.+]]: tensor<4xf16>, %[[C:.+]]: tensor<4xf16>)
// CHECK-COUNT-2: arith.mulf
// CHECK: %[[Y:.+]] = awq.scale %[[X]], %{{.+}} {axis = 1 : i64}
// CHECK-NOT: awq.scale
// CHECK: return %[[Y]]
func.func @merge_three(%x: tensor<8x4xf16>, %a: tensor<4xf16>, %b: tensor<4xf16>, %c: tensor<4xf16>) -> tensor<8x4xf16> {
  %0 = awq.scale %x, %a : tensor<8x4xf16>, tensor<4xf16>
  %1 = awq.scale %0, %b {axis = -1 : i64} : tensor<8x4xf16>, tensor<4xf16>
  %2 = awq.scale %1, %c {axis = 1 : i64} : tensor<8x4xf16>, tensor<4xf16>
  return %2 : tensor<8x4xf16>
}

// -----

// Different axes do not merge.
// CHECK-LABEL: func.func @no_merge_axes
// CHECK-SAME: (%[[W:.+]]: tensor<4x4xf16>, %[[A:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: %[[R:.+]] = awq.scale %[[W]], %[[A]] {axis = 0 : i64}
// CHECK: %[[C:.+]] = awq.scale %[[R]], %[[B]] :
// CHECK-NOT: arith.mulf
// CHECK: return %[[C]]
func.func @no_merge_axes(%w: tensor<4x4xf16>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4x4xf16> {
  %0 = awq.scale %w, %a {axis = 0 : i64} : tensor<4x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<4x4xf16>, tensor<4xf32>
  return %1 : tensor<4x4xf16>
}

// -----

// Scales of different element types do not merge (the product would need a
// conversion whose rounding the separate ops do not have).
// CHECK-LABEL: func.func @no_merge_types
// CHECK-COUNT-2: awq.scale
// CHECK-NOT: arith.mulf
func.func @no_merge_types(%x: tensor<?x4xf16>, %a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<?x4xf16> {
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf16>
  return %1 : tensor<?x4xf16>
}

// -----

// The inner scale has another user: merging would keep it alive and add a
// second scale of x, so nothing changes.
// CHECK-LABEL: func.func @no_merge_shared
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf16>, %[[A:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: %[[I:.+]] = awq.scale %[[X]], %[[A]]
// CHECK: %[[O:.+]] = awq.scale %[[I]], %[[B]]
// CHECK-NOT: arith.mulf
// CHECK: return %[[I]], %[[O]]
func.func @no_merge_shared(%x: tensor<?x4xf16>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<?x4xf16>, tensor<?x4xf16>) {
  %0 = awq.scale %x, %a : tensor<?x4xf16>, tensor<4xf32>
  %1 = awq.scale %0, %b : tensor<?x4xf16>, tensor<4xf32>
  return %0, %1 : tensor<?x4xf16>, tensor<?x4xf16>
}

// -----

// Unused awq ops are pure and disappear.
// CHECK-LABEL: func.func @dead
// CHECK-NOT: awq.
// CHECK: return
func.func @dead(%x: tensor<?x64xf16>, %s: tensor<64xf32>) {
  %w = awq.weight "w" from "m.safetensors" : tensor<32x64xf16>
  %n = awq.rms_norm %x, %s : tensor<?x64xf16>, tensor<64xf32>
  %y = awq.scale %x, %s : tensor<?x64xf16>, tensor<64xf32>
  %l = awq.linear %y, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return
}
