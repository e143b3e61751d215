// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %S/Inputs/make_safetensors.py %t/s.safetensors \
// RUN:   "half.awq_scale=F16:4:1,2,3,4" "short.awq_scale=F32:3:1,2,3" "matrix.awq_scale=F32:2x2:1,2,3,4" \
// RUN:   "zero.awq_scale=F32:4:1,0,1,1" "negative.awq_scale=F32:4:1,1,-2,1" "nan.awq_scale=F32:4:1,1,1,nan" \
// RUN:   "inf.awq_scale=F32:4:inf,1,1,1"
// RUN: awq-opt %s --split-input-file --verify-diagnostics --awq-apply-scales=scales-file=%t/s.safetensors
// RUN: not awq-opt %s --awq-apply-scales 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not awq-opt %s --awq-apply-scales=scales-file=%t/missing.safetensors 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: echo "not safetensors" > %t/bad.safetensors
// RUN: not awq-opt %s --awq-apply-scales=scales-file=%t/bad.safetensors 2>&1 | FileCheck %s --check-prefix=BAD

// NOFILE: error: awq-apply-scales: no scales file given (scales-file=<path.safetensors>)
// MISSING: error: awq-apply-scales: safetensors file '{{.*}}missing.safetensors': cannot open
// BAD: error: awq-apply-scales: safetensors file '{{.*}}bad.safetensors'

func.func @wrong_dtype(%x: tensor<?x4xf16>, %w: tensor<2x4xf16>) -> tensor<?x2xf16> {
  // expected-error @+1 {{'awq.linear' op AWQ scale 'half.awq_scale' has dtype F16, expected F32}}
  %y = awq.linear %x, %w {name = "half"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

func.func @wrong_size(%x: tensor<?x4xf16>, %w: tensor<2x4xf16>) -> tensor<?x2xf16> {
  // expected-error @+1 {{'awq.linear' op AWQ scale 'short.awq_scale' has 1-d shape with 3 elements, expected [4] (K)}}
  %y = awq.linear %x, %w {name = "short"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

func.func @wrong_rank(%x: tensor<?x4xf16>, %w: tensor<2x4xf16>) -> tensor<?x2xf16> {
  // expected-error @+1 {{'awq.linear' op AWQ scale 'matrix.awq_scale' has 2-d shape with 4 elements, expected [4] (K)}}
  %y = awq.linear %x, %w {name = "matrix"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

func.func @zero_scale(%x: tensor<?x4xf16>, %w: tensor<2x4xf16>) -> tensor<?x2xf16> {
  // expected-error @+1 {{'awq.linear' op AWQ scale 'zero.awq_scale' has value 0.000000e+00 at channel 1, expected finite positive scales}}
  %y = awq.linear %x, %w {name = "zero"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

func.func @negative_scale(%x: tensor<?x4xf16>, %w: tensor<2x4xf16>) -> tensor<?x2xf16> {
  // expected-error @+1 {{'awq.linear' op AWQ scale 'negative.awq_scale' has value -2.000000e+00 at channel 2, expected finite positive scales}}
  %y = awq.linear %x, %w {name = "negative"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

func.func @nan_scale(%x: tensor<?x4xf16>, %w: tensor<2x4xf16>) -> tensor<?x2xf16> {
  // expected-error @+1 {{'awq.linear' op AWQ scale 'nan.awq_scale' has value nan at channel 3, expected finite positive scales}}
  %y = awq.linear %x, %w {name = "nan"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %y : tensor<?x2xf16>
}

// -----

// Both bad linears of one function are reported.
func.func @two_errors(%x: tensor<?x4xf16>, %w: tensor<2x4xf16>) -> (tensor<?x2xf16>, tensor<?x2xf16>) {
  // expected-error @+1 {{'awq.linear' op AWQ scale 'inf.awq_scale' has value INF at channel 0}}
  %a = awq.linear %x, %w {name = "inf"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  // expected-error @+1 {{'awq.linear' op AWQ scale 'half.awq_scale' has dtype F16}}
  %b = awq.linear %x, %w {name = "half"} : tensor<?x4xf16>, tensor<2x4xf16> -> tensor<?x2xf16>
  return %a, %b : tensor<?x2xf16>, tensor<?x2xf16>
}
