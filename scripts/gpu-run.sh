#!/usr/bin/env bash
#===- scripts/gpu-run.sh - run the GPU tests and the benchmark ------------===#
#
# Run ON the GPU machine, from the repository root, with .gpu/bundle.tar.xz
# (scripts/gpu-bundle.sh) carried along. Unpacks to /tmp, runs in order:
#   1. awq-runtime-tests     host-side unit tests (sanity of the bundle)
#   2. awq-gpu-tests         every test layer at every M vs the f64 reference,
#                            on the default tiles and on the non-default
#                            tilings of artifacts/test-tiles; the bench,
#                            held-out and tuned artifacts' kernels at one
#                            M per range
#   3. awq-jit-gpu-tests     in-process JIT: fresh shapes compiled, checked,
#                            compile and cache-hit times reported;
#                            awq-concurrency-gpu-tests: 8 threads, 4 streams,
#                            two processes (ConcurrencyGpuTest.cpp)
#   4. compute-sanitizer     memcheck, then racecheck, on a subset (the whole
#                            matrix with all four tools: gpu-sanitize.sh)
#   5. awq-bench             awq vs cuBLAS f16 vs copy bandwidth, event-timed,
#                            host-paced, in a CUDA graph and in a graph with
#                            programmatic launch (and the bf16 shapes against
#                            cuBLAS bf16, plain sm_90); then each
#                            tile sweep artifact (gpu-bundle.sh AWQ_SWEEP)
#                            without cuBLAS at the M values AWQ_SWEEP_M
# Logs (and bench.json, gtest XML) go to $OUT if set, else to the unpack dir.
# Exits non-zero if any step failed; later steps still run.
#
# The default time limits are per step; the whole run takes 3-4 minutes on
# an H100 (the device tool allows 600 s per command). Environment: AWQ_GPU_TEST_SEED (reproduce a run),
# AWQ_GPU_TESTS_TIMEOUT [200], AWQ_JIT_TESTS_TIMEOUT [60],
# AWQ_MEMCHECK_TIMEOUT [90], AWQ_RACECHECK_TIMEOUT [60],
# AWQ_BENCH_TIMEOUT [130] (seconds),
# AWQ_SKIP_SANITIZER=1, AWQ_SKIP_JIT=1, AWQ_SKIP_BENCH=1,
# AWQ_SKIP_EXTRA_BENCH=1 (only the event-timed and graph benches of the
# main artifact, and the sweeps), AWQ_BENCH_ARGS
# (extra arguments), AWQ_SKIP_TESTS=1 (no GPU tests of the main artifacts,
# no sanitizer runs on them) and AWQ_SKIP_MAIN_BENCH=1 (only the sweep
# benches): with AWQ_SKIP_JIT=1, a tile sweep runs the unit tests, the
# sweeps and their AWQ_SWEEP_TEST_M tests,
# AWQ_GRAPH_BENCH_M [1,2,4,8,16,64,4096], AWQ_BENCH_REPEAT [1] (rounds of
# the graph benches, artifacts in turn; each case keeps its lowest median,
# scripts/bench-merge.py),
# AWQ_SWEEP_ONLY (space-separated sweep names: time only those),
# AWQ_SWEEP_M [4,16,64,256,4096], AWQ_SWEEP_BENCH_ARGS (e.g. --graph), AWQ_SWEEP_TEST_M (also
# test each sweep artifact against the CPU reference at these M),
# AWQ_BF16_BENCH_M [1,16,64,256,4096].
#
#===----------------------------------------------------------------------===#
set -uo pipefail
BUNDLE="${1:-.gpu/bundle.tar.xz}"
SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -f "$BUNDLE" ]; then
  echo "gpu-run: $BUNDLE not found (run scripts/gpu-bundle.sh and carry .gpu)" >&2
  exit 2
