
func.func @embedding_float_ids(%t: tensor<128x64xf32>, %ids: tensor<?xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'awq.embedding' op operand #1 must be rank-1 tensor}}
  %h = awq.embedding %t[%ids] : tensor<128x64xf32>, tensor<?xf32> -> tensor<?x64xf32>
  return %h : tensor<?x64xf32>
}

