
func.func @unknown_op() {
  // CHECK: malformed.mlir:[[@LINE+1]]:3: error: custom op 'awq.frobnicate' is unknown
  awq.frobnicate
  return
}

