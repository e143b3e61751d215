// RUN: awq-opt %s --awq-fold-scales --split-input-file | FileCheck %s

// An RMS norm absorbs the scale into its weight (awq.scale along axis 0 of
// the rank-1 weight); all linears that read the scaled input now read the
// norm directly.

// CHECK-LABEL: func.func @into_rms_norm
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf16>, %[[W:.+]]: tensor<64xf16>, %[[S:.+]]: tensor<64xf32>, %[[WQ:.+]]: tensor<32x64xf16>, %[[WK:.+]]: tensor<16x64xf16>)
// CHECK: %[[NW:.+]] = awq.scale %[[W]], %[[S]] {axis = 0 : i64} : tensor<64xf16>, tensor<64xf32>
// CHECK: %[[N:.+]] = awq.rms_norm %[[X]], %[[NW]] {epsilon = 9.99999974E-6 : f32}
// CHECK-NOT: awq.scale
// CHECK: awq.linear %[[N]], %[[WQ]]
// CHECK: awq.linear %[[N]], %[[WK]]
func.func @into_rms_norm(%x: tensor<?x64xf16>, %w: tensor<64xf16>, %s: tensor<64xf32>,
                         %wq: tensor<32x64xf16>, %wk: tensor<16x64xf16>)
    -> (tensor<?x32xf16>, tensor<?x16xf16>) {
  %n = awq.rms_norm %x, %w {epsilon = 1.0e-5 : f32} : tensor<?x64xf16>, tensor<64xf16>
  %xs = awq.scale %n, %s : tensor<?x64xf16>, tensor<64xf32>
  %q = awq.linear %xs, %wq : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  %k = awq.linear %xs, %wk : tensor<?x64xf16>, tensor<16x64xf16> -> tensor<?x16xf16>
  return %q, %k : tensor<?x32xf16>, tensor<?x16xf16>
}

// -----

// A previous linear (v -> o) absorbs it into its output rows and its bias.

// CHECK-LABEL: func.func @into_linear
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xbf16>, %[[WV:.+]]: tensor<64x64xbf16>, %[[B:.+]]: tensor<64xbf16>, %[[WO:.+]]: tensor<64x64xbf16>)
// CHECK: %[[S:.+]] = arith.constant dense<2.000000e+00> : tensor<64xf32>
// CHECK-DAG: %[[SW:.+]] = awq.scale %[[WV]], %[[S]] {axis = 0 : i64} : tensor<64x64xbf16>, tensor<64xf32>
// CHECK-DAG: %[[SB:.+]] = awq.scale %[[B]], %[[S]] {axis = 0 : i64} : tensor<64xbf16>, tensor<64xf32>
// CHECK: %[[V:.+]] = awq.linear %[[X]], %[[SW]] bias %[[SB]] : tensor<64xbf16> {name = "v_proj"}
// CHECK-NOT: awq.scale
// CHECK: awq.linear %[[V]], %[[WO]] {name = "o_proj"}
func.func @into_linear(%x: tensor<?x64xbf16>, %wv: tensor<64x64xbf16>, %b: tensor<64xbf16>,
                       %wo: tensor<64x64xbf16>) -> tensor<?x64xbf16> {
  %v = awq.linear %x, %wv bias %b : tensor<64xbf16> {name = "v_proj"}
         : tensor<?x64xbf16>, tensor<64x64xbf16> -> tensor<?x64xbf16>
  // Defined after the producer, operand-free: hoisted above it.
  %s = arith.constant dense<2.0> : tensor<64xf32>
  %vs = awq.scale %v, %s : tensor<?x64xbf16>, tensor<64xf32>
  %o = awq.linear %vs, %wo {name = "o_proj"} : tensor<?x64xbf16>, tensor<64x64xbf16> -> tensor<?x64xbf16>
  return %o : tensor<?x64xbf16>
}

// -----

// up -> down through the elementwise product act(gate) * up: scaling up's
// output channels scales the product's channels. A referenced scale
// (awq.weight) is hoisted too.

