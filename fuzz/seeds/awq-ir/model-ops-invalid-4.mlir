
func.func @embedding_rows(%t: tensor<128x64xf32>, %ids: tensor<5xi64>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'awq.embedding' op expected result dim 0 (tokens) to be 5, got 4}}
  %h = awq.embedding %t[%ids] : tensor<128x64xf32>, tensor<5xi64> -> tensor<4x64xf32>
  return %h : tensor<4x64xf32>
}

