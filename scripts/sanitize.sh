#!/usr/bin/env bash
#===- scripts/sanitize.sh - the test suite under sanitizers ---------------===#
#
#   scripts/sanitize.sh address [CTEST ARGS...]
#     cmake preset "sanitize" (build-sanitize/: ASan + UBSan, every target
#     of ours), then every CPU test through ctest: lit (the tools run
#     instrumented), GoogleTest. Not run: the GPU tests (no GPU here; on the
#     GPU machine compute-sanitizer checks the kernels, scripts/gpu-sanitize.sh)
#     and the Python package tests (a pip-built extension, loaded by an
#     uninstrumented python).
#   scripts/sanitize.sh thread
#     cmake preset "tsan" (build-tsan/: ThreadSanitizer), then the host-side
#     concurrency tests: the runtime's caches (OnceCache, CubinCache: racing
#     builders and writers) and the JIT's codegen from 8 threads
#     (awq-jit-tests), and the JIT lowering a first kernel while the
#     others lower on a thread of their own (JitFirstRows).
#
#   scripts/sanitize.sh ci
#     the subset .ci/run adds after the README's test command: the unit
#     tests of formats/, tokenizer/, quantize/ and runtime/ under ASan +
#     UBSan, and a 10 s smoke run of every fuzz target (scripts/fuzz.sh).
#
# Environment: AWQ_JOBS (ninja/ctest -j, default nproc).
#
#===----------------------------------------------------------------------===#
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-address}"
shift || true
JOBS="${AWQ_JOBS:-$(nproc)}"
cd "$ROOT"
# Leaks are errors; UBSan stops at the first report.
# allow_user_poisoning=0: Debian's libLLVM/MLIR are not instrumented, and
# LLVM's BumpPtrAllocator poisons slabs from inlined (instrumented) code
# that uninstrumented code then fills: a false use-after-poison.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allow_user_poisoning=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

case "$MODE" in
  address)
    [ -f build-sanitize/build.ninja ] || cmake --preset sanitize >/dev/null
    ninja -C build-sanitize -j "$JOBS"
    ctest --test-dir build-sanitize --output-on-failure -j "$JOBS" \
      -LE gpu -E '^python-package' "$@"
    ;;
  thread)
    [ -f build-tsan/build.ninja ] || cmake --preset tsan >/dev/null
    ninja -C build-tsan -j "$JOBS" awq-runtime-tests awq-jit-tests
    export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/scripts/tsan-suppressions.txt}"
    build-tsan/bin/awq-runtime-tests --gtest_brief=1 \
      --gtest_filter='OnceCache.*:CubinCache.*'
    build-tsan/bin/awq-jit-tests --gtest_brief=1 \
      --gtest_filter='JitCompile.EightThreads*:JitFirstRows.*'
    ;;
  ci)
    # What CI affords on 2 cores next to the main suite: the MLIR-free
    # libraries' unit tests under ASan + UBSan, and every fuzz target for
    # 10 s on its seeds and dictionary.
    [ -f build-sanitize/build.ninja ] || cmake --preset sanitize >/dev/null
    ninja -C build-sanitize -j "$JOBS" AwqFormatsTests AwqTokenizerTests \
      AwqQuantizeTests awq-runtime-tests
    for t in AwqFormatsTests AwqTokenizerTests AwqQuantizeTests awq-runtime-tests; do
      build-sanitize/bin/$t --gtest_brief=1
    done
    "$ROOT/scripts/fuzz.sh" --time 10 --jobs "$JOBS"
    ;;
  *)
    echo "sanitize.sh: unknown mode '$MODE' (address, thread or ci)" >&2
    exit 2
    ;;
esac