// CHECK-LABEL: func.func @through_product
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf16>, %[[WG:.+]]: tensor<128x64xf16>, %[[WU:.+]]: tensor<128x64xf16>, %[[WD:.+]]: tensor<64x128xf16>)
// CHECK: %[[G:.+]] = awq.linear %[[X]], %[[WG]] {name = "gate"}
// CHECK: %[[S:.+]] = awq.weight "down.awq_scale" from "s.safetensors" : tensor<128xf32>
// CHECK: %[[SU:.+]] = awq.scale %[[WU]], %[[S]] {axis = 0 : i64}
// CHECK: %[[U:.+]] = awq.linear %[[X]], %[[SU]] {name = "up"}
// CHECK: %[[A:.+]] = math.tanh %[[G]]
// CHECK: %[[P:.+]] = arith.mulf %[[A]], %[[U]]
// CHECK-NOT: awq.scale
// CHECK: awq.linear %[[P]], %[[WD]]
func.func @through_product(%x: tensor<?x64xf16>, %wg: tensor<128x64xf16>, %wu: tensor<128x64xf16>,
                           %wd: tensor<64x128xf16>) -> tensor<?x64xf16> {
  %g = awq.linear %x, %wg {name = "gate"} : tensor<?x64xf16>, tensor<128x64xf16> -> tensor<?x128xf16>
  %u = awq.linear %x, %wu {name = "up"} : tensor<?x64xf16>, tensor<128x64xf16> -> tensor<?x128xf16>
  %a = math.tanh %g : tensor<?x128xf16>
  %p = arith.mulf %a, %u : tensor<?x128xf16>
  %s = awq.weight "down.awq_scale" from "s.safetensors" : tensor<128xf32>
  %ps = awq.scale %p, %s : tensor<?x128xf16>, tensor<128xf32>
  %d = awq.linear %ps, %wd : tensor<?x128xf16>, tensor<64x128xf16> -> tensor<?x64xf16>
  return %d : tensor<?x64xf16>
}

// -----

// The right factor has another user, the left one is a linear: the left
// one absorbs the scale.

// CHECK-LABEL: func.func @product_left_factor
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf16>, %[[WG:.+]]: tensor<128x64xf16>, %[[WU:.+]]: tensor<128x64xf16>, %[[S:.+]]: tensor<128xf32>)
// CHECK: %[[SG:.+]] = awq.scale %[[WG]], %[[S]] {axis = 0 : i64}
// CHECK: %[[G:.+]] = awq.linear %[[X]], %[[SG]] {name = "gate"}
// CHECK: %[[U:.+]] = awq.linear %[[X]], %[[WU]] {name = "up"}
// CHECK: %[[P:.+]] = arith.mulf %[[G]], %[[U]]
// CHECK: return %[[P]], %[[U]]
func.func @product_left_factor(%x: tensor<?x64xf16>, %wg: tensor<128x64xf16>, %wu: tensor<128x64xf16>,
                               %s: tensor<128xf32>) -> (tensor<?x128xf16>, tensor<?x128xf16>) {
  %g = awq.linear %x, %wg {name = "gate"} : tensor<?x64xf16>, tensor<128x64xf16> -> tensor<?x128xf16>
  %u = awq.linear %x, %wu {name = "up"} : tensor<?x64xf16>, tensor<128x64xf16> -> tensor<?x128xf16>
  %p = arith.mulf %g, %u : tensor<?x128xf16>
  %ps = awq.scale %p, %s : tensor<?x128xf16>, tensor<128xf32>
  return %ps, %u : tensor<?x128xf16>, tensor<?x128xf16>
}

// -----

// Two scales in a row both fold, one after the other.

// CHECK-LABEL: func.func @two_scales
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf16>, %[[W:.+]]: tensor<64xf16>, %[[A:.+]]: tensor<64xf32>, %[[B:.+]]: tensor<64xf32>)
// CHECK: %[[WA:.+]] = awq.scale %[[W]], %[[A]] {axis = 0 : i64}
// CHECK: %[[WAB:.+]] = awq.scale %[[WA]], %[[B]] {axis = 0 : i64}
// CHECK: %[[N:.+]] = awq.rms_norm %[[X]], %[[WAB]]
// CHECK-NEXT: return %[[N]]
func.func @two_scales(%x: tensor<?x64xf16>, %w: tensor<64xf16>, %a: tensor<64xf32>, %b: tensor<64xf32>)
    -> tensor<?x64xf16> {
  %n = awq.rms_norm %x, %w : tensor<?x64xf16>, tensor<64xf16>
  %0 = awq.scale %n, %a : tensor<?x64xf16>, tensor<64xf32>
  %1 = awq.scale %0, %b : tensor<?x64xf16>, tensor<64xf32>
  return %1 : tensor<?x64xf16>
}

//===----------------------------------------------------------------------===//
// Negative cases: the scale stays where it is.
//===----------------------------------------------------------------------===//

// -----

// The norm's output has another user, which must keep seeing unscaled
// values.

