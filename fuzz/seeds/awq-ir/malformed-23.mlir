
func.func @storage_attr_empty() attributes {a = #awq.storage<>} {
  return
}
