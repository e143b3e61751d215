// The tuner's last step and its use: scripts/tune.py picks, per shape and M
// range, the sweep candidate with the lowest time (sweep b's split-K tile
// at M = 33..64, sweep a's at 65..128; 129..256 is the same kernel in both,
// so nothing is tuned there), and awq-select-kernels tuning= puts the
// winners in place of the defaults; a malformed table is an error naming
// the file and entry.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %awq_src_root/scripts/tune.py --logs %S/Inputs/tune -o %t/table.json --margin 0 \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4" \
// RUN:   | FileCheck %s --check-prefix=SUMMARY
// RUN: FileCheck %s --check-prefix=TABLE --input-file %t/table.json
// RUN: awq-opt %s --awq-select-kernels="chip=sm_90a tuning=%t/table.json" | FileCheck %s
// RUN: not awq-opt %s --awq-select-kernels="chip=sm_90a tuning=%S/Inputs/tune/bad-spec.json" 2>&1 | FileCheck %s --check-prefix=BADSPEC
// RUN: not awq-opt %s --awq-select-kernels="chip=sm_90a tuning=%S/Inputs/tune/not-json.json" 2>&1 | FileCheck %s --check-prefix=NOTJSON
// RUN: not awq-opt %s --awq-select-kernels="chip=sm_90a tuning=%t/missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// A candidate whose GPU test failed in the run is left out: with sweep b
// gone only a is left, so nothing is tuned.
// RUN: mkdir -p %t/failed && cp %S/Inputs/tune/sweep-a.json %S/Inputs/tune/sweep-b.json %t/failed/
// RUN: printf 'sweep-a                      ok                        2s\ntest-sweep-b                 FAILED (rc 1)             3s\n' > %t/failed/summary.txt
// RUN: %python %awq_src_root/scripts/tune.py --logs %t/failed -o %t/failed.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4" \
// RUN:   2>&1 | FileCheck %s --check-prefix=FAILED
// --base: an earlier table's ranges that the new winners overlap give way
// (its 33..100 to the new 33..64 and 65..128), the others stay (257..max);
// a table of another GPU is refused.
// RUN: printf '{"device": "Fake GPU", "chip": "sm_90a", "shapes": [{"tag": "n256_k512_g128_f16_z", "ranges": [{"m_min": 33, "m_max": 100, "spec": "w64x64x1x4"}, {"m_min": 257, "m_max": 2147483647, "spec": "w128x128x2x4"}]}]}' > %t/base.json
// RUN: %python %awq_src_root/scripts/tune.py --logs %S/Inputs/tune -o %t/merged.json --margin 0 --base %t/base.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4"
// RUN: %python -c "import json; print([(r['m_min'], r['spec']) for r in json.load(open('%t/merged.json'))['shapes'][0]['ranges']])" | FileCheck %s --check-prefix=MERGED
// RUN: sed 's/Fake GPU/Other GPU/' %t/base.json > %t/other.json
// RUN: not %python %awq_src_root/scripts/tune.py --logs %S/Inputs/tune -o %t/refused.json --base %t/other.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4" \
// RUN:   2>&1 | FileCheck %s --check-prefix=OTHERGPU
// A range where the default (bench-graph.json, same run) is at least as
// fast as every candidate gets no entry, and the earlier table's entry
// there goes if its spec lost in this run (65..128: the default took
// 13.0 us, w64x64x1x8 14.0).
// RUN: mkdir -p %t/defaultwins && cp %S/Inputs/tune/sweep-a.json %S/Inputs/tune/sweep-b.json %t/defaultwins/
// RUN: %python -c "import json; d = json.load(open('%S/Inputs/tune/bench-graph.json')); d['cases'][1]['awq_us'] = 13.0; json.dump(d, open('%t/defaultwins/bench-graph.json', 'w'))"
// RUN: printf '{"device": "Fake GPU", "chip": "sm_90a", "shapes": [{"tag": "n256_k512_g128_f16_z", "ranges": [{"m_min": 65, "m_max": 128, "spec": "w64x64x1x8"}, {"m_min": 257, "m_max": 2147483647, "spec": "w128x128x2x4"}]}]}' > %t/base2.json
// RUN: %python %awq_src_root/scripts/tune.py --logs %t/defaultwins -o %t/defaultwins.json --base %t/base2.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4" \
// RUN:   | FileCheck %s --check-prefix=DEFAULTWINS
// RUN: %python -c "import json; print([(r['m_min'], r['spec']) for r in json.load(open('%t/defaultwins.json'))['shapes'][0]['ranges']])" | FileCheck %s --check-prefix=DEFAULTMERGED
// A winner must beat the default by more than the timing noise (--margin,
// 3% unless given): at 65..128 w64x64x1x8's 14.0 us against the default's
// 14.1 is not enough, so the default keeps that range.
// RUN: %python %awq_src_root/scripts/tune.py --logs %S/Inputs/tune -o %t/margin.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4" \
// RUN:   | FileCheck %s --check-prefix=MARGIN
// MARGIN: | n256_k512_g128_f16_z | 33-64 | `w64x64x1x6xk2` | 7.5 | 9.1 |
// MARGIN: | n256_k512_g128_f16_z | 65-128 | default | 14.1 | 14.1 | 10.0 | `w64x64x1x8` 14.0 |
// A range claims M only down to half its smallest M measured: a candidate
// range 2-64 timed at M = 64 alone becomes an entry for 33-64.
// RUN: %python %awq_src_root/scripts/tune.py --logs %S/Inputs/tune -o %t/claimed.json --margin 0 \
// RUN:   --sweeps "a=2-64:w64x64x1x6,65-128:w64x64x1x8;b=2-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2"
// RUN: %python -c "import json; print([(r['m_min'], r['m_max'], r['spec']) for r in json.load(open('%t/claimed.json'))['shapes'][0]['ranges']])" | FileCheck %s --check-prefix=CLAIMED
// CLAIMED: [(33, 64, 'w64x64x1x6xk2'), (65, 128, 'w64x64x1x8')]
// An earlier entry that a new range covers only in part keeps the rest:
// 2..200 under the new 33..64 and 65..128 keeps 2..32 and 129..200.
// RUN: printf '{"device": "Fake GPU", "chip": "sm_90a", "shapes": [{"tag": "n256_k512_g128_f16_z", "ranges": [{"m_min": 2, "m_max": 200, "spec": "w64x64x1x4"}]}]}' > %t/base3.json
// RUN: %python %awq_src_root/scripts/tune.py --logs %S/Inputs/tune -o %t/trimmed.json --margin 0 --base %t/base3.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4"
// RUN: %python -c "import json; print([(r['m_min'], r['m_max'], r['spec']) for r in json.load(open('%t/trimmed.json'))['shapes'][0]['ranges']])" | FileCheck %s --check-prefix=TRIMMED
// TRIMMED: [(2, 32, 'w64x64x1x4'), (33, 64, 'w64x64x1x6xk2'), (65, 128, 'w64x64x1x8'), (129, 200, 'w64x64x1x4')]
// With --base and bench-tuned-graph.json (the bench shapes compiled with
// the base table, same run), a range where the base table's kernel is at
// least as fast as the best candidate keeps the base entry: 33..64 took
// 7.0 us with the base's w64x64x1x4, the best candidate 7.5. At M = 128
// the base table has no entry, so the tuned artifact ran the default's
// kernel there: that time is not the base table's and does not count; the
// new winner claims 65..128 and trims the base's 33..100 to 33..64.
// RUN: mkdir -p %t/basewins && cp %S/Inputs/tune/sweep-a.json %S/Inputs/tune/sweep-b.json %S/Inputs/tune/bench-graph.json %t/basewins/
// RUN: %python -c "import json; d = json.load(open('%S/Inputs/tune/bench-graph.json')); d['cases'][0].update(awq_us=7.0, variant='awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s4'); d['cases'][1]['awq_us'] = 1.0; json.dump(d, open('%t/basewins/bench-tuned-graph.json', 'w'))"
// RUN: %python %awq_src_root/scripts/tune.py --logs %t/basewins -o %t/basewins.json --margin 0 --base %t/base.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4" \
// RUN:   | FileCheck %s --check-prefix=BASEWINS
// RUN: %python -c "import json; print([(r['m_min'], r['m_max'], r['spec']) for r in json.load(open('%t/basewins.json'))['shapes'][0]['ranges']])" | FileCheck %s --check-prefix=BASEMERGED
// BASEWINS: | n256_k512_g128_f16_z | 33-64 | base table | 7.0 | 9.1 | 10.0 | `w64x64x1x6xk2` 7.5 |
// BASEWINS: | n256_k512_g128_f16_z | 65-128 | `w64x64x1x8` | 14.0 | 14.1 |
// BASEMERGED: [(33, 64, 'w64x64x1x4'), (65, 128, 'w64x64x1x8'), (257, 2147483647, 'w128x128x2x4')]
// Where the default wins and the base table's kernels were slower than the
// default in this run, the base entries give way there whatever their
// spec (65..128: the base's w64x64x1x4, which no sweep built, took 20.0
// us, the default 13.0); an entry reaching outside that range keeps the
// rest (33..128 keeps 33..64, where its 7.0 us beat every candidate).
// RUN: mkdir -p %t/tunedlost && cp %t/defaultwins/*.json %t/tunedlost/
// RUN: %python -c "import json; d = json.load(open('%S/Inputs/tune/bench-graph.json')); d['cases'][1].update(awq_us=20.0, variant='awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s4'); json.dump(d, open('%t/tunedlost/bench-tuned-graph.json', 'w'))"
// RUN: sed 's/"m_min": 65, "m_max": 128, "spec": "w64x64x1x8"/"m_min": 65, "m_max": 128, "spec": "w64x64x1x4"/' %t/base2.json > %t/base4.json
// RUN: %python %awq_src_root/scripts/tune.py --logs %t/tunedlost -o %t/tunedlost-table.json --base %t/base4.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4"
// RUN: %python -c "import json; print([(r['m_min'], r['spec']) for r in json.load(open('%t/tunedlost-table.json'))['shapes'][0]['ranges']])" | FileCheck %s --check-prefix=TUNEDLOST
// TUNEDLOST: [(33, 'w64x64x1x6xk2'), (257, 'w128x128x2x4')]
// RUN: mkdir -p %t/trimlost && cp %t/defaultwins/*.json %t/trimlost/
// RUN: %python -c "import json; d = json.load(open('%S/Inputs/tune/bench-graph.json')); k = 'awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s4'; d['cases'][0].update(awq_us=7.0, variant=k); d['cases'][1].update(awq_us=20.0, variant=k); json.dump(d, open('%t/trimlost/bench-tuned-graph.json', 'w'))"
// RUN: sed 's/"m_min": 65, "m_max": 128, "spec": "w64x64x1x8"/"m_min": 33, "m_max": 128, "spec": "w64x64x1x4"/' %t/base2.json > %t/base5.json
// RUN: %python %awq_src_root/scripts/tune.py --logs %t/trimlost -o %t/trimlost.json --base %t/base5.json \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4" \
// RUN:   | FileCheck %s --check-prefix=TRIMLOST
// RUN: %python -c "import json; print([(r['m_min'], r['m_max'], r['spec']) for r in json.load(open('%t/trimlost.json'))['shapes'][0]['ranges']])" | FileCheck %s --check-prefix=TRIMMERGED
// TRIMLOST: | n256_k512_g128_f16_z | 33-64 | base table | 7.0 |
// TRIMLOST: | n256_k512_g128_f16_z | 65-128 | default | 13.0 |
// TRIMMERGED: [(33, 64, 'w64x64x1x4'), (257, 2147483647, 'w128x128x2x4')]
// A winner that is the default's own kernel (same name) is the default,
// however the two timings differ: sweep a's w64x64x1x8 at M = 128 builds
// the kernel the default rule picks there.
// RUN: mkdir -p %t/samekernel && cp %S/Inputs/tune/sweep-a.json %S/Inputs/tune/sweep-b.json %t/samekernel/
// RUN: %python -c "import json; d = json.load(open('%S/Inputs/tune/bench-graph.json')); d['cases'][1].update(awq_us=14.5, variant='awq_gemm_n256_k512_g128_f16_z_wgmma_bm64_bn64_wg1_s8'); json.dump(d, open('%t/samekernel/bench-graph.json', 'w'))"
// RUN: %python %awq_src_root/scripts/tune.py --logs %t/samekernel -o %t/samekernel.json --margin 0 \
// RUN:   --sweeps "a=2-32:s1x4x8x1x1,33-64:w64x64x1x6,65-128:w64x64x1x8,129-256:w128x64x1x6,257-max:w256x128x2x4;b=2-32:s1x4x8x1x1,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk2,129-256:w128x64x1x6,257-max:w256x128x2x4" \
// RUN:   | FileCheck %s --check-prefix=SAMEKERNEL
// SAMEKERNEL: | n256_k512_g128_f16_z | 65-128 | default | 14.5 | 14.5 | 10.0 | `w64x64x1x8` 14.0 |
// DEFAULTWINS: | n256_k512_g128_f16_z | 65-128 | default | 13.0 | 13.0 | 10.0 | `w64x64x1x8` 14.0 |
// DEFAULTMERGED: [(33, 'w64x64x1x6xk2'), (257, 'w128x128x2x4')]
// MERGED: [(33, 'w64x64x1x6xk2'), (65, 'w64x64x1x8'), (257, 'w128x128x2x4')]
// OTHERGPU: tune.py: --base {{.*}}other.json is for 'Other GPU', the sweeps ran on 'Fake GPU'

