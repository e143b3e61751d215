// RUN: awq-opt %s --awq-fuse-linears --split-input-file | FileCheck %s

// q, k and v read the same input: one qlinear with q, scales and zeros
// concatenated along N, and one slice of columns per former user.

// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf16>, %[[Q1:[^:]+]]: tensor<32x64xi4>, %[[S1:[^:]+]]: tensor<32x2xf16>, %[[Z1:[^:]+]]: tensor<32x2xi4>, %[[Q2:[^:]+]]: tensor<16x64xi4>, %[[S2:[^:]+]]: tensor<16x2xf16>, %[[Z2:[^:]+]]: tensor<16x2xi4>, %[[Q3:[^:]+]]: tensor<16x64xi4>, %[[S3:[^:]+]]: tensor<16x2xf16>, %[[Z3:[^:]+]]: tensor<16x2xi4>)
// CHECK-DAG: %[[Q:.+]] = tensor.concat dim(0) %[[Q1]], %[[Q2]], %[[Q3]] : (tensor<32x64xi4>, tensor<16x64xi4>, tensor<16x64xi4>) -> tensor<64x64xi4>
// CHECK-DAG: %[[S:.+]] = tensor.concat dim(0) %[[S1]], %[[S2]], %[[S3]] : (tensor<32x2xf16>, tensor<16x2xf16>, tensor<16x2xf16>) -> tensor<64x2xf16>
// CHECK-DAG: %[[Z:.+]] = tensor.concat dim(0) %[[Z1]], %[[Z2]], %[[Z3]] : (tensor<32x2xi4>, tensor<16x2xi4>, tensor<16x2xi4>) -> tensor<64x2xi4>
// CHECK: %[[Y:.+]] = awq.qlinear %[[X]], %[[Q]], %[[S]] zeros %[[Z]] {group_size = 32 : i64, name = "q_proj+k_proj+v_proj"} : tensor<?x64xf16>, tensor<64x64xi4>, tensor<64x2xf16>, zeros tensor<64x2xi4> -> tensor<?x64xf16>
// CHECK-NOT: awq.qlinear
// CHECK: %[[M:.+]] = tensor.dim %[[Y]], %{{.+}} : tensor<?x64xf16>
// CHECK-DAG: %[[A:.+]] = tensor.extract_slice %[[Y]][0, 0] [%[[M]], 32] [1, 1] : tensor<?x64xf16> to tensor<?x32xf16>
// CHECK-DAG: %[[B:.+]] = tensor.extract_slice %[[Y]][0, 32] [%[[M]], 16] [1, 1] : tensor<?x64xf16> to tensor<?x16xf16>
// CHECK-DAG: %[[C:.+]] = tensor.extract_slice %[[Y]][0, 48] [%[[M]], 16] [1, 1] : tensor<?x64xf16> to tensor<?x16xf16>
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @qkv(%x: tensor<?x64xf16>,
               %q1: tensor<32x64xi4>, %s1: tensor<32x2xf16>, %z1: tensor<32x2xi4>,
               %q2: tensor<16x64xi4>, %s2: tensor<16x2xf16>, %z2: tensor<16x2xi4>,
               %q3: tensor<16x64xi4>, %s3: tensor<16x2xf16>, %z3: tensor<16x2xi4>)
    -> (tensor<?x32xf16>, tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q1, %s1 zeros %z1 {group_size = 32 : i64, name = "q_proj"}
         : tensor<?x64xf16>, tensor<32x64xi4>, tensor<32x2xf16>, zeros tensor<32x2xi4> -> tensor<?x32xf16>
  %b = awq.qlinear %x, %q2, %s2 zeros %z2 {group_size = 32 : i64, name = "k_proj"}
         : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x2xi4> -> tensor<?x16xf16>
  %c = awq.qlinear %x, %q3, %s3 zeros %z3 {group_size = 32 : i64, name = "v_proj"}
         : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x2xi4> -> tensor<?x16xf16>
  return %a, %b, %c : tensor<?x32xf16>, tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// Symmetric with bias, static M, weights defined after the first linear:
// the operand-free constants are hoisted above it. Unnamed linears give an
// unnamed fused linear.

// CHECK-LABEL: func.func @gate_up_bias
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x64xbf16>, %[[Q1:[^:]+]]: tensor<32x64xi8>, %[[S1:[^:]+]]: tensor<32x1xbf16>, %[[B1:[^:]+]]: tensor<32xbf16>)
// CHECK-DAG: %[[Q2:.+]] = arith.constant dense<3> : tensor<32x64xi8>
// CHECK-DAG: %[[S2:.+]] = arith.constant dense<1.000000e+00> : tensor<32x1xbf16>
// CHECK-DAG: %[[B2:.+]] = arith.constant dense<0.000000e+00> : tensor<32xbf16>
// CHECK-DAG: %[[Q:.+]] = tensor.concat dim(0) %[[Q1]], %[[Q2]]
// CHECK-DAG: %[[S:.+]] = tensor.concat dim(0) %[[S1]], %[[S2]]
// CHECK-DAG: %[[B:.+]] = tensor.concat dim(0) %[[B1]], %[[B2]] : (tensor<32xbf16>, tensor<32xbf16>) -> tensor<64xbf16>
// CHECK: %[[Y:.+]] = awq.qlinear %[[X]], %[[Q]], %[[S]] bias %[[B]] {group_size = 64 : i64} : tensor<4x64xbf16>, tensor<64x64xi8>, tensor<64x1xbf16>, bias tensor<64xbf16> -> tensor<4x64xbf16>
// CHECK-DAG: tensor.extract_slice %[[Y]][0, 0] [4, 32] [1, 1] : tensor<4x64xbf16> to tensor<4x32xbf16>
// CHECK-DAG: tensor.extract_slice %[[Y]][0, 32] [4, 32] [1, 1] : tensor<4x64xbf16> to tensor<4x32xbf16>
// CHECK-NOT: awq.qlinear
func.func @gate_up_bias(%x: tensor<4x64xbf16>, %q1: tensor<32x64xi8>, %s1: tensor<32x1xbf16>,
                        %b1: tensor<32xbf16>) -> (tensor<4x32xbf16>, tensor<4x32xbf16>) {
  %a = awq.qlinear %x, %q1, %s1 bias %b1 {group_size = 64 : i64}
         : tensor<4x64xbf16>, tensor<32x64xi8>, tensor<32x1xbf16>, bias tensor<32xbf16> -> tensor<4x32xbf16>
  %q2 = arith.constant dense<3> : tensor<32x64xi8>
  %s2 = arith.constant dense<1.0> : tensor<32x1xbf16>
  %b2 = arith.constant dense<0.0> : tensor<32xbf16>
  %b = awq.qlinear %x, %q2, %s2 bias %b2 {group_size = 64 : i64}
         : tensor<4x64xbf16>, tensor<32x64xi8>, tensor<32x1xbf16>, bias tensor<32xbf16> -> tensor<4x32xbf16>
  return %a, %b : tensor<4x32xbf16>, tensor<4x32xbf16>
}

