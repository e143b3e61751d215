
// Round trip of every awq op and attribute, in the custom and the generic
// form.

func.func @weights() -> (tensor<512x256xf16>, tensor<256x512xbf16>,
                         tensor<512x256xi4>, tensor<512x2xi4>, tensor<4096xf32>,
                         tensor<8x4x2xf16>) {
  // Default storage (plain) is not printed.
  // CHECK: awq.weight "model.layers.0.mlp.up_proj.weight" from "model.safetensors" : tensor<512x256xf16>
  %w = awq.weight "model.layers.0.mlp.up_proj.weight" from "model.safetensors"
         : tensor<512x256xf16>
  // CHECK: awq.weight "wt" from "dir/m.safetensors" storage <transposed> : tensor<256x512xbf16>
  %t = awq.weight "wt" from "dir/m.safetensors" storage <transposed>
         : tensor<256x512xbf16>
  // CHECK: awq.weight "l.qweight" from "/abs/q.safetensors" storage <awq_gemm_qweight> : tensor<512x256xi4>
  %q = awq.weight "l.qweight" from "/abs/q.safetensors" storage <awq_gemm_qweight>
         : tensor<512x256xi4>
  // CHECK: awq.weight "l.qzeros" from "/abs/q.safetensors" storage <awq_gemm_qzeros> : tensor<512x2xi4>
  %z = awq.weight "l.qzeros" from "/abs/q.safetensors" storage <awq_gemm_qzeros>
         : tensor<512x2xi4>
  // An explicit default is elided on printing.
  // CHECK: awq.weight "norm" from "m.safetensors" : tensor<4096xf32>
  %n = awq.weight "norm" from "m.safetensors" storage <plain> : tensor<4096xf32>
  // Plain storage takes any rank.
  // CHECK: awq.weight "r3" from "m.safetensors" {note = "extra"} : tensor<8x4x2xf16>
  %r = awq.weight "r3" from "m.safetensors" {note = "extra"} : tensor<8x4x2xf16>
  return %w, %t, %q, %z, %n, %r : tensor<512x256xf16>, tensor<256x512xbf16>,
    tensor<512x256xi4>, tensor<512x2xi4>, tensor<4096xf32>, tensor<8x4x2xf16>
}

func.func @rms_norm(%x: tensor<?x4096xf16>, %w: tensor<4096xf16>,
                    %xb: tensor<3x64xbf16>, %wf: tensor<64xf32>)
    -> (tensor<?x4096xf16>, tensor<3x64xbf16>) {
  // The default epsilon (1e-6) is not printed.
  // CHECK: awq.rms_norm %[[X]], %[[W]] : tensor<?x4096xf16>, tensor<4096xf16>
  %a = awq.rms_norm %x, %w : tensor<?x4096xf16>, tensor<4096xf16>
  // CHECK: awq.rms_norm %[[XB]], %[[WF]] {epsilon = 9.99999974E-6 : f32} : tensor<3x64xbf16>, tensor<64xf32>
  %b = awq.rms_norm %xb, %wf {epsilon = 1.0e-05 : f32}
         : tensor<3x64xbf16>, tensor<64xf32>
  return %a, %b : tensor<?x4096xf16>, tensor<3x64xbf16>
}

