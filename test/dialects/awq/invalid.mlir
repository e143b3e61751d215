// RUN: awq-opt %s --split-input-file --verify-diagnostics

// One case per verifier rule (AwqOps.cpp) and per ODS constraint of the awq
// ops and attributes.

//===----------------------------------------------------------------------===//
// awq.weight
//===----------------------------------------------------------------------===//

func.func @weight_empty_name() -> tensor<4x8xf16> {
  // expected-error @+1 {{'awq.weight' op expected a non-empty tensor name}}
  %w = awq.weight "" from "m.safetensors" : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @weight_empty_file() -> tensor<4x8xf16> {
  // expected-error @+1 {{'awq.weight' op expected a non-empty file name}}
  %w = awq.weight "w" from "" : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @weight_dynamic_shape() -> tensor<?x8xf16> {
  // expected-error @+1 {{'awq.weight' op expected a statically shaped tensor, got 'tensor<?x8xf16>'}}
  %w = awq.weight "w" from "m.safetensors" : tensor<?x8xf16>
  return %w : tensor<?x8xf16>
}

// -----

func.func @weight_unranked() -> tensor<*xf16> {
  // expected-error @+1 {{custom op 'awq.weight' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf16>'}}
  %w = awq.weight "w" from "m.safetensors" : tensor<*xf16>
  return %w : tensor<*xf16>
}

// -----

func.func @weight_transposed_rank() -> tensor<8xf16> {
  // expected-error @+1 {{'awq.weight' op expected a rank-2 tensor for 'transposed' storage}}
  %w = awq.weight "w" from "m.safetensors" storage <transposed> : tensor<8xf16>
  return %w : tensor<8xf16>
}

// -----

func.func @weight_qweight_dtype() -> tensor<16x8xi8> {
  // expected-error @+1 {{'awq.weight' op expected a rank-2 i4 tensor for AutoAWQ GEMM storage, got 'tensor<16x8xi8>'}}
  %w = awq.weight "q" from "m.safetensors" storage <awq_gemm_qweight> : tensor<16x8xi8>
  return %w : tensor<16x8xi8>
}

// -----

func.func @weight_qzeros_rank() -> tensor<16xi4> {
  // expected-error @+1 {{'awq.weight' op expected a rank-2 i4 tensor for AutoAWQ GEMM storage, got 'tensor<16xi4>'}}
  %w = awq.weight "z" from "m.safetensors" storage <awq_gemm_qzeros> : tensor<16xi4>
  return %w : tensor<16xi4>
}

// -----

func.func @weight_qweight_n() -> tensor<12x8xi4> {
  // expected-error @+1 {{'awq.weight' op expected N divisible by 8 for AutoAWQ GEMM storage, got N = 12}}
  %w = awq.weight "q" from "m.safetensors" storage <awq_gemm_qweight> : tensor<12x8xi4>
  return %w : tensor<12x8xi4>
}

// -----

func.func @weight_qzeros_n() -> tensor<4x1xi4> {
  // expected-error @+1 {{'awq.weight' op expected N divisible by 8 for AutoAWQ GEMM storage, got N = 4}}
  %w = awq.weight "z" from "m.safetensors" storage <awq_gemm_qzeros> : tensor<4x1xi4>
  return %w : tensor<4x1xi4>
}

// -----

func.func @weight_unknown_storage() -> tensor<4x8xf16> {
  // expected-error @+2 {{expected ::mlir::awq::Storage to be one of: plain, awq_gemm_qweight, awq_gemm_qzeros, transposed}}
  // expected-error @+1 {{failed to parse Awq_StorageAttr parameter 'value'}}
  %w = awq.weight "w" from "m.safetensors" storage <packed> : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @weight_name_not_string() -> tensor<4x8xf16> {
  // expected-error @+1 {{Invalid attribute `name` in property conversion: 3 : i64}}
  %w = "awq.weight"() <{name = 3 : i64, file = "m.safetensors"}> : () -> tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @weight_missing_file() -> tensor<4x8xf16> {
  // expected-error @+1 {{'awq.weight' op requires attribute 'file'}}
  %w = "awq.weight"() <{name = "w"}> : () -> tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @weight_storage_not_enum() -> tensor<4x8xf16> {
  // expected-error @+1 {{Invalid attribute `storage` in property conversion: 0 : i32}}
  %w = "awq.weight"() <{name = "w", file = "m.safetensors", storage = 0 : i32}> : () -> tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

//===----------------------------------------------------------------------===//
// awq.rms_norm
//===----------------------------------------------------------------------===//

// -----

func.func @rms_norm_weight_size(%x: tensor<?x64xf16>, %w: tensor<32xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op expected weight size (K) to be 64, got 32}}
  %y = awq.rms_norm %x, %w : tensor<?x64xf16>, tensor<32xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @rms_norm_zero_epsilon(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op expected a positive epsilon}}
  %y = awq.rms_norm %x, %w {epsilon = 0.0 : f32} : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @rms_norm_negative_epsilon(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op expected a positive epsilon}}
  %y = awq.rms_norm %x, %w {epsilon = -1.0e-5 : f32} : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @rms_norm_nan_epsilon(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op expected a positive epsilon}}
  %y = awq.rms_norm %x, %w {epsilon = 0x7FC00000 : f32} : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @rms_norm_epsilon_f64(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op attribute 'epsilon' failed to satisfy constraint: 32-bit float attribute}}
  %y = awq.rms_norm %x, %w {epsilon = 1.0e-5 : f64} : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @rms_norm_rank1_input(%x: tensor<64xf16>, %w: tensor<64xf16>) -> tensor<64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op operand #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64xf16>'}}
  %y = awq.rms_norm %x, %w : tensor<64xf16>, tensor<64xf16>
  return %y : tensor<64xf16>
}

