// Held-out awq-bench shapes: real models' linears that neither the default
// kernel rules (codegen/KernelSelection.cpp) nor the tuner's table were fitted
// on, to check that the defaults generalise (docs/perf.md). K x N, f16,
// asymmetric: Qwen2.5-7B q/k/v fused (3584 x 4608); Qwen2.5-7B gate/up fused
// (3584 x 37888); Llama-3-70B down (28672 x 8192); Phi-3-mini down (8192 x
// 3072); Gemma-2-9B down (14336 x 3584); Llama-3.2-3B o_proj, group 64 (3072 x
// 3072).
// Weights are function arguments: kernels are specialised on shapes only.
func.func @heldout_qwen7b_qkv(%x: tensor<?x3584xf16>, %q: tensor<4608x3584xi4>, %s: tensor<4608x28xf16>, %z: tensor<4608x28xi4>) -> tensor<?x4608xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "heldout.qwen7b_qkv"}
      : tensor<?x3584xf16>, tensor<4608x3584xi4>, tensor<4608x28xf16>, zeros tensor<4608x28xi4> -> tensor<?x4608xf16>
  return %y : tensor<?x4608xf16>
}
func.func @heldout_qwen7b_gate_up(%x: tensor<?x3584xf16>, %q: tensor<37888x3584xi4>, %s: tensor<37888x28xf16>, %z: tensor<37888x28xi4>) -> tensor<?x37888xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "heldout.qwen7b_gate_up"}
      : tensor<?x3584xf16>, tensor<37888x3584xi4>, tensor<37888x28xf16>, zeros tensor<37888x28xi4> -> tensor<?x37888xf16>
  return %y : tensor<?x37888xf16>
}
func.func @heldout_llama70b_down(%x: tensor<?x28672xf16>, %q: tensor<8192x28672xi4>, %s: tensor<8192x224xf16>, %z: tensor<8192x224xi4>) -> tensor<?x8192xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "heldout.llama70b_down"}
      : tensor<?x28672xf16>, tensor<8192x28672xi4>, tensor<8192x224xf16>, zeros tensor<8192x224xi4> -> tensor<?x8192xf16>
  return %y : tensor<?x8192xf16>
}
func.func @heldout_phi3_down(%x: tensor<?x8192xf16>, %q: tensor<3072x8192xi4>, %s: tensor<3072x64xf16>, %z: tensor<3072x64xi4>) -> tensor<?x3072xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "heldout.phi3_down"}
      : tensor<?x8192xf16>, tensor<3072x8192xi4>, tensor<3072x64xf16>, zeros tensor<3072x64xi4> -> tensor<?x3072xf16>
  return %y : tensor<?x3072xf16>
}
func.func @heldout_gemma9b_down(%x: tensor<?x14336xf16>, %q: tensor<3584x14336xi4>, %s: tensor<3584x112xf16>, %z: tensor<3584x112xi4>) -> tensor<?x3584xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "heldout.gemma9b_down"}
      : tensor<?x14336xf16>, tensor<3584x14336xi4>, tensor<3584x112xf16>, zeros tensor<3584x112xi4> -> tensor<?x3584xf16>
  return %y : tensor<?x3584xf16>
}
func.func @heldout_llama3b_o(%x: tensor<?x3072xf16>, %q: tensor<3072x3072xi4>, %s: tensor<3072x48xf16>, %z: tensor<3072x48xi4>) -> tensor<?x3072xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 64 : i64, name = "heldout.llama3b_o"}
      : tensor<?x3072xf16>, tensor<3072x3072xi4>, tensor<3072x48xf16>, zeros tensor<3072x48xi4> -> tensor<?x3072xf16>
  return %y : tensor<?x3072xf16>
}
