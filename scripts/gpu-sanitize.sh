#!/usr/bin/env bash
#===- scripts/gpu-sanitize.sh - compute-sanitizer over the GPU test matrix ===#
#
# Run ON the GPU machine, from the repository root, with .gpu/bundle.tar.xz
# (scripts/gpu-bundle.sh) carried along. Runs awq-gpu-tests under each of
# compute-sanitizer's memcheck, racecheck, synccheck and initcheck, on every
# test artifact of the bundle (default tiles for sm_90a and plain sm_90,
# the non-default tilings, the wgmma tilings, weights as the MMA's A
# operand: every kernel family and tiling flag the compiler has; f16 and
# bf16; ragged N, K and groups), at M values that fall inside and on the
# edges of every variant's range; then the JIT and concurrency tests under
# memcheck. racecheck runs once per layer of each artifact (its slowest
# runs did not finish whole). The runs go in parallel (the GPU is shared;
# the sanitizers are CPU-bound). Logs: $OUT/sanitizer/ (else the unpack
# dir); a summary table at the end; exit non-zero if any run reported an
# error or timed out.
#
# Environment: AWQ_SANITIZE_JOBS [12] parallel runs, AWQ_SANITIZE_TIMEOUT
# [420] seconds per run, AWQ_SANITIZE_M and AWQ_RACECHECK_M [the lists
# below],
# AWQ_SANITIZE_TOOLS [memcheck racecheck synccheck initcheck],
# AWQ_SANITIZE_ONLY (an extended regex: only the runs whose name matches it,
# e.g. to give the slowest racecheck runs a longer limit on their own),
# AWQ_RACECHECK_SLICES [3] runs per large layer (12M weights or more)
# under racecheck (named racecheck-ARTIFACT-LAYER-mIofN, which an
# AWQ_SANITIZE_ONLY pattern must match too).
#
#===----------------------------------------------------------------------===#
set -uo pipefail
BUNDLE="${1:-.gpu/bundle.tar.xz}"
[ -f "$BUNDLE" ] || { echo "gpu-sanitize: $BUNDLE not found" >&2; exit 2; }
WORK="$(mktemp -d /tmp/awq-san.XXXXXX)"
tar -C "$WORK" -xJf "$BUNDLE" || { echo "gpu-sanitize: cannot unpack" >&2; exit 2; }
LOGS="${OUT:-$WORK}/sanitizer"
mkdir -p "$LOGS"
BIN="$WORK/bin"
export AWQ_CACHE_DIR="$WORK/cubin-cache"
SAN="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
[ -x "$SAN" ] || { echo "gpu-sanitize: compute-sanitizer not found" >&2; exit 2; }
# Inside and at both edges of the default variants (GEMV 1, 2..4, 5..16,
# 17..32, 33..64, 65..128, 129..256 (rule W7), 257..512, 513.. (rule W6))
# and of the tile tests' ranges.
M_LIST="${AWQ_SANITIZE_M:-1,2,3,4,5,9,16,17,31,32,33,40,63,64,65,100,128,129,255,256,257,300,513,520}"
# racecheck looks for shared-memory hazards inside a block, which depend on
# the kernel and on a partly filled tile, not on where M sits in a range:
# one ragged M per variant (a run costs 10-100x a memcheck run).
RACECHECK_M_LIST="${AWQ_RACECHECK_M:-1,3,9,31,40,100,200,300,520}"
TOOLS=(${AWQ_SANITIZE_TOOLS:-memcheck racecheck synccheck initcheck})
JOBS="${AWQ_SANITIZE_JOBS:-12}"
LIMIT="${AWQ_SANITIZE_TIMEOUT:-420}"

{
  echo "== bundle"; cat "$WORK/BUILD-INFO"
  echo "== device"; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  echo "== compute-sanitizer"; "$SAN" --version | tail -1
  echo "== M list: $M_LIST (racecheck: $RACECHECK_M_LIST)"
} >"$LOGS/device.log" 2>&1
cat "$LOGS/device.log"

# One line per run: NAME ENV... -- COMMAND...
jobs_file="$WORK/jobs.txt"
: >"$jobs_file"