// -----

func.func @rms_norm_int_input(%x: tensor<?x64xi16>, %w: tensor<64xf16>) -> tensor<?x64xi16> {
  // expected-error @+1 {{'awq.rms_norm' op operand #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<?x64xi16>'}}
  %y = awq.rms_norm %x, %w : tensor<?x64xi16>, tensor<64xf16>
  return %y : tensor<?x64xi16>
}

// -----

func.func @rms_norm_rank2_weight(%x: tensor<?x64xf16>, %w: tensor<1x64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.rms_norm' op operand #1 must be rank-1 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<1x64xf16>'}}
  %y = awq.rms_norm %x, %w : tensor<?x64xf16>, tensor<1x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @rms_norm_result_type(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xbf16> {
  // expected-error @+1 {{'awq.rms_norm' op failed to verify that all of {input, result} have same type}}
  %y = "awq.rms_norm"(%x, %w) : (tensor<?x64xf16>, tensor<64xf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

//===----------------------------------------------------------------------===//
// awq.scale
//===----------------------------------------------------------------------===//

// -----

func.func @scale_rank0(%x: tensor<f16>, %s: tensor<1xf32>) -> tensor<f16> {
  // expected-error @+1 {{'awq.scale' op expected a rank-1 or rank-2 input, got rank 0}}
  %y = awq.scale %x, %s : tensor<f16>, tensor<1xf32>
  return %y : tensor<f16>
}

// -----

func.func @scale_rank3(%x: tensor<2x4x8xf16>, %s: tensor<8xf32>) -> tensor<2x4x8xf16> {
  // expected-error @+1 {{'awq.scale' op expected a rank-1 or rank-2 input, got rank 3}}
  %y = awq.scale %x, %s : tensor<2x4x8xf16>, tensor<8xf32>
  return %y : tensor<2x4x8xf16>
}

// -----

func.func @scale_axis_too_large(%x: tensor<?x64xf16>, %s: tensor<64xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op expected axis in [-2, 1], got 2}}
  %y = awq.scale %x, %s {axis = 2 : i64} : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

// -----

func.func @scale_axis_too_small(%x: tensor<64xf16>, %s: tensor<64xf32>) -> tensor<64xf16> {
  // expected-error @+1 {{'awq.scale' op expected axis in [-1, 0], got -2}}
  %y = awq.scale %x, %s {axis = -2 : i64} : tensor<64xf16>, tensor<64xf32>
  return %y : tensor<64xf16>
}

// -----

func.func @scale_size_last_axis(%x: tensor<?x64xf16>, %s: tensor<32xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op expected scale size to be 64, got 32}}
  %y = awq.scale %x, %s : tensor<?x64xf16>, tensor<32xf32>
  return %y : tensor<?x64xf16>
}

