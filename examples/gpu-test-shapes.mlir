// GPU test shapes: Llama shapes and small odd-but-legal ones, every group size, dtype, symmetric/asymmetric, bias.
// Generated shapes; weights are function arguments because kernels are
// specialised on shapes only (awq-compile writes no weights for them).
func.func @t_llama_qkv_g128(%x: tensor<?x4096xf16>, %q0: tensor<6144x4096xi4>, %s0: tensor<6144x32xf16>, %z0: tensor<6144x32xi4>) -> tensor<?x6144xf16> {
  %y = awq.qlinear %x, %q0, %s0 zeros %z0 {group_size = 128 : i64, name = "t.llama_qkv_g128"}
      : tensor<?x4096xf16>, tensor<6144x4096xi4>, tensor<6144x32xf16>, zeros tensor<6144x32xi4> -> tensor<?x6144xf16>
  return %y : tensor<?x6144xf16>
}
func.func @t_llama_down_g128(%x: tensor<?x11008xf16>, %q1: tensor<4096x11008xi4>, %s1: tensor<4096x86xf16>, %z1: tensor<4096x86xi4>) -> tensor<?x4096xf16> {
  %y = awq.qlinear %x, %q1, %s1 zeros %z1 {group_size = 128 : i64, name = "t.llama_down_g128"}
      : tensor<?x11008xf16>, tensor<4096x11008xi4>, tensor<4096x86xf16>, zeros tensor<4096x86xi4> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}
func.func @t_small_g32(%x: tensor<?x256xf16>, %q2: tensor<96x256xi4>, %s2: tensor<96x8xf16>, %z2: tensor<96x8xi4>) -> tensor<?x96xf16> {
  %y = awq.qlinear %x, %q2, %s2 zeros %z2 {group_size = 32 : i64, name = "t.small_g32"}
      : tensor<?x256xf16>, tensor<96x256xi4>, tensor<96x8xf16>, zeros tensor<96x8xi4> -> tensor<?x96xf16>
  return %y : tensor<?x96xf16>
}
func.func @t_odd_n_g64(%x: tensor<?x192xf16>, %q3: tensor<40x192xi4>, %s3: tensor<40x3xf16>, %z3: tensor<40x3xi4>, %b3: tensor<40xf16>) -> tensor<?x40xf16> {
  %y = awq.qlinear %x, %q3, %s3 zeros %z3 bias %b3 {group_size = 64 : i64, name = "t.odd_n_g64"}
      : tensor<?x192xf16>, tensor<40x192xi4>, tensor<40x3xf16>, zeros tensor<40x3xi4>, bias tensor<40xf16> -> tensor<?x40xf16>
  return %y : tensor<?x40xf16>
}
func.func @t_perchannel(%x: tensor<?x512xf16>, %q4: tensor<264x512xi4>, %s4: tensor<264x1xf16>, %z4: tensor<264x1xi4>) -> tensor<?x264xf16> {
  %y = awq.qlinear %x, %q4, %s4 zeros %z4 {group_size = 512 : i64, name = "t.perchannel"}
      : tensor<?x512xf16>, tensor<264x512xi4>, tensor<264x1xf16>, zeros tensor<264x1xi4> -> tensor<?x264xf16>
  return %y : tensor<?x264xf16>
}
func.func @t_symmetric_g128(%x: tensor<?x1024xf16>, %q5: tensor<512x1024xi4>, %s5: tensor<512x8xf16>) -> tensor<?x512xf16> {
  %y = awq.qlinear %x, %q5, %s5 {group_size = 128 : i64, name = "t.symmetric_g128"}
      : tensor<?x1024xf16>, tensor<512x1024xi4>, tensor<512x8xf16> -> tensor<?x512xf16>
  return %y : tensor<?x512xf16>
}
func.func @t_bf16_g128(%x: tensor<?x2048xbf16>, %q6: tensor<520x2048xi4>, %s6: tensor<520x16xbf16>, %z6: tensor<520x16xi4>) -> tensor<?x520xbf16> {
  %y = awq.qlinear %x, %q6, %s6 zeros %z6 {group_size = 128 : i64, name = "t.bf16_g128"}
      : tensor<?x2048xbf16>, tensor<520x2048xi4>, tensor<520x16xbf16>, zeros tensor<520x16xi4> -> tensor<?x520xbf16>
  return %y : tensor<?x520xbf16>
}
func.func @t_bf16_sym_bias_g64(%x: tensor<?x640xbf16>, %q7: tensor<72x640xi4>, %s7: tensor<72x10xbf16>, %b7: tensor<72xbf16>) -> tensor<?x72xbf16> {
  %y = awq.qlinear %x, %q7, %s7 bias %b7 {group_size = 64 : i64, name = "t.bf16_sym_bias_g64"}
      : tensor<?x640xbf16>, tensor<72x640xi4>, tensor<72x10xbf16>, bias tensor<72xbf16> -> tensor<?x72xbf16>
  return %y : tensor<?x72xbf16>
}
func.func @t_k6144_bias_g128(%x: tensor<?x6144xf16>, %q8: tensor<1000x6144xi4>, %s8: tensor<1000x48xf16>, %z8: tensor<1000x48xi4>, %b8: tensor<1000xf16>) -> tensor<?x1000xf16> {
  %y = awq.qlinear %x, %q8, %s8 zeros %z8 bias %b8 {group_size = 128 : i64, name = "t.k6144_bias_g128"}
      : tensor<?x6144xf16>, tensor<1000x6144xi4>, tensor<1000x48xf16>, zeros tensor<1000x48xi4>, bias tensor<1000xf16> -> tensor<?x1000xf16>
  return %y : tensor<?x1000xf16>
}
func.func @t_wide_n_bias_g128(%x: tensor<?x1024xf16>, %q9: tensor<14344x1024xi4>, %s9: tensor<14344x8xf16>, %z9: tensor<14344x8xi4>, %b9: tensor<14344xf16>) -> tensor<?x14344xf16> {
  %y = awq.qlinear %x, %q9, %s9 zeros %z9 bias %b9 {group_size = 128 : i64, name = "t.wide_n_bias_g128"}
      : tensor<?x1024xf16>, tensor<14344x1024xi4>, tensor<14344x8xf16>, zeros tensor<14344x8xi4>, bias tensor<14344xf16> -> tensor<?x14344xf16>
  return %y : tensor<?x14344xf16>
}