// CHECK-LABEL: func.func @producer_has_other_users
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf16>, %[[W:.+]]: tensor<64xf16>, %[[S:.+]]: tensor<64xf32>)
// CHECK: %[[N:.+]] = awq.rms_norm %[[X]], %[[W]]
// CHECK: %[[Y:.+]] = awq.scale %[[N]], %[[S]]
// CHECK: return %[[Y]], %[[N]]
func.func @producer_has_other_users(%x: tensor<?x64xf16>, %w: tensor<64xf16>, %s: tensor<64xf32>)
    -> (tensor<?x64xf16>, tensor<?x64xf16>) {
  %n = awq.rms_norm %x, %w : tensor<?x64xf16>, tensor<64xf16>
  %y = awq.scale %n, %s : tensor<?x64xf16>, tensor<64xf32>
  return %y, %n : tensor<?x64xf16>, tensor<?x64xf16>
}

// -----

// A block argument and an op that cannot absorb a channel scale.

// CHECK-LABEL: func.func @no_absorbing_producer
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf16>, %[[S:.+]]: tensor<64xf32>)
// CHECK: %[[A:.+]] = awq.scale %[[X]], %[[S]]
// CHECK: %[[E:.+]] = math.exp %[[X]]
// CHECK: %[[B:.+]] = awq.scale %[[E]], %[[S]]
// CHECK: return %[[A]], %[[B]]
func.func @no_absorbing_producer(%x: tensor<?x64xf16>, %s: tensor<64xf32>)
    -> (tensor<?x64xf16>, tensor<?x64xf16>) {
  %a = awq.scale %x, %s : tensor<?x64xf16>, tensor<64xf32>
  %e = math.exp %x : tensor<?x64xf16>
  %b = awq.scale %e, %s : tensor<?x64xf16>, tensor<64xf32>
  return %a, %b : tensor<?x64xf16>, tensor<?x64xf16>
}

// -----

// A product of two non-linears, and a product whose linear factors both have
// other users.

// CHECK-LABEL: func.func @product_without_free_linear
// CHECK-COUNT-2: awq.scale %{{.+}}, %{{.+}} : tensor<?x64xf16>, tensor<64xf32>
// CHECK-NOT: awq.scale
func.func @product_without_free_linear(%x: tensor<?x64xf16>, %w: tensor<64x64xf16>, %s: tensor<64xf32>)
    -> (tensor<?x64xf16>, tensor<?x64xf16>, tensor<?x64xf16>) {
  %e = math.exp %x : tensor<?x64xf16>
  %p = arith.mulf %e, %x : tensor<?x64xf16>
  %a = awq.scale %p, %s : tensor<?x64xf16>, tensor<64xf32>
  %l = awq.linear %x, %w : tensor<?x64xf16>, tensor<64x64xf16> -> tensor<?x64xf16>
  %q = arith.mulf %l, %l : tensor<?x64xf16>
  %b = awq.scale %q, %s : tensor<?x64xf16>, tensor<64xf32>
  return %a, %b, %l : tensor<?x64xf16>, tensor<?x64xf16>, tensor<?x64xf16>
}

// -----

// Weight scales (axis 0, or rank 1) are not activation scales: they already
// are weight expressions.

// CHECK-LABEL: func.func @weight_scales
// CHECK: awq.scale %{{.+}}, %{{.+}} {axis = 0 : i64} : tensor<64x64xf16>
// CHECK: awq.scale %{{.+}}, %{{.+}} : tensor<64xf16>
func.func @weight_scales(%x: tensor<64x64xf16>, %w: tensor<64xf16>, %s: tensor<64xf32>)
    -> (tensor<64x64xf16>, tensor<64xf16>) {
  %n = awq.rms_norm %x, %w : tensor<64x64xf16>, tensor<64xf16>
  %a = awq.scale %n, %s {axis = 0 : i64} : tensor<64x64xf16>, tensor<64xf32>
  %v = awq.weight "v" from "m.safetensors" : tensor<64xf16>
  %b = awq.scale %v, %s : tensor<64xf16>, tensor<64xf32>
  return %a, %b : tensor<64x64xf16>, tensor<64xf16>
}

// -----

// The scale is computed (an op with operands) after the producer: it cannot
// be moved above the producer, so nothing changes.