# racecheck slows the large layers' GEMMs by orders of magnitude (a whole
# artifact did not finish in 300 s): one run per layer of the manifest, so
# that each gets the full time limit and they run in parallel; the
# GpuLaunch tests in a run of their own. Layers of 12M weights or more
# (4096 x 11008 took over 260 s in session 13, 401 s in three slices in
# session 14; 14344 x 1024 would take about 150-190 s whole) split the M
# list into RACECHECK_SLICES runs (every slice-th M), so that no run holds
# the matrix up; those runs go first (sorted below).
RACECHECK_SLICES="${AWQ_RACECHECK_SLICES:-3}"
m_count=$(tr ',' '\n' <<<"$RACECHECK_M_LIST" | grep -c .)
m_slice() {
  local list="$1" slices="$2" index="$3"
  tr ',' '\n' <<<"$list" | awk -v s="$slices" -v i="$index" \
    '(NR - 1) % s == i' | paste -sd, -
}
racecheck_jobs() {
  local name="$1" artifact="$2" layer weights slices i
  local run="-- $SAN --tool racecheck --error-exitcode 1 $BIN/awq-gpu-tests"
  while read -r layer weights; do
    slices=1
    [ "$weights" -ge $((12 * 1024 * 1024)) ] && slices="$RACECHECK_SLICES"
    # No empty slice (awq-gpu-tests would take its own, longer M list).
    [ "$slices" -gt "$m_count" ] && slices="$m_count"
    for ((i = 0; i < slices; i++)); do
      local job="racecheck-$name-$layer"
      [ "$slices" -gt 1 ] && job="$job-m$((i + 1))of$slices"
      echo "$job AWQ_GPU_TEST_ARTIFACT=$artifact" \
        "AWQ_GPU_TEST_M_LIST=$(m_slice "$RACECHECK_M_LIST" "$slices" "$i")" \
        "AWQ_GPU_TEST_LAYERS=$layer $run --gtest_filter=GpuLinear.*" \
        >>"$jobs_file"
    done
  done < <(python3 -c 'import json, sys
for layer in json.load(open(sys.argv[1]))["layers"]:
    print(layer["name"], layer["n"] * layer["k"])' "$artifact/manifest.json")
  echo "racecheck-$name-launch AWQ_GPU_TEST_ARTIFACT=$artifact" \
    "AWQ_GPU_TEST_M_LIST=$RACECHECK_M_LIST $run --gtest_filter=GpuLaunch.*" >>"$jobs_file"
}
for artifact in "$WORK"/artifacts/*; do
  name="$(basename "$artifact")"
  case "$name" in bench*|sweep-*) continue ;; esac
  for tool in "${TOOLS[@]}"; do
    extra=()
    [ "$tool" = memcheck ] && extra=(--leak-check full)
    if [ "$tool" = racecheck ]; then
      racecheck_jobs "$name" "$artifact"
      continue
    fi
    echo "$tool-$name AWQ_GPU_TEST_ARTIFACT=$artifact AWQ_GPU_TEST_M_LIST=$M_LIST" \
      "-- $SAN --tool $tool ${extra[*]} --error-exitcode 1" \
      "$BIN/awq-gpu-tests --gtest_filter=GpuLinear.*:GpuLaunch.*" >>"$jobs_file"
  done
done
# The JIT tests that do not time themselves (a sanitizer slows them), and
# the concurrency test (its child process is checked too).
if [[ " ${TOOLS[*]} " == *" memcheck "* ]]; then
echo "memcheck-jit AWQ_JIT_TEST_KEEP_ENV=0 -- $SAN --tool memcheck" \
  "--error-exitcode 1 $BIN/awq-jit-gpu-tests --gtest_filter=JitGpu.*:-JitGpu.Fresh*" \
  >>"$jobs_file"
[ -x "$BIN/awq-concurrency-gpu-tests" ] && echo "memcheck-concurrency" \
  "AWQ_GPU_TEST_ARTIFACT=$WORK/artifacts/test -- $SAN --tool memcheck" \
  "--error-exitcode 1 $BIN/awq-concurrency-gpu-tests" >>"$jobs_file"
fi

# The slowest runs first (racecheck of the sliced large layers, then the
# other racecheck runs), so that they do not start last and hold up the end.
{ grep -E '^racecheck-[^ ]*-m[0-9]+of[0-9]+ ' "$jobs_file"
  grep -E '^racecheck-' "$jobs_file" | grep -vE '^racecheck-[^ ]*-m[0-9]+of[0-9]+ '
  grep -vE '^racecheck-' "$jobs_file"; } >"$jobs_file.sorted"
mv "$jobs_file.sorted" "$jobs_file"

if [ -n "${AWQ_SANITIZE_ONLY:-}" ]; then
  grep -E "^(${AWQ_SANITIZE_ONLY}) " "$jobs_file" >"$jobs_file.only" || {
    echo "gpu-sanitize: no run matches AWQ_SANITIZE_ONLY=$AWQ_SANITIZE_ONLY" >&2
    exit 2
  }
  mv "$jobs_file.only" "$jobs_file"
fi

run_one() {
  local line="$1" name envs cmd start rc verdict errors
  name="${line%% *}"
  envs="${line#* }"; envs="${envs%% -- *}"
  cmd="${line#* -- }"
  start=$SECONDS
  env $envs timeout --kill-after=10 "$LIMIT" $cmd >"$LOGS/$name.log" 2>&1
  rc=$?
  # memcheck, synccheck, initcheck: "ERROR SUMMARY: N errors";
  # racecheck: "RACECHECK SUMMARY: N hazards displayed".
  errors=$(grep -m1 -oE '(ERROR SUMMARY: [0-9]+ error|RACECHECK SUMMARY: [0-9]+ hazard)' \
    "$LOGS/$name.log" | grep -oE '[0-9]+' || echo "?")
  verdict=ok
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then verdict="TIMEOUT"
  elif [ "$rc" -ne 0 ]; then verdict="FAILED(rc=$rc)"; fi
  printf '%-44s %-14s errors=%-4s %4ds\n' "$name" "$verdict" "$errors" $((SECONDS - start))
}
export -f run_one
export LOGS LIMIT
tr '\n' '\0' <"$jobs_file" | xargs -0 -P "$JOBS" -I{} bash -c 'run_one "$@"' _ {} \
  | tee "$LOGS/summary.txt"
sort -o "$LOGS/summary.txt" "$LOGS/summary.txt"
echo "== summary"; cat "$LOGS/summary.txt"
! grep -vq ' ok ' "$LOGS/summary.txt"