// -----

// Of three linears on one input, the two that agree fuse (in program order,
// at the first one's place); the one with another group size stays. A
// partly named group gets no name.

// CHECK-LABEL: func.func @partition
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x128xf16>, %[[Q1:[^:]+]]: tensor<16x128xi4>, %[[S1:[^:]+]]: tensor<16x1xf16>, %[[Q2:[^:]+]]: tensor<16x128xi4>, %[[S2:[^:]+]]: tensor<16x4xf16>, %[[Q3:[^:]+]]: tensor<16x128xi4>, %[[S3:[^:]+]]: tensor<16x1xf16>)
// CHECK-DAG: %[[Q:.+]] = tensor.concat dim(0) %[[Q1]], %[[Q3]]
// CHECK-DAG: %[[S:.+]] = tensor.concat dim(0) %[[S1]], %[[S3]]
// CHECK: %[[Y:.+]] = awq.qlinear %[[X]], %[[Q]], %[[S]] {group_size = 128 : i64} :
// CHECK: awq.qlinear %[[X]], %[[Q2]], %[[S2]] {group_size = 32 : i64, name = "b"}
// CHECK-NOT: awq.qlinear
func.func @partition(%x: tensor<?x128xf16>,
                     %q1: tensor<16x128xi4>, %s1: tensor<16x1xf16>,
                     %q2: tensor<16x128xi4>, %s2: tensor<16x4xf16>,
                     %q3: tensor<16x128xi4>, %s3: tensor<16x1xf16>)
    -> (tensor<?x16xf16>, tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q1, %s1 {group_size = 128 : i64, name = "a"}
         : tensor<?x128xf16>, tensor<16x128xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %b = awq.qlinear %x, %q2, %s2 {group_size = 32 : i64, name = "b"}
         : tensor<?x128xf16>, tensor<16x128xi4>, tensor<16x4xf16> -> tensor<?x16xf16>
  %c = awq.qlinear %x, %q3, %s3 {group_size = 128 : i64}
         : tensor<?x128xf16>, tensor<16x128xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %a, %b, %c : tensor<?x16xf16>, tensor<?x16xf16>, tensor<?x16xf16>
}

