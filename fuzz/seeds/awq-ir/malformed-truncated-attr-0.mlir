
// A file that ends inside an awq attribute: a located error, no crash.

func.func @f() attributes {v = #awq.variant<kernel = @k, family = "ge