fi
WORK="$(mktemp -d /tmp/awq-gpu.XXXXXX)"
tar -C "$WORK" -xJf "$BUNDLE" || { echo "gpu-run: cannot unpack $BUNDLE" >&2; exit 2; }
LOGS="${OUT:-$WORK/logs}"
mkdir -p "$LOGS"
BIN="$WORK/bin"
TEST_ARTIFACT="$WORK/artifacts/test"
BENCH_ARTIFACT="$WORK/artifacts/bench"
# A fresh cubin cache: the first load JITs, later loads must hit it.
export AWQ_CACHE_DIR="$WORK/cubin-cache"
SUMMARY="$LOGS/summary.txt"
: >"$SUMMARY"
failed=0

# run NAME TIMEOUT CMD...: tees output to $LOGS/NAME.log and records rc.
# rc 77 means "every test skipped" and counts as a failure here: this
# script only runs where a GPU is supposed to be.
run() {
  local name="$1" limit="$2"
  shift 2
  printf '\n== %s: %s\n' "$name" "$*" | tee -a "$LOGS/$name.log"
  local start=$SECONDS
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  local verdict=ok
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then verdict="TIMEOUT after ${limit}s"
  elif [ "$rc" -eq 77 ]; then verdict="ALL SKIPPED"
  elif [ "$rc" -ne 0 ]; then verdict="FAILED (rc $rc)"; fi
  [ "$verdict" = ok ] || failed=1
  printf '%-28s %-22s %4ds\n' "$name" "$verdict" $((SECONDS - start)) | tee -a "$SUMMARY"
}

# awq-gpu-tests on the bundle's artifact DIR, if it has one, at the M values
# M_LIST (the test's own list if empty): test_artifact NAME DIR M_LIST LIMIT.
test_artifact() {
  local name="$1" dir="$WORK/artifacts/$2" m_list="$3" limit="$4"
  [ -d "$dir" ] || return 0
  local -x AWQ_GPU_TEST_ARTIFACT="$dir"
  [ -z "$m_list" ] || local -x AWQ_GPU_TEST_M_LIST="$m_list"
  run "$name" "$limit" "$BIN/awq-gpu-tests" --gtest_filter='GpuLinear.*' \
    --gtest_output="xml:$LOGS/$name.xml"
}

# awq-gpu-tests under each compute-sanitizer TOOL (runs named TOOL-SUFFIX) on
# the bundle's artifact DIR, if it has one, at the M values M_LIST, on the
# layers LAYERS (all if empty):
# sanitize_artifact SUFFIX DIR M_LIST LAYERS LIMIT TOOL...
sanitize_artifact() {
  local suffix="$1" dir="$WORK/artifacts/$2" limit="$5" tool
  local -x AWQ_GPU_TEST_ARTIFACT="$dir" AWQ_GPU_TEST_M_LIST="$3"
  [ -z "$4" ] || local -x AWQ_GPU_TEST_LAYERS="$4"
  shift 5
  [ -d "$dir" ] || return 0
  for tool in "$@"; do
    run "$tool-$suffix" "$limit" "$SAN" --tool "$tool" --error-exitcode 1 \
      "$BIN/awq-gpu-tests" --gtest_filter='GpuLinear.*'
  done
}

{
  echo "== bundle"; cat "$WORK/BUILD-INFO" 2>/dev/null
  echo "== nvidia-smi -L"; nvidia-smi -L 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
} | tee "$LOGS/device.log"

run unit-tests 30 "$BIN/awq-runtime-tests" --gtest_brief=1

# AWQ_SKIP_TESTS=1 (tile sweeps): no tests of the main artifacts.
if [ "${AWQ_SKIP_TESTS:-0}" != 1 ]; then
AWQ_GPU_TEST_ARTIFACT="$TEST_ARTIFACT" \
  run gpu-tests "${AWQ_GPU_TESTS_TIMEOUT:-200}" "$BIN/awq-gpu-tests" \
  --gtest_output="xml:$LOGS/gpu-tests.xml"

