// RUN: not awq-opt %s 2>&1 | FileCheck %s

// A file that ends inside an awq attribute: a located error, no crash.

// CHECK: malformed-truncated-attr.mlir:[[@LINE+1]]:70: error: expected '"' in string literal
func.func @f() attributes {v = #awq.variant<kernel = @k, family = "ge