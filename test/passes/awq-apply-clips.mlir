// RUN: rm -rf %t && mkdir -p %t
// Clip maxima of the one linear of Inputs/rtn-linear.mlir: row-and-group
// dependent, [24 rows, 256 / 32 groups].
// RUN: python3 %S/Inputs/make_safetensors.py %t/clips.safetensors \
// RUN:   "model.layers.0.mlp.up_proj.awq_clip=F32:24x8:fn:0.2+0.05*(i%%8)+0.01*(i//8)"
// RUN: python3 %S/Inputs/make_safetensors.py %t/w.safetensors "w=F16:24x256:fn:math.sin(i*0.37)*(1+4*(i%%29==0))"
// The same weight clamped in Python: what the quantizer must see.
// RUN: python3 %S/Inputs/make_safetensors.py %t/wc.safetensors \
// RUN:   "w=F16:24x256:fn:max(-(0.2+0.05*((i%%256)//32)+0.01*(i//256)),min(0.2+0.05*((i%%256)//32)+0.01*(i//256),math.sin(i*0.37)*(1+4*(i%%29==0))))"
// RUN: awq-opt %S/Inputs/rtn-linear.mlir --awq-apply-clips="clips-file=%t/clips.safetensors" | FileCheck %s
// RUN: awq-opt %S/Inputs/rtn-linear.mlir --awq-apply-clips="clips-file=%t/clips.safetensors" \
// RUN:   --awq-quantize-weights="group-size=32 weights-dir=%t" \
// RUN:   | python3 %S/Inputs/rtn_check.py %t/wc.safetensors w 4 32 0 | FileCheck %s --check-prefix=NUMBERS
// The file named by the module's awq.calibration attribute (as awq-calibrate
// leaves it) is the default.
// RUN: sed -e 's|^func.func|module attributes {awq.calibration = "%t/clips.safetensors"} {\nfunc.func|' -e '$a}' \
// RUN:   %S/Inputs/rtn-linear.mlir | awq-opt --awq-apply-clips | FileCheck %s
// Errors: no file; maxima that do not fit the weight.
// RUN: not awq-opt %S/Inputs/rtn-linear.mlir --awq-apply-clips 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: python3 %S/Inputs/make_safetensors.py %t/bad.safetensors "model.layers.0.mlp.up_proj.awq_clip=F32:24x7:fn:1"
// RUN: not awq-opt %S/Inputs/rtn-linear.mlir --awq-apply-clips="clips-file=%t/bad.safetensors" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD

// CHECK: %[[W:.+]] = awq.weight "w" from "w.safetensors" : tensor<24x256xf16>
// CHECK: %[[M:.+]] = awq.weight "model.layers.0.mlp.up_proj.awq_clip" from "{{.+}}clips.safetensors" : tensor<24x8xf32>
// CHECK: %[[C:.+]] = awq.clip %[[W]], %[[M]] {group_size = 32 : i64} : tensor<24x256xf16>, tensor<24x8xf32>
// CHECK: awq.linear %{{.+}}, %[[C]] {name = "model.layers.0.mlp.up_proj"}

// NUMBERS: q: 6144 values, 0 mismatches
// NUMBERS-NEXT: scales: {{[0-9]+}} values, 0 mismatches
// NUMBERS-NEXT: zeros: {{[0-9]+}} values, 0 mismatches

// NOFILE: error: awq-apply-clips: no clips file
// BAD: error: 'awq.linear' op clip maxima 'model.layers.0.mlp.up_proj.awq_clip' do not fit a [24, 256] weight: expected f32 [24, K / group size]
