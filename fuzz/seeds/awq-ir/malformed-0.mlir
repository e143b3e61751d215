
// Malformed IR: every case gets a diagnostic that names the file, line and
// column, and never a crash (`not` fails if awq-opt crashes). Each chunk is
// parsed on its own; the errors come out in order.

func.func @weight_missing_from() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:23: error: custom op 'awq.weight' expected 'from'
  %w = awq.weight "w" : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