// -----

func.func @scale_size_axis0(%w: tensor<16x64xf16>, %s: tensor<64xf32>) -> tensor<16x64xf16> {
  // expected-error @+1 {{'awq.scale' op expected scale size to be 16, got 64}}
  %y = awq.scale %w, %s {axis = 0 : i64} : tensor<16x64xf16>, tensor<64xf32>
  return %y : tensor<16x64xf16>
}

// -----

func.func @scale_axis_i32(%x: tensor<?x64xf16>, %s: tensor<64xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute}}
  %y = awq.scale %x, %s {axis = 1 : i32} : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

// -----

func.func @scale_rank2_scale(%x: tensor<?x64xf16>, %s: tensor<1x64xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op operand #1 must be rank-1 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<1x64xf32>'}}
  %y = awq.scale %x, %s : tensor<?x64xf16>, tensor<1x64xf32>
  return %y : tensor<?x64xf16>
}

// -----

func.func @scale_int_scale(%x: tensor<?x64xf16>, %s: tensor<64xi32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.scale' op operand #1 must be rank-1 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<64xi32>'}}
  %y = awq.scale %x, %s : tensor<?x64xf16>, tensor<64xi32>
  return %y : tensor<?x64xf16>
}

// -----

func.func @scale_int_input(%x: tensor<?x64xi8>, %s: tensor<64xf32>) -> tensor<?x64xi8> {
  // expected-error @+1 {{'awq.scale' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<?x64xi8>'}}
  %y = awq.scale %x, %s : tensor<?x64xi8>, tensor<64xf32>
  return %y : tensor<?x64xi8>
}

// -----

