// scripts/table-summary.py: a tuning table as markdown, one row per shape
// and M range (times the table did not record show as a dash); an
// unreadable table is a one-line error naming it.
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf '{"device": "Fake GPU", "chip": "sm_90a", "shapes": [{"tag": "n256_k512_g128_f16_z", "ranges": [{"m_min": 33, "m_max": 64, "spec": "w64x64x1x6xk2", "us": 7.5, "default_us": 9.12, "cublas_us": 10.0}, {"m_min": 513, "m_max": 2147483647, "spec": "w256x128x2x4xt", "us": 40.0}]}]}' > %t/table.json
// RUN: %python %awq_src_root/scripts/table-summary.py %t/table.json | FileCheck %s
// RUN: not %python %awq_src_root/scripts/table-summary.py %t/missing.json 2>&1 | FileCheck %s --check-prefix=MISSING
// CHECK: Fake GPU, sm_90a: 2 ranges over 1 shapes
// CHECK: | shape | M | kernel | µs (its run) | default µs | cuBLAS µs |
// CHECK: | n256_k512_g128_f16_z | 33–64 | `w64x64x1x6xk2` | 7.5 | 9.1 | 10.0 |
// CHECK-NEXT: | n256_k512_g128_f16_z | 513–max | `w256x128x2x4xt` | 40.0 | — | — |
// MISSING: table-summary: {{.*}}missing.json: FileNotFoundError
