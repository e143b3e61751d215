#!/usr/bin/env bash
# The main job on the bundled example: build the tools, make a one-block
# Llama-style f16 checkpoint, quantize it with AWQ (scale + clip search on
# calibration activations) into an AutoAWQ checkpoint, fuse the linears that
# share an input, and compile kernels (PTX for sm_80, sm_90 and sm_90a) and packed
# weights into a deployable artifact: build/example/artifact.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
BUILD="${AWQ_BUILD_DIR:-$ROOT/build}"
BIN="$BUILD/bin"
WORK="$BUILD/example"
ninja -C "$BUILD" -j "${AWQ_JOBS:-$(nproc)}" awq-opt awq-compile awq-quantize

rm -rf "$WORK" && mkdir -p "$WORK"
step() { printf '\n== %s\n' "$*"; }

step "1. checkpoint: examples/make_tiny_model.py -> $WORK/tiny-model"
python3 "$ROOT/examples/make_tiny_model.py" "$WORK/tiny-model"

step "2. quantize: awq-quantize awq (4-bit, group 128) -> $WORK/tiny-awq"
"$BIN/awq-quantize" awq --model "$WORK/tiny-model" \
  --activations "$WORK/activations.safetensors" --out "$WORK/tiny-awq"

step "3. model IR: fuse q/k/v and gate/up (awq-opt --awq-fuse-linears)"
"$BIN/awq-opt" "$ROOT/examples/tiny-llama-block.mlir" --awq-fuse-linears \
  -o "$WORK/block.fused.mlir"
grep -c "awq.qlinear" "$WORK/block.fused.mlir" | sed 's/^/quantized linears after fusion: /'

step "4. compile: awq-compile --arch=sm_80,sm_90,sm_90a -> $WORK/artifact"
"$BIN/awq-compile" "$WORK/block.fused.mlir" -o "$WORK/artifact" \
  --arch=sm_80,sm_90,sm_90a --weights-dir="$WORK"
ls -l "$WORK/artifact"

if [ -x /usr/local/cuda/bin/ptxas ]; then
  step "5. ptxas accepts the PTX"
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
