// RUN: awq-opt %s --convert-awq-to-gpu --split-input-file --verify-diagnostics

func.func @eight_bit(%x: tensor<?x128xf16>, %q: tensor<64x128xi8>, %s: tensor<64x1xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot generate kernels for 8-bit weights: only 4-bit kernels exist}}
  %y = awq.qlinear %x, %q, %s {group_size = 128 : i64}
      : tensor<?x128xf16>, tensor<64x128xi8>, tensor<64x1xf16> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @k_not_multiple_of_32(%x: tensor<?x48xf16>, %q: tensor<64x48xi4>, %s: tensor<64x1xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot generate kernels: K = 48 is not a multiple of 32 (one 16-byte load of int4 weights)}}
  %y = awq.qlinear %x, %q, %s {group_size = 48 : i64}
      : tensor<?x48xf16>, tensor<64x48xi4>, tensor<64x1xf16> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @group_of_16(%x: tensor<?x128xf16>, %q: tensor<64x128xi4>, %s: tensor<64x8xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot generate kernels: group size 16 is not a multiple of 32}}
  %y = awq.qlinear %x, %q, %s {group_size = 16 : i64}
      : tensor<?x128xf16>, tensor<64x128xi4>, tensor<64x8xf16> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @f32_scales(%x: tensor<?x128xf16>, %q: tensor<64x128xi4>, %s: tensor<64x1xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot generate kernels for scales of type 'f32': kernels take scales in the activation type}}
  %y = awq.qlinear %x, %q, %s {group_size = 128 : i64}
      : tensor<?x128xf16>, tensor<64x128xi4>, tensor<64x1xf32> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

// f32 activations are valid model IR (the CPU executor runs them) but no
// kernel takes them.
func.func @f32_activations(%x: tensor<?x64xf32>, %q: tensor<16x64xi4>, %s: tensor<16x2xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{cannot generate kernels for 'f32' activations: the kernels take f16 or bf16}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf32>, tensor<16x64xi4>, tensor<16x2xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