func.func @scale_result_type(%x: tensor<?x64xf16>, %s: tensor<64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.scale' op failed to verify that all of {input, result} have same type}}
  %y = "awq.scale"(%x, %s) : (tensor<?x64xf16>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

//===----------------------------------------------------------------------===//
// awq.linear
//===----------------------------------------------------------------------===//

// -----

func.func @linear_weight_rank(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // expected-error @+1 {{'awq.linear' op expected a rank-2 weight [N, K], got rank 1}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<64xf16> -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @linear_weight_k(%x: tensor<?x64xf16>, %w: tensor<32x128xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op expected weight dim 1 (K) to be 64, got 128}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x128xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @linear_bias_size(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<64xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op expected bias size (N) to be 32, got 64}}
  %y = awq.linear %x, %w bias %b : tensor<64xf16> : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @linear_bias_dtype(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<32xf32>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op expected bias element type 'f16' (the activation type), got 'f32'}}
  %y = awq.linear %x, %w bias %b : tensor<32xf32> : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @linear_bias_rank(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<1x32xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op operand #2 must be rank-1 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<1x32xf16>'}}
  %y = awq.linear %x, %w bias %b : tensor<1x32xf16> : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @linear_result_dtype(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xbf16> {
  // expected-error @+1 {{'awq.linear' op expected result element type 'f16' (the activation type), got 'bf16'}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

func.func @linear_result_m(%x: tensor<4x64xf16>, %w: tensor<32x64xf16>) -> tensor<8x32xf16> {
  // expected-error @+1 {{'awq.linear' op expected result dim 0 (M) to be 4, got 8}}
  %y = awq.linear %x, %w : tensor<4x64xf16>, tensor<32x64xf16> -> tensor<8x32xf16>
  return %y : tensor<8x32xf16>
}

// -----

func.func @linear_result_n(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.linear' op expected result dim 1 (N) to be 32, got 16}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @linear_result_rank(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<32xf16> {
  // expected-error @+1 {{'awq.linear' op result #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<32xf16>'}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<32xf16>
  return %y : tensor<32xf16>
}

// -----

func.func @linear_activation_f64(%x: tensor<?x64xf64>, %w: tensor<32x64xf16>) -> tensor<?x32xf64> {
  // expected-error @+1 {{'awq.linear' op operand #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<?x64xf64>'}}
  %y = awq.linear %x, %w : tensor<?x64xf64>, tensor<32x64xf16> -> tensor<?x32xf64>
  return %y : tensor<?x32xf64>
}

// -----

func.func @linear_activation_rank3(%x: tensor<2x?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op operand #0 must be rank-2 tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<2x?x64xf16>'}}
  %y = awq.linear %x, %w : tensor<2x?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @linear_int_weight(%x: tensor<?x64xf16>, %w: tensor<32x64xi4>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op operand #1 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<32x64xi4>'}}
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xi4> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @linear_name_not_string(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.linear' op attribute 'name' failed to satisfy constraint: string attribute}}
  %y = awq.linear %x, %w {name = 1 : i64} : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

//===----------------------------------------------------------------------===//
// awq.qlinear
//===----------------------------------------------------------------------===//

// -----

func.func @qlinear_dynamic_q(%x: tensor<?x64xf16>, %q: tensor<?x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected a statically shaped qweight, got 'tensor<?x64xi4>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<?x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_input_k(%x: tensor<?x32xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected input dim 1 (K) to be 64, got 32}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x32xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_group_size_divides_k(%x: tensor<?x96xf16>, %q: tensor<16x96xi4>, %s: tensor<16x1xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected group size 64 to divide K = 96}}
  %y = awq.qlinear %x, %q, %s {group_size = 64 : i64} : tensor<?x96xf16>, tensor<16x96xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_group_size_zero(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op attribute 'group_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %y = awq.qlinear %x, %q, %s {group_size = 0 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_group_size_negative(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op attribute 'group_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %y = awq.qlinear %x, %q, %s {group_size = -32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_group_size_missing(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op requires attribute 'group_size'}}
  %y = awq.qlinear %x, %q, %s : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_scales_rank(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected scales of shape [16, 2] ([N, K / group_size]), got 'tensor<16xf16>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_scales_n(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<8x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected scales of shape [16, 2] ([N, K / group_size]), got 'tensor<8x2xf16>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<8x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_scales_groups(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x4xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected scales of shape [16, 2] ([N, K / group_size]), got 'tensor<16x4xf16>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x4xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_scales_transposed(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<2x16xf16>) -> tensor<?x16xf16> {
  // The AutoAWQ layout [K/G, N] is not the op's [N, K/G].
  // expected-error @+1 {{'awq.qlinear' op expected scales of shape [16, 2] ([N, K / group_size]), got 'tensor<2x16xf16>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<2x16xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_scales_int(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xi16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand #2 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<16x2xi16>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xi16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_zeros_shape(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x1xi4>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected zeros of shape [16, 2] (the shape of scales), got 'tensor<16x1xi4>'}}
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x1xi4> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_zeros_dtype(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x2xi8>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected zeros element type 'i4' (that of qweight), got 'i8'}}
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x2xi8> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_zeros_float(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand #3 must be rank-2 tensor of 3-bit signless integer or 4-bit signless integer or 8-bit signless integer values, but got 'tensor<16x2xf16>'}}
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_bits_i5(%x: tensor<?x64xf16>, %q: tensor<16x64xi5>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand #1 must be rank-2 tensor of 3-bit signless integer or 4-bit signless integer or 8-bit signless integer values, but got 'tensor<16x64xi5>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi5>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_bits_unsigned(%x: tensor<?x64xf16>, %q: tensor<16x64xui4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // q holds unsigned values in a *signless* integer type.
  // expected-error @+1 {{'awq.qlinear' op operand #1 must be rank-2 tensor of 3-bit signless integer or 4-bit signless integer or 8-bit signless integer values, but got 'tensor<16x64xui4>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xui4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_q_rank(%x: tensor<?x64xf16>, %q: tensor<1x16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand #1 must be rank-2 tensor of 3-bit signless integer or 4-bit signless integer or 8-bit signless integer values, but got 'tensor<1x16x64xi4>'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<1x16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_bias_size(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %b: tensor<8xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected bias size (N) to be 16, got 8}}
  %y = awq.qlinear %x, %q, %s bias %b {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, bias tensor<8xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_bias_dtype(%x: tensor<?x64xbf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xbf16>, %b: tensor<16xf16>) -> tensor<?x16xbf16> {
  // expected-error @+1 {{'awq.qlinear' op expected bias element type 'bf16' (the activation type), got 'f16'}}
  %y = awq.qlinear %x, %q, %s bias %b {group_size = 32 : i64} : tensor<?x64xbf16>, tensor<16x64xi4>, tensor<16x2xbf16>, bias tensor<16xf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @qlinear_result_dtype(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'awq.qlinear' op expected result element type 'f16' (the activation type), got 'f32'}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @qlinear_result_m(%x: tensor<1x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<2x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected result dim 0 (M) to be 1, got 2}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<1x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<2x16xf16>
  return %y : tensor<2x16xf16>
}

// -----

func.func @qlinear_result_n(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x32xf16> {
  // expected-error @+1 {{'awq.qlinear' op expected result dim 1 (N) to be 16, got 32}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @qlinear_kernels_not_variants(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op attribute 'kernels' failed to satisfy constraint: kernel variants}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64, kernels = [@gemv]} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_segment_sizes(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{'awq.qlinear' op operand count (3) does not match with the total size (4) specified in attribute 'operandSegmentSizes'}}
  %y = "awq.qlinear"(%x, %q, %s) <{group_size = 32 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}> : (tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>) -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

//===----------------------------------------------------------------------===//
// #awq.variant
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{expected kernel family 'gemv' or 'gemm', got 'wgmma'}}
func.func @variant_family() attributes {v = #awq.variant<kernel = @k, family = "wgmma", m_min = 1, m_max = 1, m_tile = 1, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+1 {{expected 1 <= m_min <= m_max, got m_min = 0, m_max = 4}}
func.func @variant_m_min() attributes {v = #awq.variant<kernel = @k, family = "gemv", m_min = 0, m_max = 4, m_tile = 1, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+1 {{expected 1 <= m_min <= m_max, got m_min = 8, m_max = 4}}
func.func @variant_m_max() attributes {v = #awq.variant<kernel = @k, family = "gemv", m_min = 8, m_max = 4, m_tile = 1, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+1 {{expected m_tile >= 1, got 0}}
func.func @variant_m_tile() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 0, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+1 {{expected 3-element grid and block}}
func.func @variant_grid_size() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+1 {{expected 3-element grid and block}}
func.func @variant_block_size() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [1, 1, 1], block = [32, 1, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+1 {{expected positive grid and block sizes}}
func.func @variant_grid_zero() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [0, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+1 {{expected positive grid and block sizes}}
func.func @variant_block_negative() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [1, 1, 1], block = [-32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+1 {{expected shared_bytes >= 0, got -1}}
func.func @variant_shared_bytes() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = -1>} {
  return
}

// -----

// expected-error @+1 {{expected ','}}
func.func @variant_missing_param() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [1, 1, 1], block = [32, 1, 1]>} {
  return
}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: m_min}}
func.func @variant_duplicate_param() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_min = 2, m_max = 64, m_tile = 16, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// expected-error @+2 {{expected '['}}
// expected-error @+1 {{failed to parse Awq_KernelVariantAttr parameter 'grid'}}
func.func @variant_grid_unbracketed() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = 1, 1, 1, block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

func.func @variant_in_qlinear(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{expected kernel family 'gemv' or 'gemm', got ''}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64, kernels = [#awq.variant<kernel = @k, family = "", m_min = 1, m_max = 1, m_tile = 1, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>]} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

//===----------------------------------------------------------------------===//
// #awq.kernel_choice and qlinear's kernel_choices
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{expected 1 <= m_min <= m_max, got m_min = 5, m_max = 4}}
func.func @choice_range() attributes {c = #awq.kernel_choice<m_min = 5, m_max = 4, spec = "w64x64x1x6">} {
  return
}

// -----

// expected-error @+1 {{expected a kernel spec}}
func.func @choice_spec() attributes {c = #awq.kernel_choice<m_min = 1, m_max = 4, spec = "">} {
  return
}

// -----

func.func @choices_gap(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x1xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{expected kernel_choices[1] to start at M = 2, got m_min = 3}}
  %y = awq.qlinear %x, %q, %s {group_size = 64 : i64, kernel_choices = [
      #awq.kernel_choice<m_min = 1, m_max = 1, spec = "v1x4x4x1">,
      #awq.kernel_choice<m_min = 3, m_max = 2147483647, spec = "w64x64x1x6">]}
      : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x1xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}
