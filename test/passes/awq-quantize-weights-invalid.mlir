// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %S/Inputs/make_safetensors.py %t/w.safetensors "w=F16:4x32:iota" "wi=I32:4x32:iota" "big=F32:2x32:fn:70000.0*(i==3)"
// RUN: awq-opt %s --split-input-file --verify-diagnostics --awq-quantize-weights="group-size=32 weights-dir=%t"
// RUN: not awq-opt %s --awq-quantize-weights="bits=5" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not awq-opt %s --awq-quantize-weights="group-size=-1" 2>&1 | FileCheck %s --check-prefix=GROUP

// BITS: error: awq-quantize-weights: unsupported bit width 5 (expected 3, 4 or 8)
// GROUP: error: awq-quantize-weights: expected a group size >= 0 (0 = per-channel), got -1

// Every linear that cannot be quantized is reported, at the op that is the
// reason.

// expected-error @+1 {{cannot evaluate a block argument on the host}}
func.func @weight_argument(%x: tensor<?x32xf16>, %w: tensor<4x32xf16>) -> tensor<?x4xf16> {
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<4x32xf16> -> tensor<?x4xf16>
  return %y : tensor<?x4xf16>
}

// -----

func.func @unsupported_producer(%x: tensor<?x32xf16>) -> tensor<?x4xf16> {
  %c = arith.constant dense<1.0> : tensor<4x32xf16>
  // expected-error @+1 {{cannot evaluate 'math.exp' on the host}}
  %w = math.exp %c : tensor<4x32xf16>
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<4x32xf16> -> tensor<?x4xf16>
  return %y : tensor<?x4xf16>
}

// -----

func.func @missing_file(%x: tensor<?x32xf16>) -> tensor<?x4xf16> {
  // expected-error @+1 {{cannot read weights: }}
  %w = awq.weight "w" from "nonexistent.safetensors" : tensor<4x32xf16>
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<4x32xf16> -> tensor<?x4xf16>
  return %y : tensor<?x4xf16>
}

// -----

func.func @missing_tensor(%x: tensor<?x32xf16>) -> tensor<?x4xf16> {
  // expected-error-re @+1 {{tensor 'v' not found in '{{.*}}w.safetensors'}}
  %w = awq.weight "v" from "w.safetensors" : tensor<4x32xf16>
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<4x32xf16> -> tensor<?x4xf16>
  return %y : tensor<?x4xf16>
}

// -----

func.func @shape_mismatch(%x: tensor<?x32xf16>) -> tensor<?x8xf16> {
  // expected-error-re @+1 {{tensor 'w' in '{{.*}}w.safetensors' has shape [4, 32], expected [8, 32] for storage 'plain' of 'tensor<8x32xf16>'}}
  %w = awq.weight "w" from "w.safetensors" : tensor<8x32xf16>
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<8x32xf16> -> tensor<?x8xf16>
  return %y : tensor<?x8xf16>
}

// -----

func.func @transposed_shape(%x: tensor<?x32xf16>) -> tensor<?x4xf16> {
  // expected-error-re @+1 {{tensor 'w' in '{{.*}}' has shape [4, 32], expected [32, 4] for storage 'transposed'}}
  %w = awq.weight "w" from "w.safetensors" storage <transposed> : tensor<4x32xf16>
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<4x32xf16> -> tensor<?x4xf16>
  return %y : tensor<?x4xf16>
}

// -----

func.func @dtype_mismatch(%x: tensor<?x32xbf16>) -> tensor<?x4xbf16> {
  // expected-error-re @+1 {{tensor 'w' in '{{.*}}' has dtype F16, which does not hold 'bf16' values}}
  %w = awq.weight "w" from "w.safetensors" : tensor<4x32xbf16>
  %y = awq.linear %x, %w : tensor<?x32xbf16>, tensor<4x32xbf16> -> tensor<?x4xbf16>
  return %y : tensor<?x4xbf16>
}

// -----

func.func @group_does_not_divide(%x: tensor<?x48xf16>) -> tensor<?x2xf16> {
  %w = arith.constant dense<1.0> : tensor<2x48xf16>
  // expected-error @+1 {{'awq.linear' op cannot be quantized: tensor 'l': group size 32 does not divide K=48}}
  %y = awq.linear %x, %w {name = "l"} : tensor<?x48xf16>, tensor<2x48xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

func.func @not_finite(%x: tensor<?x32xf16>) -> tensor<?x1xf16> {
  %w = arith.constant dense<[[0.0, 0x7E00, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x32xf16>
  // expected-error @+1 {{'awq.linear' op cannot be quantized: tensor 'weight': non-finite value NaN at row 0, column 1}}
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<1x32xf16> -> tensor<?x1xf16>
  return %y : tensor<?x1xf16>
}

// -----

// An f32 weight whose values do not fit f16 activations' arithmetic.
func.func @f16_overflow(%x: tensor<?x32xf16>) -> tensor<?x2xf16> {
  %w = awq.weight "big" from "w.safetensors" : tensor<2x32xf32>
  // expected-error @+1 {{'awq.linear' op cannot be quantized: tensor 'weight': value 70000.00 at row 0, column 3 overflows f16}}
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<2x32xf32> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

// Two bad linears in one function: both are reported.
func.func @two_errors(%x: tensor<?x32xf16>) -> (tensor<?x4xf16>, tensor<?x4xf16>) {
  // expected-error @+1 {{tensor 'a' not found}}
  %a = awq.weight "a" from "w.safetensors" : tensor<4x32xf16>
  // expected-error @+1 {{tensor 'b' not found}}
  %b = awq.weight "b" from "w.safetensors" : tensor<4x32xf16>
  %ya = awq.linear %x, %a : tensor<?x32xf16>, tensor<4x32xf16> -> tensor<?x4xf16>
  %yb = awq.linear %x, %b : tensor<?x32xf16>, tensor<4x32xf16> -> tensor<?x4xf16>
  return %ya, %yb : tensor<?x4xf16>, tensor<?x4xf16>
}