if [ -d "$WORK/artifacts/test-sm90" ]; then
  AWQ_GPU_TEST_ARTIFACT="$WORK/artifacts/test-sm90" \
    run gpu-tests-sm90 "${AWQ_GPU_TESTS_TIMEOUT:-200}" "$BIN/awq-gpu-tests" \
    --gtest_filter='GpuLinear.*' --gtest_output="xml:$LOGS/gpu-tests-sm90.xml"
fi

test_artifact gpu-tests-tiles test-tiles "" 60
test_artifact gpu-tests-tiles-wgmma test-tiles-wgmma "" 60
# The warpgroup-MMA kernel with K split over a cluster, and the
# warp-specialised one, M = 33 and up.
WGMMA_M="33,40,64,65,100,128,129,200,256,257,300,1000"
test_artifact gpu-tests-splitk test-splitk "$WGMMA_M" 90
test_artifact gpu-tests-steps test-steps "$WGMMA_M" 90
for ir in gpu-test-splitk gpu-test-tiles; do
  test_artifact "$ir-ws" "$ir-ws" "$WGMMA_M" 90
done
# The warpgroup-MMA kernel with the weights as its register A operand.
for ir in gpu-test-splitk gpu-test-tiles; do
  test_artifact "$ir-register-a" "$ir-register-a" "$WGMMA_M" 90
  test_artifact "$ir-register-a-ws" "$ir-register-a-ws" "$WGMMA_M" 90
done
# The stream kernel with weights as the MMA's A operand, M = 2..32.
for ir in gpu-test-shapes gpu-test-tiles; do
  test_artifact "$ir-weights-a" "$ir-weights-a" "2,3,7,8,9,15,16,17,31,32" 60
done
# Every kernel the benches time, on the real models' shapes: the defaults
# (bench shapes and held-out ones, whose rules no test shape may reach,
# e.g. W7 from N = 14336) and the tuning table's, one ragged M in each
# default range (random weights; awq-gpu-tests samples the rows of the
# large layers).
BENCH_TEST_M="1,9,24,48,100,200,300,600,1500,3000"
for artifact in bench bench-heldout bench-tuned; do
  test_artifact "gpu-tests-$artifact" "$artifact" "$BENCH_TEST_M" 150
done
fi

# Sets CUDA_CACHE_DISABLE=1 and a fresh private AWQ_CACHE_DIR itself, so
# that the first compile it times is a real one.
if [ "${AWQ_SKIP_JIT:-0}" != 1 ]; then
  run jit-gpu-tests "${AWQ_JIT_TESTS_TIMEOUT:-60}" "$BIN/awq-jit-gpu-tests" \
    --gtest_output="xml:$LOGS/jit-gpu-tests.xml"
fi

# The runtime and JIT from 8 threads on 4 streams, and two processes on one
# empty disk cache (issue 16); it also loads the test artifact meanwhile.
if [ "${AWQ_SKIP_JIT:-0}" != 1 ] && [ -x "$BIN/awq-concurrency-gpu-tests" ]; then
  AWQ_GPU_TEST_ARTIFACT="$TEST_ARTIFACT" run concurrency-gpu-tests 120 \
    "$BIN/awq-concurrency-gpu-tests" --gtest_output="xml:$LOGS/concurrency-gpu-tests.xml"
fi

# The Python package (awq_mlir, PyTorch op, AwqLinear) has its own GPU run:
# scripts/gpu-python.sh.

