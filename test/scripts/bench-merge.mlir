// scripts/bench-merge.py: rounds of one benchmark become one, each case
// keeping its lowest median for our kernel and for cuBLAS separately (the
// least disturbed round of each), with the ratio recomputed from those and
// the rounds' spread recorded; a case only some rounds have keeps those,
// and a time a round could not measure (-1) is left out.
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf '{"device": "Fake GPU", "timing": "graph", "cases": [{"layer": "a", "m": 64, "variant": "k1", "awq_us": 10.0, "awq_tflops": 2.0, "pct_copy_bw": 50.0, "weight_gbs": 100.0, "cublas_us": 12.0, "cublas_tflops": 1.5, "speedup": 1.2}, {"layer": "a", "m": 4096, "variant": "k2", "awq_us": 40.0, "awq_tflops": 8.0, "pct_copy_bw": 5.0, "weight_gbs": 10.0, "cublas_us": -1, "cublas_tflops": -1, "speedup": -1}]}' > %t/r1.json
// RUN: printf '{"device": "Fake GPU", "timing": "graph", "cases": [{"layer": "a", "m": 64, "variant": "k1", "awq_us": 11.0, "awq_tflops": 1.8, "pct_copy_bw": 45.0, "weight_gbs": 90.0, "cublas_us": 9.0, "cublas_tflops": 2.0, "speedup": 0.82}, {"layer": "b", "m": 1, "variant": "k3", "awq_us": 3.0, "awq_tflops": 0.1, "pct_copy_bw": 80.0, "weight_gbs": 2000.0, "cublas_us": 6.0, "cublas_tflops": 0.05, "speedup": 2.0}, {"layer": "c", "m": 1, "variant": "k4", "awq_us": -1, "awq_tflops": -1, "pct_copy_bw": -1, "weight_gbs": -1, "cublas_us": 6.0, "cublas_tflops": 0.05, "speedup": -1}]}' > %t/r2.json
// RUN: printf '{"device": "Fake GPU", "timing": "graph", "cases": [{"layer": "c", "m": 1, "variant": "k4", "awq_us": 4.0, "awq_tflops": 0.1, "pct_copy_bw": 70.0, "weight_gbs": 1500.0, "cublas_us": -1, "cublas_tflops": -1, "speedup": -1}]}' > %t/r3.json
// RUN: %python %awq_src_root/scripts/bench-merge.py %t/r1.json %t/r2.json %t/r3.json -o %t/merged.json | FileCheck %s --check-prefix=SAID
// RUN: %python -c "import json; d = json.load(open('%t/merged.json')); print(d['device'], d['rounds']); [print(c['layer'], c['m'], c['variant'], c['awq_us'], c['pct_copy_bw'], c['cublas_us'], round(c['speedup'], 3), round(c['awq_spread'], 3), c['rounds']) for c in d['cases']]" | FileCheck %s
// RUN: not %python %awq_src_root/scripts/bench-merge.py %t/r1.json %t/missing.json -o %t/never.json 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not ls %t/never.json %t/never.json.partial
// MISSING: bench-merge: {{.*}}missing.json: FileNotFoundError
// SAID: merged.json: 4 cases over 3 rounds; spread of our medians: median 0.0%, largest 10.0%
// CHECK: Fake GPU 3
// CHECK-NEXT: a 64 k1 10.0 50.0 9.0 0.9 0.1 2
// CHECK-NEXT: a 4096 k2 40.0 5.0 -1 -1 0.0 1
// CHECK-NEXT: b 1 k3 3.0 80.0 6.0 2.0 0.0 1
// A time one round could not measure (-1) counts in no minimum or spread.
// CHECK-NEXT: c 1 k4 4.0 70.0 6.0 1.5 0.0 2