// CHECK-LABEL: func.func @scale_not_available
// CHECK: %[[N:.+]] = awq.rms_norm
// CHECK: %[[S:.+]] = arith.mulf
// CHECK: awq.scale %[[N]], %[[S]]
func.func @scale_not_available(%x: tensor<?x64xf16>, %w: tensor<64xf16>, %s: tensor<64xf32>)
    -> tensor<?x64xf16> {
  %n = awq.rms_norm %x, %w : tensor<?x64xf16>, tensor<64xf16>
  %s2 = arith.mulf %s, %s : tensor<64xf32>
  %y = awq.scale %n, %s2 : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

// -----

// A quantized linear's weights are no longer a float expression.

// CHECK-LABEL: func.func @quantized_producer
// CHECK: %[[Y:.+]] = awq.qlinear
// CHECK: awq.scale %[[Y]]
func.func @quantized_producer(%x: tensor<?x64xf16>, %q: tensor<64x64xi4>, %sc: tensor<64x1xf16>,
                              %s: tensor<64xf32>) -> tensor<?x64xf16> {
  %y = awq.qlinear %x, %q, %sc {group_size = 64 : i64}
         : tensor<?x64xf16>, tensor<64x64xi4>, tensor<64x1xf16> -> tensor<?x64xf16>
  %z = awq.scale %y, %s : tensor<?x64xf16>, tensor<64xf32>
  return %z : tensor<?x64xf16>
}

// -----

// Through awq.swiglu (up -> down): the scale moves into up's rows; gate is
// untouched.

// CHECK-LABEL: func.func @through_swiglu
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>, %[[WG:.+]]: tensor<96x64xf32>, %[[WU:.+]]: tensor<96x64xf32>, %[[S:.+]]: tensor<96xf32>, %[[WD:.+]]: tensor<64x96xf32>)
// CHECK: %[[G:.+]] = awq.linear %[[X]], %[[WG]] {name = "gate_proj"}
// CHECK: %[[SU:.+]] = awq.scale %[[WU]], %[[S]] {axis = 0 : i64} : tensor<96x64xf32>, tensor<96xf32>
// CHECK: %[[U:.+]] = awq.linear %[[X]], %[[SU]] {name = "up_proj"}
// CHECK: %[[A:.+]] = awq.swiglu %[[G]], %[[U]] : tensor<?x96xf32>
// CHECK-NOT: awq.scale
// CHECK: awq.linear %[[A]], %[[WD]] {name = "down_proj"}
func.func @through_swiglu(%x: tensor<?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<96x64xf32>,
                          %s: tensor<96xf32>, %wd: tensor<64x96xf32>) -> tensor<?x64xf32> {
  %g = awq.linear %x, %wg {name = "gate_proj"} : tensor<?x64xf32>, tensor<96x64xf32> -> tensor<?x96xf32>
  %u = awq.linear %x, %wu {name = "up_proj"} : tensor<?x64xf32>, tensor<96x64xf32> -> tensor<?x96xf32>
  %a = awq.swiglu %g, %u : tensor<?x96xf32>
  %as = awq.scale %a, %s : tensor<?x96xf32>, tensor<96xf32>
  %d = awq.linear %as, %wd {name = "down_proj"} : tensor<?x96xf32>, tensor<64x96xf32> -> tensor<?x64xf32>
  return %d : tensor<?x64xf32>
}

// -----

// Through awq.attention with one value head per query head (v -> o): the
// scale moves into v's rows.

// CHECK-LABEL: func.func @through_attention
// CHECK: %[[SV:.+]] = awq.scale %{{.+}}, %{{.+}} {axis = 0 : i64} : tensor<64x64xf32>, tensor<64xf32>
// CHECK: %[[V:.+]] = awq.linear %{{.+}}, %[[SV]] {name = "v_proj"}
// CHECK: %[[A:.+]] = awq.attention %{{.+}}, %{{.+}}, %[[V]]
// CHECK-NOT: awq.scale
// CHECK: awq.linear %[[A]], %{{.+}} {name = "o_proj"}
func.func @through_attention(%q: tensor<?x64xf32>, %k: tensor<?x64xf32>, %x: tensor<?x64xf32>,
                             %wv: tensor<64x64xf32>, %s: tensor<64xf32>, %wo: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %v = awq.linear %x, %wv {name = "v_proj"} : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  %a = awq.attention %q, %k, %v {num_heads = 4 : i64, num_kv_heads = 4 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x64xf32>
  %as = awq.scale %a, %s : tensor<?x64xf32>, tensor<64xf32>
  %o = awq.linear %as, %wo {name = "o_proj"} : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

// Grouped key/value heads: a value channel feeds several output channels,
// so the scale stays.

// CHECK-LABEL: func.func @not_through_grouped_attention
// CHECK: awq.attention
// CHECK: awq.scale %{{.+}}, %{{.+}} : tensor<?x64xf32>, tensor<64xf32>
func.func @not_through_grouped_attention(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %x: tensor<?x64xf32>,
                                         %wv: tensor<32x64xf32>, %s: tensor<64xf32>, %wo: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %v = awq.linear %x, %wv {name = "v_proj"} : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  %a = awq.attention %q, %k, %v {num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32> -> tensor<?x64xf32>
  %as = awq.scale %a, %s : tensor<?x64xf32>, tensor<64xf32>
  %o = awq.linear %as, %wo {name = "o_proj"} : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}