if [ "${AWQ_SKIP_SANITIZER:-0}" != 1 ]; then
  if command -v compute-sanitizer >/dev/null 2>&1; then
    SAN=compute-sanitizer
  elif [ -x /usr/local/cuda/bin/compute-sanitizer ]; then
    SAN=/usr/local/cuda/bin/compute-sanitizer
  else
    SAN=""
    echo "compute-sanitizer: not found" | tee -a "$SUMMARY"
    failed=1
  fi
  if [ -n "$SAN" ] && [ "${AWQ_SKIP_TESTS:-0}" != 1 ]; then
    # Small layers (one per dtype / zeros / bias combination) at M values
    # that hit every variant boundary of a typical GEMV/GEMM split.
    SUBSET="t.small_g32,t.odd_n_g64,t.symmetric_g128,t.bf16_sym_bias_g64"
    AWQ_GPU_TEST_ARTIFACT="$TEST_ARTIFACT" AWQ_GPU_TEST_LAYERS="$SUBSET" \
      AWQ_GPU_TEST_M_LIST="1,8,9,17,100,300" \
      run memcheck "${AWQ_MEMCHECK_TIMEOUT:-90}" \
      "$SAN" --tool memcheck --error-exitcode 1 --leak-check full \
      "$BIN/awq-gpu-tests" --gtest_filter='GpuLinear.*:GpuLaunch.*'
    AWQ_GPU_TEST_ARTIFACT="$TEST_ARTIFACT" AWQ_GPU_TEST_LAYERS="t.small_g32,t.bf16_sym_bias_g64" \
      AWQ_GPU_TEST_M_LIST="1,17,100,300" \
      run racecheck "${AWQ_RACECHECK_TIMEOUT:-60}" \
      "$SAN" --tool racecheck --error-exitcode 1 \
      "$BIN/awq-gpu-tests" --gtest_filter='GpuLinear.*'
    sanitize_artifact tiles test-tiles "2,17" "" 60 racecheck
    sanitize_artifact tiles-wgmma test-tiles-wgmma "40,100,300" "" 60 memcheck
    SPLITK_LAYERS="sk.g64_bias,sk.g64_k2752"
    sanitize_artifact splitk test-splitk "40,100,200,300" "$SPLITK_LAYERS" 90 \
      memcheck racecheck synccheck
    sanitize_artifact ws gpu-test-splitk-ws "40,100,200,300" "$SPLITK_LAYERS" 90 \
      memcheck racecheck synccheck
    sanitize_artifact weights-a gpu-test-tiles-weights-a "2,9,17" "" 60 \
      memcheck racecheck
  fi
fi

