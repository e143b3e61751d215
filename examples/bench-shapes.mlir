// awq-bench shapes (K x N, group 128, f16, asymmetric): DESIGN.md's performance table,
// then two more from real models: Llama-3-8B's k/v projection (4096 x 1024: few
// N tiles) and Qwen2-7B's down projection (18944 x 3584, group 64: K large, N small).
// Generated shapes; weights are function arguments because kernels are
// specialised on shapes only (awq-compile writes no weights for them).
func.func @bench_k4096_n4096(%x: tensor<?x4096xf16>, %q0: tensor<4096x4096xi4>, %s0: tensor<4096x32xf16>, %z0: tensor<4096x32xi4>) -> tensor<?x4096xf16> {
  %y = awq.qlinear %x, %q0, %s0 zeros %z0 {group_size = 128 : i64, name = "bench.k4096_n4096"}
      : tensor<?x4096xf16>, tensor<4096x4096xi4>, tensor<4096x32xf16>, zeros tensor<4096x32xi4> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}
func.func @bench_k4096_n14336(%x: tensor<?x4096xf16>, %q1: tensor<14336x4096xi4>, %s1: tensor<14336x32xf16>, %z1: tensor<14336x32xi4>) -> tensor<?x14336xf16> {
  %y = awq.qlinear %x, %q1, %s1 zeros %z1 {group_size = 128 : i64, name = "bench.k4096_n14336"}
      : tensor<?x4096xf16>, tensor<14336x4096xi4>, tensor<14336x32xf16>, zeros tensor<14336x32xi4> -> tensor<?x14336xf16>
  return %y : tensor<?x14336xf16>
}
func.func @bench_k14336_n4096(%x: tensor<?x14336xf16>, %q2: tensor<4096x14336xi4>, %s2: tensor<4096x112xf16>, %z2: tensor<4096x112xi4>) -> tensor<?x4096xf16> {
  %y = awq.qlinear %x, %q2, %s2 zeros %z2 {group_size = 128 : i64, name = "bench.k14336_n4096"}
      : tensor<?x14336xf16>, tensor<4096x14336xi4>, tensor<4096x112xf16>, zeros tensor<4096x112xi4> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}
func.func @bench_k8192_n28672(%x: tensor<?x8192xf16>, %q3: tensor<28672x8192xi4>, %s3: tensor<28672x64xf16>, %z3: tensor<28672x64xi4>) -> tensor<?x28672xf16> {
  %y = awq.qlinear %x, %q3, %s3 zeros %z3 {group_size = 128 : i64, name = "bench.k8192_n28672"}
      : tensor<?x8192xf16>, tensor<28672x8192xi4>, tensor<28672x64xf16>, zeros tensor<28672x64xi4> -> tensor<?x28672xf16>
  return %y : tensor<?x28672xf16>
}
func.func @bench_k4096_n1024(%x: tensor<?x4096xf16>, %q4: tensor<1024x4096xi4>, %s4: tensor<1024x32xf16>, %z4: tensor<1024x32xi4>) -> tensor<?x1024xf16> {
  %y = awq.qlinear %x, %q4, %s4 zeros %z4 {group_size = 128 : i64, name = "bench.k4096_n1024"}
      : tensor<?x4096xf16>, tensor<1024x4096xi4>, tensor<1024x32xf16>, zeros tensor<1024x32xi4> -> tensor<?x1024xf16>
  return %y : tensor<?x1024xf16>
}
func.func @bench_k18944_n3584_g64(%x: tensor<?x18944xf16>, %q5: tensor<3584x18944xi4>, %s5: tensor<3584x296xf16>, %z5: tensor<3584x296xi4>) -> tensor<?x3584xf16> {
  %y = awq.qlinear %x, %q5, %s5 zeros %z5 {group_size = 64 : i64, name = "bench.k18944_n3584_g64"}
      : tensor<?x18944xf16>, tensor<3584x18944xi4>, tensor<3584x296xf16>, zeros tensor<3584x296xi4> -> tensor<?x3584xf16>
  return %y : tensor<?x3584xf16>
}
