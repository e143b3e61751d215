
func.func @variant_grid_size() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

