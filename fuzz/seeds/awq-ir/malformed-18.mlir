
func.func @unknown_attr() attributes {a = #awq.bogus<1>} {
  return
}

