
func.func @embedding_width(%t: tensor<128x64xf32>, %ids: tensor<?xi64>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'awq.embedding' op expected result dim 1 (C) to be 64, got 32}}
  %h = awq.embedding %t[%ids] : tensor<128x64xf32>, tensor<?xi64> -> tensor<?x32xf32>
  return %h : tensor<?x32xf32>
}

