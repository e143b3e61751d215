#!/usr/bin/env bash
#===- scripts/fuzz.sh - run the libFuzzer targets -------------------------===#
#
# Builds the fuzz targets (cmake preset "sanitize": ASan + UBSan + coverage,
# in build-sanitize/) and runs each for a time or a number of executions,
# starting from its seeds (fuzz/seeds/NAME, committed) and a working corpus
# (build-sanitize/fuzz/corpus/NAME, kept between runs), with its dictionary
# (fuzz/dicts/NAME.dict) if there is one. Prints a table: target,
# executions, executions/s, corpus entries, crashes. A crash, leak or
# sanitizer report stops that target and leaves its input in
# build-sanitize/fuzz/crashes/; the script then exits non-zero.
#
#   scripts/fuzz.sh [--time S | --runs N] [--jobs J] [TARGET...]
#
# Defaults: --time 10 (the CI smoke run), every target; AWQ_FUZZ_MAX_LEN
# bounds the input size (default 65536). TARGET is a name
# below (e.g. gguf). --refresh-seeds first rewrites the seeds derived from
# the repository (fuzz/make_seeds.py; awq IR from test/dialects/awq; the
# manifests of examples/ compiled by build/bin/awq-compile).
#
#===----------------------------------------------------------------------===#
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AWQ_SANITIZE_BUILD_DIR:-$ROOT/build-sanitize}"
ALL=(safetensors shard-index hf-config gguf tokenizer-json tokenizer-gguf
     manifest awq-ir)
TIME=10 RUNS="" JOBS="${AWQ_JOBS:-$(nproc)}" REFRESH=0 TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) TIME="$2"; RUNS=""; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --refresh-seeds) REFRESH=1; shift ;;
    -h|--help) sed -n 3,19p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
  [[ " ${ALL[*]} " == *" $t "* ]] || { echo "fuzz.sh: no target '$t' (${ALL[*]})" >&2; exit 2; }
done

refresh_seeds() {
  python3 "$ROOT/fuzz/make_seeds.py" "$ROOT/fuzz/seeds"
  local ir="$ROOT/fuzz/seeds/awq-ir"
  rm -rf "$ir" && mkdir -p "$ir"
  # Each `// -----` chunk of the dialect's tests, valid and invalid alike.
  for f in "$ROOT"/test/dialects/awq/*.mlir; do
    awk -v out="$ir/$(basename "$f" .mlir)" \
      '/^\/\/ -----/ { n++; next } !/^\/\/ (RUN|CHECK|expected)/ { print > (out "-" n+0 ".mlir") }' "$f"
  done
  "$ROOT/build/bin/awq-opt" "$ROOT/test/dialects/awq/model-ops.mlir" \
    --split-input-file --emit-bytecode -o "$ir/model-ops.mlirbc" 2>/dev/null ||
    "$ROOT/build/bin/awq-opt" "$ir/model-ops-0.mlir" --emit-bytecode -o "$ir/model-ops.mlirbc"
  local man="$ROOT/fuzz/seeds/manifest" tmp
  rm -rf "$man" && mkdir -p "$man"
  tmp="$(mktemp -d)"
  "$ROOT/build/bin/awq-compile" "$ROOT/examples/gpu-test-tiles.mlir" -o "$tmp/a" \
    --arch=sm_80,sm_90a >/dev/null
  # Small seeds run faster: one layer alone, and two variants of it with
  # two of its per-arch variants.
  python3 - "$tmp/a/manifest.json" "$man" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
layer = d["layers"][0]
one = dict(d, layers=[{k: v for k, v in layer.items() if k != "arch_variants"}])
json.dump(one, open(sys.argv[2] + "/one-layer.json", "w"), separators=(",", ":"))
arch = dict(layer, variants=layer["variants"][:2])
arch["arch_variants"] = {k: v[:2] for k, v in list(layer["arch_variants"].items())[:1]}
json.dump(dict(d, layers=[arch]), open(sys.argv[2] + "/arch-variants.json", "w"),
          separators=(",", ":"))
PY
  rm -rf "$tmp"
}

[ "$REFRESH" = 1 ] && refresh_seeds

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake --preset sanitize -S "$ROOT" >/dev/null
fi
ninja -C "$BUILD" -j "$JOBS" "${TARGETS[@]/#/awq-fuzz-}"

# allow_user_poisoning=0: Debian's libLLVM/MLIR are not instrumented, and
# LLVM's BumpPtrAllocator poisons slabs from inlined (instrumented) code
# that uninstrumented code then fills: a false use-after-poison.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:allow_user_poisoning=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$BUILD/fuzz/crashes" "$BUILD/fuzz/logs"
printf '%-16s %12s %9s %8s %8s\n' target executions exec/s corpus crashes
status=0
for t in "${TARGETS[@]}"; do
  corpus="$BUILD/fuzz/corpus/$t"
  mkdir -p "$corpus"
  args=(-artifact_prefix="$BUILD/fuzz/crashes/$t-" -print_final_stats=1
        -rss_limit_mb=2048 -timeout=10 -max_len="${AWQ_FUZZ_MAX_LEN:-65536}")
  [ -f "$ROOT/fuzz/dicts/$t.dict" ] && args+=(-dict="$ROOT/fuzz/dicts/$t.dict")
  if [ -n "$RUNS" ]; then args+=(-runs="$RUNS"); else args+=(-max_total_time="$TIME"); fi
  log="$BUILD/fuzz/logs/$t.log"
  rc=0
  "$BUILD/bin/awq-fuzz-$t" "${args[@]}" "$corpus" "$ROOT/fuzz/seeds/$t" \
    >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  crashes=$(ls "$BUILD/fuzz/crashes" | grep -c "^$t-" || true)
  printf '%-16s %12s %9s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" \
    "$(ls "$corpus" | wc -l)" "$crashes"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz.sh: $t failed (rc $rc); the report is in $log:" >&2
    grep -m5 -E "ERROR|runtime error|SUMMARY" "$log" >&2 || tail -5 "$log" >&2
    status=1
  fi
done
exit "$status"
