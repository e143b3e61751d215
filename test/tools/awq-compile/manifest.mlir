// awq-compile writes an artifact whose manifest is complete and consistent
// with the PTX it ships (checked by an independent validator). Each arch
// gets the tiles its own shared memory allows; the first arch's list is
// each layer's "variants", another arch's goes to "arch_variants" where it
// differs (sm_90: larger tiles than sm_80's 99 KiB allow; sm_90a: wgmma).
// RUN: rm -rf %t && awq-compile %awq_src_root/examples/llama7b-linears.mlir -o %t --arch=sm_80,sm_90,sm_90a
// RUN: %python %awq_src_root/test/tools/awq-compile/validate_manifest.py %t --expect-layers 3 --expect-archs sm_80,sm_90,sm_90a | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t/manifest.json
// One arch alone: no arch_variants.
// RUN: rm -rf %t.one && awq-compile %awq_src_root/examples/llama7b-linears.mlir -o %t.one --arch=sm_90a
// RUN: FileCheck %s --check-prefix=ONE < %t.one/manifest.json

// CHECK: model.layers.0.self_attn.qkv_proj n=12288 k=4096 g=128: 6 variants, sm_90: 6, sm_90a: 8 cover M=1..2147483647
// CHECK: model.layers.0.self_attn.o_proj n=4096 k=4096 g=128: 6 variants, sm_90: 6, sm_90a: 8 cover M=1..2147483647
// CHECK: model.layers.0.mlp.down_proj n=4096 k=11008 g=128: 6 variants, sm_90: 6, sm_90a: 8 cover M=1..2147483647
// CHECK: manifest OK

// JSON: "format": "awq-artifact"
// JSON: "arch_variants": {
// JSON: "sm_90a": [
// JSON: "kernel": "awq_gemm_n12288_k4096_g128_f16_z_wgmma_bm256_bn128_wg2_s4_t"
// JSON: "sm_80": "kernels.sm_80.ptx"
// JSON-NEXT: "sm_90": "kernels.sm_90.ptx"
// JSON-NEXT: "sm_90a": "kernels.sm_90a.ptx"
// ONE-NOT: arch_variants
