// device=: the tuning table built into the compiler for that GPU and chip
// (tuning/h100-sm_90a.json, compiled in by codegen/BuiltinTuning.cpp)
// replaces the defaults for the shapes it lists; every built-in table parses
// (a malformed one would be reported as "built-in tuning table").
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a device={NVIDIA H100 80GB HBM3}" 2>&1 | FileCheck %s --check-prefix=H100
// A GPU without a table, or a chip the table was not measured for: the
// defaults (rule W3 of codegen/KernelSelection.cpp; mma.sync on sm_90).
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a device={NVIDIA H200}" | FileCheck %s --check-prefix=RULE
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90 device={NVIDIA H100 80GB HBM3}" | FileCheck %s --check-prefix=SM90
// An explicit table wins over the device's.
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf '{"device": "mine", "chip": "sm_90a", "shapes": [{"tag": "n3584_k18944_g64_f16_z", "ranges": [{"m_min": 65, "m_max": 128, "spec": "w64x64x1x8xk2"}]}]}' > %t/mine.json
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a device={NVIDIA H100 80GB HBM3} tuning=%t/mine.json" | FileCheck %s --check-prefix=FILE
// A table's ranges need not be the defaults': a range that spans parts
// of several takes its M values from them, the rest keep their kernels,
// and neighbours with the same kernel merge.
// RUN: printf '{"device": "mine", "chip": "sm_90a", "shapes": [{"tag": "n3584_k18944_g64_f16_z", "ranges": [{"m_min": 100, "m_max": 300, "spec": "w128x128x2x4xk2"}]}]}' > %t/spans.json
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a tuning=%t/spans.json" | FileCheck %s --check-prefix=SPANS
// awq-compile --device builds the tuned kernels.
// RUN: awq-compile %s --emit=mlir --arch=sm_90a --device="NVIDIA H100 80GB HBM3" | FileCheck %s --check-prefix=COMPILE

// H100-NOT: built-in tuning table
// H100: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x6xk4xt">
// H100-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x128x2x4xk4">
// H100-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w256x128x2x4xk4xt">
// H100-SAME: #awq.kernel_choice<m_min = 257, m_max = 512, spec = "w256x128x2x4xk2">
// H100-SAME: #awq.kernel_choice<m_min = 513, m_max = 2147483647, spec = "w256x128x2x6xk2xu2xt">
// RULE: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x6xk4">
// RULE-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w128x64x1x4xk4">
// SM90-NOT: spec = "w
// SM90: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "32x64x1x2x3x2x2xr">
// FILE: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x6xk4">
// FILE-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w64x64x1x8xk2">
// SPANS: #awq.kernel_choice<m_min = 65, m_max = 99, spec = "w128x64x1x4xk4">
// SPANS-SAME: #awq.kernel_choice<m_min = 100, m_max = 300, spec = "w128x128x2x4xk2">
// SPANS-SAME: #awq.kernel_choice<m_min = 301, m_max = 512, spec = "w256x128x2x4xk2">
// SPANS-SAME: #awq.kernel_choice<m_min = 513, m_max = 2147483647, spec = "w256x128x2x4xt">]
// COMPILE: @awq_gemm_n3584_k18944_g64_f16_z_wgmma_bm128_bn128_wg2_s4_k4, family = "gemm", m_min = 65, m_max = 128
func.func @down_proj(%x: tensor<?x18944xf16>, %q: tensor<3584x18944xi4>, %s: tensor<3584x296xf16>, %z: tensor<3584x296xi4>) -> tensor<?x3584xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 64 : i64}
      : tensor<?x18944xf16>, tensor<3584x18944xi4>, tensor<3584x296xf16>, zeros tensor<3584x296xi4> -> tensor<?x3584xf16>
  return %y : tensor<?x3584xf16>
}
