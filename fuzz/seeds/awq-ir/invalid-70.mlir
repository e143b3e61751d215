
func.func @variant_family() attributes {v = #awq.variant<kernel = @k, family = "wgmma", m_min = 1, m_max = 1, m_tile = 1, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