func.func @scale(%x: tensor<?x4096xf16>, %s: tensor<4096xf32>,
                 %w: tensor<512x4096xbf16>, %r: tensor<512xf16>,
                 %v: tensor<4096xf16>)
    -> (tensor<?x4096xf16>, tensor<512x4096xbf16>, tensor<512x4096xbf16>,
        tensor<4096xf16>, tensor<512x4096xbf16>) {
  // The default axis (-1, the last dimension) is not printed.
  // CHECK: awq.scale %[[X]], %[[S]] : tensor<?x4096xf16>, tensor<4096xf32>
  %a = awq.scale %x, %s : tensor<?x4096xf16>, tensor<4096xf32>
  // CHECK: awq.scale %[[W]], %[[R]] {axis = 0 : i64} : tensor<512x4096xbf16>, tensor<512xf16>
  %b = awq.scale %w, %r {axis = 0 : i64} : tensor<512x4096xbf16>, tensor<512xf16>
  // CHECK: awq.scale %[[W]], %[[R]] {axis = -2 : i64} : tensor<512x4096xbf16>, tensor<512xf16>
  %c = awq.scale %w, %r {axis = -2 : i64} : tensor<512x4096xbf16>, tensor<512xf16>
  // A rank-1 input (a norm weight or a bias).
  // CHECK: awq.scale %[[V]], %[[S]] : tensor<4096xf16>, tensor<4096xf32>
  %d = awq.scale %v, %s : tensor<4096xf16>, tensor<4096xf32>
  // CHECK: awq.scale %[[W]], %[[S]] {axis = 1 : i64} : tensor<512x4096xbf16>, tensor<4096xf32>
  %e = awq.scale %w, %s {axis = 1 : i64} : tensor<512x4096xbf16>, tensor<4096xf32>
  return %a, %b, %c, %d, %e : tensor<?x4096xf16>, tensor<512x4096xbf16>,
    tensor<512x4096xbf16>, tensor<4096xf16>, tensor<512x4096xbf16>
}

func.func @linear(%x: tensor<?x256xf16>, %w: tensor<512x256xf16>,
                  %b: tensor<512xf16>, %xf: tensor<4x256xf32>,
                  %wf: tensor<512x256xf32>)
    -> (tensor<?x512xf16>, tensor<?x512xf16>, tensor<4x512xf32>) {
  // CHECK: awq.linear %[[X]], %[[W]] {name = "model.layers.0.mlp.up_proj"} : tensor<?x256xf16>, tensor<512x256xf16> -> tensor<?x512xf16>
  %a = awq.linear %x, %w {name = "model.layers.0.mlp.up_proj"}
         : tensor<?x256xf16>, tensor<512x256xf16> -> tensor<?x512xf16>
  // CHECK: awq.linear %[[X]], %[[W]] bias %[[B]] : tensor<512xf16> : tensor<?x256xf16>, tensor<512x256xf16> -> tensor<?x512xf16>
  %c = awq.linear %x, %w bias %b : tensor<512xf16>
         : tensor<?x256xf16>, tensor<512x256xf16> -> tensor<?x512xf16>
  // f32 models (checkpoints stored in f32) are linears too; only the
  // quantized linear insists on f16/bf16 activations.
  // CHECK: awq.linear %[[XF]], %[[WF]] : tensor<4x256xf32>, tensor<512x256xf32> -> tensor<4x512xf32>
  %d = awq.linear %xf, %wf : tensor<4x256xf32>, tensor<512x256xf32> -> tensor<4x512xf32>
  return %a, %c, %d : tensor<?x512xf16>, tensor<?x512xf16>, tensor<4x512xf32>
}