// SUMMARY: | n256_k512_g128_f16_z | 33-64 | `w64x64x1x6xk2` | 7.5 | 9.1 | 10.0 | w64x64x1x6 9.0 |
// SUMMARY: | n256_k512_g128_f16_z | 65-128 | `w64x64x1x8` | 14.0 | 14.1 | 10.0 | w64x64x1x8xk2 15.0 |
// SUMMARY-NOT: 129-256
// SUMMARY: wrote {{.*}}table.json: 1 shapes, 2 ranges (Fake GPU)
// TABLE: "device": "Fake GPU"
// TABLE: "tag": "n256_k512_g128_f16_z"
// TABLE: "spec": "w64x64x1x6xk2"
// CHECK: #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x6xk2">
// CHECK-SAME: #awq.kernel_choice<m_min = 65, m_max = 128, spec = "w64x64x1x8">
// CHECK-SAME: #awq.kernel_choice<m_min = 129, m_max = 256, spec = "w128x128x2x4">
// FAILED: tune.py: sweep b left out: test-sweep-b FAILED (rc 1) 3s
// FAILED-NOT: w64x64x1x6xk2
// FAILED: wrote {{.*}}failed.json: 0 shapes, 0 ranges
// BADSPEC: error: tuning table '{{.*}}bad-spec.json': shapes[0] (n256_k512_g128_f16_z): spec 'w64x64': expected wBMxBNxWARPGROUPSxSTAGES[xkSPLITK]
// NOTJSON: error: tuning table '{{.*}}not-json.json': malformed JSON
// MISSING: error: tuning table '{{.*}}missing.json': cannot read
func.func @narrow(%x: tensor<?x512xf16>, %q: tensor<256x512xi4>, %s: tensor<256x4xf16>, %z: tensor<256x4xi4>) -> tensor<?x256xf16> {
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
      : tensor<?x512xf16>, tensor<256x512xi4>, tensor<256x4xf16>, zeros tensor<256x4xi4> -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
