// awq-build end to end on a tiny Llama (f16, GQA) with a byte-level
// tokenizer: the output directory's pieces, the AutoAWQ checkpoint's layout
// against an independent oracle of AutoAWQ's save_quantized (gemm), the
// calibration's numbers against NumPy (layer 0's q/k/v scale), the
// checkpoint reloading through awq-import to the same model (logits equal
// to the quantized model IR's), and the errors that come before any long
// work (the output directory stays as it was). check_calibration.py runs on
// `python3`, which has the `tokenizers` package (scripts/setup.sh).
// REQUIRES: awq-build, awq-import, awq-run, awq-compile
// DEFINE: %{ids} = 1,5,9,17,33,64,2,100,7,7,45,90,12,3,77,120
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/make_tiny_llama.py %t/m --variant llama-gqa --dtype f16 --seed 5
// RUN: %python %S/Inputs/tiny_tokenizer.py %t/m/tokenizer.json
// RUN: awq-build %t/m --calib-text %awq_src_root/examples/data/loomings.txt --samples 4 \
// RUN:   --tokens 64 --group-size 32 --loss-sequences 2 --arch sm_80 -o %t/out 2>&1 | FileCheck %s --check-prefix=BUILD
// RUN: ls %t/out %t/out/checkpoint %t/out/artifact | FileCheck %s --check-prefix=FILES
// RUN: %python %S/Inputs/check_autoawq_layout.py %t/out/checkpoint 32 | FileCheck %s --check-prefix=LAYOUT
// RUN: python3 %S/Inputs/check_calibration.py %t/m %awq_src_root/examples/data/loomings.txt 4 64 32 \
// RUN:   %t/out/calibration.safetensors %t/out/calibration.json | FileCheck %s --check-prefix=CALIB
// RUN: FileCheck %s --check-prefix=REPORT --input-file %t/out/report.txt
// RUN: FileCheck %s --check-prefix=SVG --input-file %t/out/report.svg
// RUN: awq-import %t/out/checkpoint -o %t/reloaded.mlir
// RUN: awq-run %t/reloaded.mlir --token-ids=%{ids} --logits=%t/reloaded.bin
// RUN: awq-run %t/out/model.mlirbc --token-ids=%{ids} --logits=%t/built.bin
// RUN: %python %S/Inputs/compare_logits.py %t/reloaded.bin %t/built.bin --atol 1e-5 --vocab 128

// RUN: awq-build %t/m --method=rtn --group-size 32 --arch sm_80 -o %t/rtn > /dev/null 2>&1
// RUN: %python %S/Inputs/check_autoawq_layout.py %t/rtn/checkpoint 32 | FileCheck %s --check-prefix=LAYOUT

// Errors, each before the long work, leaving the earlier output alone.
// RUN: not awq-build %t/m --calib-text %awq_src_root/examples/data/loomings.txt --samples 1000 \
// RUN:   --group-size 32 -o %t/out 2>&1 | FileCheck %s --check-prefix=SHORT
// RUN: not awq-build %t/m --calib-text %awq_src_root/examples/data/loomings.txt --group-size 48 \
// RUN:   -o %t/out 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not awq-build %t/m --calib-text %t/missing.txt --group-size 32 -o %t/out 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MISSING
// RUN: not awq-build %t/m --group-size 32 -o %t/out 2>&1 | FileCheck %s --check-prefix=NOTEXT
// RUN: not awq-build %t/m --method=rtn --bits 3 --group-size 32 -o %t/out 2>&1 | FileCheck %s --check-prefix=BITS
// 3-bit weights with --arch=none: the quantized IR only.
// RUN: awq-build %t/m --method=rtn --bits 3 --group-size 32 --arch=none -o %t/w3 > /dev/null 2>&1
// RUN: ls %t/w3 | FileCheck %s --check-prefix=W3
// RUN: ls %t/out | FileCheck %s --check-prefix=TOP
// RUN: ls %t | FileCheck %s --check-prefix=NOPARTIAL

// BUILD: awq-build: wrote {{.+}}out
// FILES-DAG: artifact
// FILES-DAG: calibration.json
// FILES-DAG: calibration.safetensors
// FILES-DAG: checkpoint
// FILES-DAG: model.mlirbc
// FILES-DAG: report.svg
// FILES-DAG: report.txt
// FILES-DAG: config.json
// FILES-DAG: model.safetensors
// FILES-DAG: tokenizer.json
// FILES-DAG: manifest.json
// FILES-DAG: kernels.sm_80.ptx
// TOP-DAG: artifact
// TOP-DAG: checkpoint
// TOP-DAG: model.mlirbc
// LAYOUT: 49 tensors checked against AutoAWQ's GEMM layout
// LAYOUT-NEXT: PASS
// CALIB: PASS
// REPORT: layer group     ratio      rtn mse      awq mse   awq/rtn
// REPORT-NEXT: 0 qkv
// REPORT: 1 down
// SVG: <polyline
// SHORT: has {{[0-9]+}} tokens, fewer than the 1000 samples x 512 tokens requested
// GROUP: group size 48 does not divide K = 64
// MISSING: cannot read '{{.+}}missing.txt'
// NOTEXT: awq-build: error: --method=awq needs --calib-text
// NOPARTIAL-NOT: partial
// BITS: awq-build: error: no kernels or AutoAWQ checkpoint exist for 3-bit weights; pass --arch=none
// W3-NOT: checkpoint
// W3: model.mlirbc
// W3-NOT: artifact
