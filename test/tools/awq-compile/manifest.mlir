// awq-compile writes an artifact whose manifest is complete and consistent
// with the PTX it ships (checked by an independent validator).
// RUN: rm -rf %t && awq-compile %awq_src_root/examples/llama7b-linears.mlir -o %t --arch=sm_80,sm_90
// RUN: %python %awq_src_root/test/tools/awq-compile/validate_manifest.py %t --expect-layers 3 --expect-archs sm_80,sm_90 | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t/manifest.json

// CHECK: model.layers.0.self_attn.qkv_proj n=12288 k=4096 g=128: 6 variants cover M=1..2147483647
// CHECK: model.layers.0.self_attn.o_proj n=4096 k=4096 g=128: 6 variants cover M=1..2147483647
// CHECK: model.layers.0.mlp.down_proj n=4096 k=11008 g=128: 6 variants cover M=1..2147483647
// CHECK: manifest OK

// JSON: "format": "awq-artifact"
// JSON: "sm_80": "kernels.sm_80.ptx"
// JSON: "sm_90": "kernels.sm_90.ptx"
