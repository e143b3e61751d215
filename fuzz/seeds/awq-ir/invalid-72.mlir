
func.func @variant_m_max() attributes {v = #awq.variant<kernel = @k, family = "gemv", m_min = 8, m_max = 4, m_tile = 1, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

