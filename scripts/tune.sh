#!/usr/bin/env bash
#===- scripts/tune.sh - the kernel tuner, in its three places -------------===#
#
#   scripts/tune.sh bundle [CANDIDATES]     here: build the bundle with one
#                                           tile-sweep artifact per candidate
#   scripts/tune.sh gpu                     on the GPU machine (carry .gpu):
#                                           time every candidate and the
#                                           defaults in CUDA graphs
#   scripts/tune.sh table LOGS OUT [CANDIDATES]
#                                           here: the winners per shape and
#                                           M range -> OUT (tuning/*.json);
#                                           AWQ_TUNE_BASE=TABLE merges them
#                                           into an earlier table
#
# CANDIDATES (default tuning/candidates-sm_90a.txt) holds the AWQ_SWEEP
# string: "NAME=TILES;..." with TILES as awq-compile --gemm-tiles takes
# them. The table is then used with awq-compile --tuning OUT.
# Environment: AWQ_TUNE_M (M values timed, default 64,128,256,1024,4096),
# AWQ_TUNE_TEST_M (M values each candidate is also tested at against the
# CPU reference, default 100,1000: the tuner only picks kernels that ran
# correctly).
#
#===----------------------------------------------------------------------===#
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEFAULT_CANDIDATES="$ROOT/tuning/candidates-sm_90a.txt"
M="${AWQ_TUNE_M:-64,128,256,1024,4096}"
case "${1:-}" in
  bundle)
    AWQ_SWEEP="$(cat "${2:-$DEFAULT_CANDIDATES}")" "$ROOT/scripts/gpu-bundle.sh" ;;
  gpu)
    AWQ_SKIP_TESTS=1 AWQ_SKIP_JIT=1 AWQ_SKIP_SANITIZER=1 AWQ_SKIP_EXTRA_BENCH=1 \
      AWQ_BENCH_ARGS="--m=$M" AWQ_GRAPH_BENCH_M="$M" AWQ_SWEEP_M="$M" \
      AWQ_SWEEP_BENCH_ARGS=--graph \
      AWQ_SWEEP_TEST_M="${AWQ_TUNE_TEST_M:-100,1000}" "$ROOT/scripts/gpu-run.sh" ;;
  table)
    [ $# -ge 3 ] || { echo "usage: $0 table LOGS OUT [CANDIDATES]" >&2; exit 2; }
    python3 "$ROOT/scripts/tune.py" --sweeps "$(cat "${4:-$DEFAULT_CANDIDATES}")" \
      --logs "$2" -o "$3" ${AWQ_TUNE_BASE:+--base "$AWQ_TUNE_BASE"} ;;
  *)
    sed -n '3,20p' "$0" >&2
    exit 2 ;;
esac