if [ "${AWQ_SKIP_BENCH:-0}" != 1 ]; then
  if [ "${AWQ_SKIP_MAIN_BENCH:-0}" != 1 ]; then
  # The driver's own JIT cache would hide the PTX -> SASS time.
  CUDA_CACHE_DISABLE=1 run bench "${AWQ_BENCH_TIMEOUT:-130}" \
    "$BIN/awq-bench" "$BENCH_ARTIFACT" --json="$LOGS/bench.json" ${AWQ_BENCH_ARGS:-}
  if [ "${AWQ_SKIP_EXTRA_BENCH:-0}" != 1 ]; then
  # The previous timing method, for comparison: each interval may include
  # the host's launch latency.
  CUDA_CACHE_DISABLE=1 run bench-host-paced 60 "$BIN/awq-bench" "$BENCH_ARTIFACT" \
    --host-paced --m=1,16,4096 --json="$LOGS/bench-host-paced.json"
  fi
  # Launches captured in a CUDA graph, as serving stacks run decode steps
  # (the issues' timing): the bench shapes, the defaults on shapes no rule
  # was fitted on, and the bench shapes with the tuner's table
  # (gpu-bundle.sh), and the kernels of an earlier session pinned by a
  # table (AWQ_BASELINE_TUNING) for a rule change's before and after.
  # With AWQ_BENCH_REPEAT rounds, the artifacts take turns within each,
  # so that a drift of the clocks over the run reaches them alike.
  graph_artifacts=()
  for artifact in bench bench-heldout bench-tuned bench-baseline; do
    # Only the optional artifacts may be missing.
    [ "$artifact" = bench ] || [ -d "$WORK/artifacts/$artifact" ] || continue
    graph_artifacts+=("$artifact")
  done
  rounds="${AWQ_BENCH_REPEAT:-1}"
  if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
    echo "AWQ_BENCH_REPEAT=$rounds: expected a whole number from 1; timing one round" |
      tee -a "$SUMMARY"
    rounds=1
  fi
  for ((round = 1; round <= rounds; round++)); do
    for artifact in "${graph_artifacts[@]}"; do
      name="$artifact-graph"
      [ "$rounds" -eq 1 ] || name="$artifact-graph.r$round"
      CUDA_CACHE_DISABLE=1 run "$name" "${AWQ_GRAPH_BENCH_TIMEOUT:-90}" \
        "$BIN/awq-bench" "$WORK/artifacts/$artifact" \
        --graph --m="${AWQ_GRAPH_BENCH_M:-1,2,4,8,16,64,4096}" \
        --json="$LOGS/$name.json"
    done
  done
  if [ "$rounds" -gt 1 ]; then
    for artifact in "${graph_artifacts[@]}"; do
      # This run's rounds only (a reused log folder may hold older ones).
      round_files=()
      for ((round = 1; round <= rounds; round++)); do
        file="$LOGS/$artifact-graph.r$round.json"
        [ -f "$file" ] && round_files+=("$file")
      done
      if [ "${#round_files[@]}" -eq 0 ]; then
        echo "$artifact-graph: no round wrote its JSON; nothing to merge" | tee -a "$SUMMARY"
        continue
      fi
      run "$artifact-graph-merge" 30 python3 "$SCRIPTS/bench-merge.py" \
        "${round_files[@]}" -o "$LOGS/$artifact-graph.json"
    done
  fi
  if [ "${AWQ_SKIP_EXTRA_BENCH:-0}" != 1 ]; then
  # The same with our kernels under programmatic dependent launch.
  CUDA_CACHE_DISABLE=1 run bench-graph-pdl 90 "$BIN/awq-bench" "$BENCH_ARTIFACT" \
    --graph --pdl --m="${AWQ_GRAPH_BENCH_M:-1,2,4,8,16,64,4096}" \
    --json="$LOGS/bench-graph-pdl.json"
  if [ -d "$WORK/artifacts/bench-bf16" ]; then
    CUDA_CACHE_DISABLE=1 run bench-bf16 60 "$BIN/awq-bench" \
      "$WORK/artifacts/bench-bf16" --m="${AWQ_BF16_BENCH_M:-1,16,64,256,4096}" \
      --json="$LOGS/bench-bf16.json"
  fi
  if [ -d "$WORK/artifacts/bench-sm90" ]; then
    CUDA_CACHE_DISABLE=1 run bench-sm90 60 "$BIN/awq-bench" \
      "$WORK/artifacts/bench-sm90" --m="${AWQ_SM90_BENCH_M:-64,256,1024,4096}" \
      --json="$LOGS/bench-sm90.json"
  fi
  fi
  fi
  for sweep in "$WORK"/artifacts/sweep-*; do
    [ -d "$sweep" ] || continue
    name="$(basename "$sweep")"
    if [ -n "${AWQ_SWEEP_ONLY:-}" ] &&
      [[ " $AWQ_SWEEP_ONLY " != *" ${name#sweep-} "* ]]; then
      continue
    fi
    echo "== $name: $(cat "$sweep/TILES")" | tee -a "$SUMMARY"
    run "$name" 60 "$BIN/awq-bench" "$sweep" --no-cublas \
      --m="${AWQ_SWEEP_M:-4,16,64,256,4096}" --json="$LOGS/$name.json" \
      ${AWQ_SWEEP_BENCH_ARGS:-}
    if [ -n "${AWQ_SWEEP_TEST_M:-}" ]; then
      # The swept kernels against the CPU reference too (random weights).
      AWQ_GPU_TEST_ARTIFACT="$sweep" AWQ_GPU_TEST_M_LIST="$AWQ_SWEEP_TEST_M" \
        run "test-$name" 120 "$BIN/awq-gpu-tests" --gtest_filter='GpuLinear.*'
    fi
  done
fi

printf '\n== summary (logs in %s)\n' "$LOGS"
cat "$SUMMARY"
exit $failed
