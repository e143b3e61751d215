// scripts/perf-plot.py draws speed across M from awq-bench --json files: an
// SVG with one line per layer; a file without cuBLAS timings is an error
// that names it, and leaves no figure behind.
// REQUIRES: matplotlib
// RUN: rm -rf %t && mkdir -p %t
// RUN: python3 %awq_src_root/scripts/perf-plot.py %S/Inputs/tune/bench-graph.json -o %t/speed.svg | FileCheck %s
// RUN: FileCheck %s --check-prefix=SVG < %t/speed.svg
// RUN: python3 -c "import json; d = json.load(open('%S/Inputs/tune/bench-graph.json')); [c.update(cublas_us=-1) for c in d['cases']]; json.dump(d, open('%t/no-cublas.json', 'w'))"
// RUN: not python3 %awq_src_root/scripts/perf-plot.py %t/no-cublas.json -o %t/none.svg 2>&1 | FileCheck %s --check-prefix=NOCUBLAS
// RUN: not test -e %t/none.svg
// CHECK: wrote {{.*}}speed.svg: 1 layers
// SVG: <svg
// SVG: t.narrow
// NOCUBLAS: perf-plot.py: no case with a cuBLAS timing in {{.*}}no-cublas.json