func.func @qlinear(%x: tensor<?x256xf16>, %q: tensor<512x256xi4>,
                   %s: tensor<512x2xf16>, %z: tensor<512x2xi4>,
                   %b: tensor<512xf16>, %xb: tensor<?x256xbf16>,
                   %q8: tensor<64x256xi8>, %s8: tensor<64x1xbf16>,
                   %q3: tensor<512x256xi3>, %s3: tensor<512x8xf16>,
                   %z3: tensor<512x8xi3>, %bb: tensor<64xbf16>)
    -> (tensor<?x512xf16>, tensor<?x512xf16>, tensor<?x512xf16>,
        tensor<?x64xbf16>, tensor<?x512xf16>) {
  // Asymmetric, 4 bits, group 128.
  // CHECK: awq.qlinear %[[X]], %[[Q]], %[[S]] zeros %[[Z]] {group_size = 128 : i64, name = "q_proj"} : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x2xf16>, zeros tensor<512x2xi4> -> tensor<?x512xf16>
  %a = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "q_proj"}
         : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x2xf16>,
           zeros tensor<512x2xi4> -> tensor<?x512xf16>
  // Symmetric (no zeros) with a bias.
  // CHECK: awq.qlinear %[[X]], %[[Q]], %[[S]] bias %[[B]] {group_size = 128 : i64} : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x2xf16>, bias tensor<512xf16> -> tensor<?x512xf16>
  %c = awq.qlinear %x, %q, %s bias %b {group_size = 128 : i64}
         : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x2xf16>,
           bias tensor<512xf16> -> tensor<?x512xf16>
  // Zeros and bias.
  // CHECK: awq.qlinear %[[X]], %[[Q]], %[[S]] zeros %[[Z]] bias %[[B]] {group_size = 128 : i64} : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x2xf16>, zeros tensor<512x2xi4>, bias tensor<512xf16> -> tensor<?x512xf16>
  %d = awq.qlinear %x, %q, %s zeros %z bias %b {group_size = 128 : i64}
         : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x2xf16>,
           zeros tensor<512x2xi4>, bias tensor<512xf16> -> tensor<?x512xf16>
  // 8 bits, per-channel (G = K), bf16.
  // CHECK: awq.qlinear %{{.+}}, %{{.+}}, %{{.+}} bias %{{.+}} {group_size = 256 : i64} : tensor<?x256xbf16>, tensor<64x256xi8>, tensor<64x1xbf16>, bias tensor<64xbf16> -> tensor<?x64xbf16>
  %e = awq.qlinear %xb, %q8, %s8 bias %bb {group_size = 256 : i64}
         : tensor<?x256xbf16>, tensor<64x256xi8>, tensor<64x1xbf16>,
           bias tensor<64xbf16> -> tensor<?x64xbf16>
  // 3 bits, group 32.
  // CHECK: awq.qlinear %[[X]], %{{.+}}, %{{.+}} zeros %{{.+}} {group_size = 32 : i64} : tensor<?x256xf16>, tensor<512x256xi3>, tensor<512x8xf16>, zeros tensor<512x8xi3> -> tensor<?x512xf16>
  %f = awq.qlinear %x, %q3, %s3 zeros %z3 {group_size = 32 : i64}
         : tensor<?x256xf16>, tensor<512x256xi3>, tensor<512x8xf16>,
           zeros tensor<512x8xi3> -> tensor<?x512xf16>
  return %a, %c, %d, %e, %f : tensor<?x512xf16>, tensor<?x512xf16>,
    tensor<?x512xf16>, tensor<?x64xbf16>, tensor<?x512xf16>
}

func.func @qlinear_variants(%x: tensor<?x256xf16>, %q: tensor<512x256xi4>,
                            %s: tensor<512x2xf16>, %z: tensor<512x2xi4>)
    -> tensor<?x512xf16> {
  // CHECK: awq.qlinear
  // CHECK-SAME: kernels = [#awq.variant<kernel = @awq_kernels::@gemv_m1, family = "gemv", m_min = 1, m_max = 8, m_tile = 1, grid = [64, 1, 1], block = [128, 1, 1], shared_bytes = 0>,
  // CHECK-SAME:            #awq.variant<kernel = @awq_kernels::@gemm_m64, family = "gemm", m_min = 9, m_max = 9223372036854775807, m_tile = 64, grid = [4, 1, 1], block = [256, 1, 1], shared_bytes = 49152>]
  // CHECK-SAME: name = "l"
  %y = awq.qlinear %x, %q, %s zeros %z {
         group_size = 128 : i64, name = "l",
         kernels = [
           #awq.variant<kernel = @awq_kernels::@gemv_m1, family = "gemv",
                        m_min = 1, m_max = 8, m_tile = 1, grid = [64, 1, 1],
                        block = [128, 1, 1], shared_bytes = 0>,
           // struct(params) accepts the parameters in any order.
           #awq.variant<family = "gemm", kernel = @awq_kernels::@gemm_m64,
                        m_tile = 64, m_min = 9, m_max = 9223372036854775807,
                        shared_bytes = 49152, grid = [4, 1, 1],
                        block = [256, 1, 1]>]}
         : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x2xf16>,
           zeros tensor<512x2xi4> -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}

// The attributes also stand alone (here as discardable attributes).
func.func @attributes() attributes {
    awq.storage = #awq.storage<awq_gemm_qzeros>,
    awq.variant = #awq.variant<kernel = @k, family = "gemm", m_min = 2,
                               m_max = 2, m_tile = 16, grid = [1, 2, 3],
                               block = [32, 4, 1], shared_bytes = 1024>} {
  return
}