//===----------------------------------------------------------------------===//
// Negative cases: nothing fuses.
//===----------------------------------------------------------------------===//

// -----

// Different inputs.
// CHECK-LABEL: func.func @different_inputs
// CHECK-NOT: tensor.concat
// CHECK-COUNT-2: awq.qlinear
func.func @different_inputs(%x: tensor<?x64xf16>, %x2: tensor<?x64xf16>, %q: tensor<16x64xi4>,
                            %s: tensor<16x1xf16>) -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %b = awq.qlinear %x2, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %a, %b : tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// A single linear.
// CHECK-LABEL: func.func @single
// CHECK-NOT: tensor.concat
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[Y:.+]] = awq.qlinear
// CHECK-NEXT: return %[[Y]]
func.func @single(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x1xf16>) -> tensor<?x16xf16> {
  %a = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %a : tensor<?x16xf16>
}

// -----

// Different bit widths.
// CHECK-LABEL: func.func @different_bits
// CHECK-NOT: tensor.concat
func.func @different_bits(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %q8: tensor<16x64xi8>,
                          %s: tensor<16x1xf16>) -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %b = awq.qlinear %x, %q8, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi8>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %a, %b : tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// Symmetric and asymmetric.
// CHECK-LABEL: func.func @different_symmetry
// CHECK-NOT: tensor.concat
func.func @different_symmetry(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x1xf16>,
                              %z: tensor<16x1xi4>) -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %b = awq.qlinear %x, %q, %s zeros %z {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16>, zeros tensor<16x1xi4> -> tensor<?x16xf16>
  return %a, %b : tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// With and without bias.
// CHECK-LABEL: func.func @different_bias
// CHECK-NOT: tensor.concat
func.func @different_bias(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x1xf16>,
                          %b: tensor<16xf16>) -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %0 = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %1 = awq.qlinear %x, %q, %s bias %b {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16>, bias tensor<16xf16> -> tensor<?x16xf16>
  return %0, %1 : tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// Scales of different element types.
// CHECK-LABEL: func.func @different_scale_types
// CHECK-NOT: tensor.concat
func.func @different_scale_types(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x1xf16>,
                                 %s32: tensor<16x1xf32>) -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %b = awq.qlinear %x, %q, %s32 {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf32> -> tensor<?x16xf16>
  return %a, %b : tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// Linears that already have generated kernels.
// CHECK-LABEL: func.func @has_kernels
// CHECK-NOT: tensor.concat
func.func @has_kernels(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x1xf16>)
    -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q, %s {group_size = 64 : i64, kernels = [#awq.variant<kernel = @k::@f, family = "gemv", m_min = 1, m_max = 8, m_tile = 1, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>]}
         : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %b = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %a, %b : tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// The second linear's weight is computed from the first one's result, so it
// cannot move above the first linear.
// CHECK-LABEL: func.func @weight_not_available
// CHECK-NOT: tensor.concat
// CHECK-COUNT-2: awq.qlinear
func.func @weight_not_available(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x1xf16>)
    -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %s2 = arith.mulf %s, %s : tensor<16x1xf16>
  %b = awq.qlinear %x, %q, %s2 {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %a, %b : tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// Linears in different blocks.
// CHECK-LABEL: func.func @different_blocks
// CHECK-NOT: tensor.concat
func.func @different_blocks(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x1xf16>, %c: i1)
    -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  %b = scf.if %c -> tensor<?x16xf16> {
    %y = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
    scf.yield %y : tensor<?x16xf16>
  } else {
    scf.yield %a : tensor<?x16xf16>
  }
  return %a, %b : tensor<?x16xf16>, tensor<?x16xf16>
}

// -----

// Float linears are not fused (they are not quantized yet).
// CHECK-LABEL: func.func @float_linears
// CHECK-NOT: tensor.concat
func.func @float_linears(%x: tensor<?x64xf16>, %w: tensor<16x64xf16>)
    -> (tensor<?x16xf16>, tensor<?x16xf16>) {
  %a = awq.linear %x, %w : tensor<?x64xf16>, tensor<16x64xf16> -> tensor<?x16xf16>
  %b = awq.linear %x, %w : tensor<?x64xf16>, tensor<16x64xf16> -> tensor<?x16xf16>
  return %a, %b : tensor<?x16xf16>, tensor<?x16xf16>
}
