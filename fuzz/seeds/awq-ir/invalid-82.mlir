
func.func @variant_in_qlinear(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // expected-error @+1 {{expected kernel family 'gemv' or 'gemm', got ''}}
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64, kernels = [#awq.variant<kernel = @k, family = "", m_min = 1, m_max = 1, m_tile = 1, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>]} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}
