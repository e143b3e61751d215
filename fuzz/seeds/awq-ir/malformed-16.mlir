
func.func @rms_norm_epsilon_string(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:28: error: custom op 'awq.rms_norm' 'awq.rms_norm' op attribute 'epsilon' failed to satisfy constraint: 32-bit float attribute
  %y = awq.rms_norm %x, %w {epsilon = "small"} : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

