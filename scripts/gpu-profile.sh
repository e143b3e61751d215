#!/usr/bin/env bash
#===- scripts/gpu-profile.sh - Nsight Compute profiles, ours vs cuBLAS ----===#
#
#   scripts/gpu-profile.sh ARTIFACT:LAYER:M [...]
#
# Run ON the GPU machine, from the repository root, with .gpu/bundle.tar.xz
# (scripts/gpu-bundle.sh) carried along. For each ARTIFACT:LAYER:M (e.g.
# bench:bench.k14336_n4096:128) runs awq-bench on that one layer and M under
# Nsight Compute twice: once for our kernel (names start with "awq_"), once
# for cuBLAS's f16 GEMM of the same shape (every other kernel name: two
# launches, its GEMM and any split-K reduction), each after a few warm-up
# launches, with the full section set. Writes, per profile,
# NAME.ncu-rep, NAME.csv (ncu --page details) and NAME.raw.csv (every raw
# metric: stall reasons, pipe use), and summary.tsv, the key figures of
# every kernel profiled (scripts/ncu-summary.py, which also reads the raw
# pages once fetched), to $OUT (else the unpack dir). Environment: AWQ_NCU [ncu],
# AWQ_NCU_SET [full], AWQ_PROFILE_TIMEOUT [120] seconds per profile.
#
#===----------------------------------------------------------------------===#
set -uo pipefail
BUNDLE=.gpu/bundle.tar.xz
[ -f "$BUNDLE" ] || { echo "gpu-profile: $BUNDLE not found" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: $0 ARTIFACT:LAYER:M [...]" >&2; exit 2; }
WORK="$(mktemp -d /tmp/awq-prof.XXXXXX)"
tar -C "$WORK" -xJf "$BUNDLE" || exit 2
LOGS="${OUT:-$WORK/logs}"
mkdir -p "$LOGS"
NCU="${AWQ_NCU:-ncu}"
export AWQ_CACHE_DIR="$WORK/cubin-cache"
failed=0

# profile NAME KERNEL_REGEX KERNELS ARTIFACT LAYER M [BENCH_ARGS...]:
# KERNELS consecutive launches (cuBLAS may follow its GEMM with a split-K
# reduction kernel).
profile() {
  local name="$1" regex="$2" count="$3" artifact="$4" layer="$5" m="$6"
  shift 6
  echo "== $name"
  timeout --kill-after=10 "${AWQ_PROFILE_TIMEOUT:-120}" "$NCU" \
    --set "${AWQ_NCU_SET:-full}" -k "regex:$regex" --launch-skip 3 \
    --launch-count "$count" -f -o "$LOGS/$name" \
    "$WORK/bin/awq-bench" "$WORK/artifacts/$artifact" --layers="$layer" \
    --m="$m" --iters=50 --warmup=3 "$@" >"$LOGS/$name.log" 2>&1 ||
    { echo "gpu-profile: $name failed (log: $name.log)"; failed=1; return; }
  "$NCU" --import "$LOGS/$name.ncu-rep" --csv --page details \
    >"$LOGS/$name.csv" 2>&1 || failed=1
  "$NCU" --import "$LOGS/$name.ncu-rep" --csv --page raw \
    >"$LOGS/$name.raw.csv" 2>&1 || failed=1
}

for spec in "$@"; do
  IFS=: read -r artifact layer m <<<"$spec"
  tag="${layer##*.}-m$m"
  profile "awq-$tag" '^awq_' 1 "$artifact" "$layer" "$m" --no-cublas
  profile "cublas-$tag" '^[^a]' 2 "$artifact" "$layer" "$m"
done
# One row per profiled kernel (a cuBLAS profile may hold two).
python3 "$(dirname "$0")/ncu-summary.py" "$LOGS" | tee "$LOGS/summary.tsv"
exit "$failed"
