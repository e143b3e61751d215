#!/usr/bin/env bash
#===- scripts/gpu-bundle.sh - build what the GPU machine runs -------------===#
#
# Run HERE (the build machine). Builds the GPU-side binaries with LLVM,
# libstdc++ and libgcc linked statically (the GPU machine has no LLVM 22 and
# an older toolchain), compiles the test and bench artifacts with
# awq-compile, and packs everything into .gpu/bundle.tar.xz, which travels to
# the GPU machine via `carry` and is run there by scripts/gpu-run.sh.
#
# Environment:
#   AWQ_BUILD_DIR      the normal build (awq-compile comes from here) [build]
#   AWQ_GPU_BUILD_DIR  the static GPU-side build                 [build-gpu]
#   AWQ_JOBS           ninja -j                                           [1]
#   AWQ_ARCHS          awq-compile --arch                            [sm_90a]
#   AWQ_TEST_ARCHS     --arch of the test artifact          [sm_80,AWQ_ARCHS]
#   AWQ_TEST_IR        IR of the GPU test shapes [examples/gpu-test-shapes.mlir]
#   AWQ_BENCH_IR       IR of the bench shapes     [examples/bench-shapes.mlir]
#   AWQ_HELDOUT_IR     IR of shapes no rule was fitted on
#                                     [examples/bench-shapes-heldout.mlir]
#   AWQ_TUNING         tuning table for artifacts/bench-tuned (none if empty)
#                                             [tuning/h100-sm_90a.json]
#   AWQ_BASELINE_TUNING a table pinning earlier kernels (scripts/pin-table.py):
#                      the bench and held-out shapes compiled with it into
#                      artifacts/bench-baseline, which gpu-run.sh times
#                      beside the defaults (none if empty)
#   AWQ_TILE_TEST_TILES --gemm-tiles for examples/gpu-test-tiles.mlir, the
#                      GPU test of non-default tilings (see the default below)
#   AWQ_SWEEP_IR       IR the tile sweeps compile  [AWQ_BENCH_IR]; a list of
#                      files separated by ':' is concatenated
#   AWQ_SWEEP          tile sweep: "NAME[@PATTERN]=TILES[|GEMV];..." compiles the
#                      bench IR once per entry with --gemm-tiles=TILES (none
#                      if empty) and --gemv-tile=GEMV (if given) into
#                      artifacts/sweep-NAME (only the functions whose name
#                      matches PATTERN, if given); gpu-run.sh benches each
#
#===----------------------------------------------------------------------===#
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${AWQ_BUILD_DIR:-$ROOT/build}"
GPU_BUILD="${AWQ_GPU_BUILD_DIR:-$ROOT/build-gpu}"
JOBS="${AWQ_JOBS:-1}"
ARCHS="${AWQ_ARCHS:-sm_90a}"
TEST_ARCHS="${AWQ_TEST_ARCHS:-sm_80,$ARCHS}"
TEST_IR="${AWQ_TEST_IR:-$ROOT/examples/gpu-test-shapes.mlir}"
BENCH_IR="${AWQ_BENCH_IR:-$ROOT/examples/bench-shapes.mlir}"
HELDOUT_IR="${AWQ_HELDOUT_IR:-$ROOT/examples/bench-shapes-heldout.mlir}"
TUNING="${AWQ_TUNING-$ROOT/tuning/h100-sm_90a.json}"
# Paths the default tiles of the test shapes never take: the GEMV for
# M = 2..4, register-dequantizing GEMMs whose warps' K slice spans two groups
# (g32) or straddles them (g96), the stream kernel with two n8 tiles, two
# warp groups along N and prefetch, a GEMM in dynamic shared memory; bf16.
TILE_TEST_TILES="${AWQ_TILE_TEST_TILES:-5-16:32x32x2x1x3x2x1xr,17-32:s2x2x2x2x2xp,33-256:64x32x2x1x2x2x1xr,257-max:128x128x4x2x3x2x1x1}"
WGMMA_TILE_TEST_TILES="2-16:s1x4x8x1x1xp,17-32:s2x4x4x1x1xp,33-64:w64x128x1x4,65-256:w128x128x2x4,257-max:w128x256x2x3"
# The stream kernel with weights as the MMA's A operand (the defaults take
# it only for N > 8448): one tile of x rows (scaled after the MMAs where a
# group spans 128 K), then with activations staged in shared memory: four
# warp groups along N, prefetch with two n8 tiles, two tiles of x rows.
WEIGHTS_A_TEST_TILES="2-4:s1x4x4x1x1xt,5-8:s1x4x2x1x4xtxs,9-16:s1x2x2x1x2xpxtxs,17-32:s2x4x2x1x2xpxtxs,33-64:w64x128x1x4,65-256:w128x128x2x4,257-max:w128x256x2x3"
# The warpgroup-MMA kernel with K split over clusters of 2, 8 and 4 blocks
# (examples/gpu-test-splitk.mlir: uneven K shares, N not a multiple of 4).
SPLITK_TEST_TILES="2-16:s1x4x8x1x1xp,17-32:s2x4x4x1x1xp,33-64:w64x64x1x6xk2,65-128:w64x64x1x8xk8,129-256:w128x64x1x6xk4,257-max:w128x128x2x4xk4"
# The warp-specialised wgmma kernel (a producer warpgroup copies and
# dequantizes, one or two consumers issue wgmma, mbarrier hand-over) on the
# split-K test's shapes (uneven K, N = 202, bias, bf16) and the tile-test
# shapes.
WS_TEST_TILES="2-16:s1x4x8x1x1xp,17-32:s2x4x4x1x1xp,33-64:w64x64x1x3xws,65-128:w128x64x2x4xws,129-256:w128x128x1x4xws,257-max:w256x128x2x4xws"
# The warpgroup-MMA kernel with two and four K tiles per pipeline step, alone
# and with K split over clusters of 2, on the split-K test's shapes (K tiles
# per block odd: the last step runs past the end with zero scales).
STEPS_TEST_TILES="2-16:s1x4x8x1x1xp,17-32:s2x4x4x1x1xp,33-64:w64x64x1x6xu2,65-128:w64x64x1x8xk2xu2,129-256:w64x64x1x12xu4,257-max:w128x128x2x6xk2xu2"
# The warpgroup-MMA kernel with the weights as its register A operand: one
# and two warpgroups, two m64 blocks of weight rows, K split over a cluster
# of 2, two K tiles per step, on the split-K test's shapes (N = 202, bias,
# bf16, uneven K) and the tile-test shapes (g32 and g96: a K tile's two
# chunks in different groups).
REGISTER_A_TEST_TILES="2-16:s1x4x8x1x1xp,17-32:s2x4x4x1x1xp,33-64:w64x64x1x6xt,65-128:w128x64x1x6xk2xt,129-256:w128x128x2x4xt,257-max:w64x128x1x8xu2xt"
# The same with a producer warpgroup that only copies (one and two
# consumers, setmaxnreg with two).
REGISTER_A_WS_TEST_TILES="2-16:s1x4x8x1x1xp,17-32:s2x4x4x1x1xp,33-64:w64x64x1x4xwsxt,65-128:w128x128x2x4xwsxt,129-256:w256x64x1x4xwsxt,257-max:w256x128x2x4xwsxt"
OUT_DIR="$ROOT/.gpu"
BUNDLE="$OUT_DIR/bundle.tar.xz"
GPU_TARGETS=(awq-gpu-tests awq-runtime-tests awq-bench awq-jit-gpu-tests
             awq-concurrency-gpu-tests)

step() { printf '\n== %s\n' "$*"; }

# 1. The GPU-side binaries. AWQ_STATIC_LLVM makes runtime/ link the static
#    LLVMSupport archive instead of libLLVM.so, and (top-level CMakeLists.txt)
#    replaces libLLVM.so in MLIR's imported targets by LLVM's static component
#    archives, so awq-jit-gpu-tests (which links the codegen through
#    runtime/jit) carries MLIR and LLVM's NVPTX backend inside it;
#    --as-needed drops libz3 and the other libLLVM dependencies nothing
#    references; the result needs only libc, libm, libz, libzstd (checked
#    below).
step "configure $GPU_BUILD (static LLVM, static libstdc++/libgcc)"
if [ ! -f "$GPU_BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$GPU_BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DAWQ_STATIC_LLVM=ON \
    "-DCMAKE_EXE_LINKER_FLAGS=-static-libstdc++ -static-libgcc -Wl,--as-needed -Wl,--gc-sections" \
    "-DCMAKE_SHARED_LINKER_FLAGS=-static-libstdc++ -static-libgcc -Wl,--as-needed -Wl,--gc-sections" \
    >/dev/null
fi
step "build ${GPU_TARGETS[*]}"
ninja -C "$GPU_BUILD" -j "$JOBS" "${GPU_TARGETS[@]}" awq_runtime

step "check the binaries' dependencies"
allowed='^(linux-vdso|libc\.so|libm\.so|libz\.so|libzstd\.so|(/lib64/)?ld-linux|libpthread|libdl|librt)'
for t in "${GPU_TARGETS[@]}" ../lib/libawq_runtime.so; do
  bad=$(ldd "$GPU_BUILD/bin/$t" | awk '{print $1}' | grep -Ev "$allowed" || true)
  if [ -n "$bad" ]; then
    echo "gpu-bundle: $t depends on libraries the GPU machine lacks:" >&2
    echo "$bad" >&2
    exit 1
  fi
done

# 2. Artifacts, compiled here: the GPU machine cannot build the compiler.
step "awq-compile (from $BUILD)"
ninja -C "$BUILD" -j "$JOBS" awq-compile
COMPILE="$BUILD/bin/awq-compile"
STAGE="$(mktemp -d "${TMPDIR:-/tmp}/awq-gpu-bundle.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/bin" "$STAGE/artifacts"
# The test artifact also carries sm_80 PTX, so that the H100 runs the
# sm_90a list of the manifest's arch_variants, as a fleet artifact would.
"$COMPILE" "$TEST_IR" -o "$STAGE/artifacts/test" --arch="$TEST_ARCHS"
"$COMPILE" "$BENCH_IR" -o "$STAGE/artifacts/bench" --arch="$ARCHS"
# Plain sm_90 (mma.sync at every M, no wgmma): what other GPUs run, tested
# and timed on the same device.
if [ "$ARCHS" != sm_90 ]; then
  "$COMPILE" "$TEST_IR" -o "$STAGE/artifacts/test-sm90" --arch=sm_90
  "$COMPILE" "$BENCH_IR" -o "$STAGE/artifacts/bench-sm90" --arch=sm_90
fi
# Held-out shapes (real models' linears no rule or tuning table was fitted
# on): the check that the defaults generalise. The bench shapes with the
# tuner's table for this GPU, if one is given.
"$COMPILE" "$HELDOUT_IR" -o "$STAGE/artifacts/bench-heldout" --arch="$ARCHS"
if [ -n "$TUNING" ]; then
  "$COMPILE" "$BENCH_IR" -o "$STAGE/artifacts/bench-tuned" --arch="$ARCHS" \
    --tuning="$TUNING"
fi
# A rule change against the kernels it replaced, timed in the same run.
if [ -n "${AWQ_BASELINE_TUNING:-}" ]; then
  cat "$BENCH_IR" "$HELDOUT_IR" >"$STAGE/bench-baseline.mlir"
  "$COMPILE" "$STAGE/bench-baseline.mlir" -o "$STAGE/artifacts/bench-baseline" \
    --arch="$ARCHS" --tuning="$AWQ_BASELINE_TUNING"
fi
# The same shapes with bf16 activations, scales and outputs.
sed 's/f16>/bf16>/g; s/xf16/xbf16/g; s/bench\./bench_bf16./g' "$BENCH_IR" \
  >"$STAGE/bench-bf16.mlir"
"$COMPILE" "$STAGE/bench-bf16.mlir" -o "$STAGE/artifacts/bench-bf16" --arch="$ARCHS"
"$COMPILE" "$ROOT/examples/gpu-test-tiles.mlir" -o "$STAGE/artifacts/test-tiles" \
  --arch="$ARCHS" --gemm-tiles="$TILE_TEST_TILES"
# The wgmma tiles the test shapes' defaults do not reach (two warpgroups
# with 128- and 256-wide N tiles, 64x128 with one), on the odd tile-test
# shapes.
if [ "$ARCHS" = sm_90a ]; then
  "$COMPILE" "$ROOT/examples/gpu-test-tiles.mlir" \
    -o "$STAGE/artifacts/test-tiles-wgmma" --arch=sm_90a \
    --gemm-tiles="$WGMMA_TILE_TEST_TILES"
  "$COMPILE" "$ROOT/examples/gpu-test-splitk.mlir" \
    -o "$STAGE/artifacts/test-splitk" --arch=sm_90a \
    --gemm-tiles="$SPLITK_TEST_TILES"
  "$COMPILE" "$ROOT/examples/gpu-test-splitk.mlir" \
    -o "$STAGE/artifacts/test-steps" --arch=sm_90a \
    --gemm-tiles="$STEPS_TEST_TILES"
  for ir in gpu-test-splitk gpu-test-tiles; do
    "$COMPILE" "$ROOT/examples/$ir.mlir" -o "$STAGE/artifacts/$ir-ws" \
      --arch=sm_90a --gemm-tiles="$WS_TEST_TILES"
  done
  for ir in gpu-test-shapes gpu-test-tiles; do
    "$COMPILE" "$ROOT/examples/$ir.mlir" -o "$STAGE/artifacts/$ir-weights-a" \
      --arch=sm_90a --gemm-tiles="$WEIGHTS_A_TEST_TILES"
  done
  for ir in gpu-test-splitk gpu-test-tiles; do
    "$COMPILE" "$ROOT/examples/$ir.mlir" -o "$STAGE/artifacts/$ir-register-a" \
      --arch=sm_90a --gemm-tiles="$REGISTER_A_TEST_TILES"
    "$COMPILE" "$ROOT/examples/$ir.mlir" -o "$STAGE/artifacts/$ir-register-a-ws" \
      --arch=sm_90a --gemm-tiles="$REGISTER_A_WS_TEST_TILES"
  done
fi
SWEEP_IR="$STAGE/sweep.mlir"
IFS=':' read -r -a sweep_irs <<<"${AWQ_SWEEP_IR:-$BENCH_IR}"
cat "${sweep_irs[@]}" >"$SWEEP_IR"
IFS=';' read -r -a sweeps <<<"${AWQ_SWEEP:-}"
for entry in "${sweeps[@]}"; do
  [ -n "$entry" ] || continue
  name="${entry%%=*}"
  spec="${entry#*=}"
  gemm="${spec%%|*}"
  flags=()
  [ -n "$gemm" ] && flags+=("--gemm-tiles=$gemm")
  [ "$spec" != "$gemm" ] && flags+=("--gemv-tile=${spec#*|}")
  ir="$SWEEP_IR"
  if [ "${name#*@}" != "$name" ]; then
    # NAME@PATTERN: only the bench functions whose name matches PATTERN
    # (a tiling that fits some shapes only).
    pattern="${name#*@}"
    name="${name%%@*}"
    ir="$STAGE/sweep-$name.mlir"
    awk -v p="$pattern" '/^func.func @/ { keep = ($2 ~ p) } keep' "$SWEEP_IR" >"$ir"
  fi
  "$COMPILE" "$ir" -o "$STAGE/artifacts/sweep-$name" --arch="$ARCHS" \
    "${flags[@]}"
  echo "$spec" >"$STAGE/artifacts/sweep-$name/TILES"
done
for a in "$STAGE"/artifacts/*; do
  echo "artifact $(basename "$a"): $(ls "$a" | tr '\n' ' ')"
done

# 3. Pack.
step "pack $BUNDLE"
# The C API as a shared library (the Python package and its GPU tests travel
# separately: scripts/gpu-python.sh).
mkdir -p "$STAGE/lib"
cp "$GPU_BUILD/lib/libawq_runtime.so" "$STAGE/lib/"
strip "$STAGE/lib/libawq_runtime.so"
for t in "${GPU_TARGETS[@]}"; do
  cp "$GPU_BUILD/bin/$t" "$STAGE/bin/"
  # awq-bench keeps its symbols: its crash handler prints a symbolized
  # stack (it is small; the others carry LLVM and MLIR).
  [ "$t" = awq-bench ] || strip "$STAGE/bin/$t"
done
{
  echo "commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "dirty: $(git -C "$ROOT" status --porcelain 2>/dev/null | wc -l) paths"
  echo "built: $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -n)"
  echo "archs: $ARCHS"
} >"$STAGE/BUILD-INFO"
mkdir -p "$OUT_DIR"
tar -C "$STAGE" -cJf "$BUNDLE.tmp" .
mv "$BUNDLE.tmp" "$BUNDLE"
size=$(stat -c %s "$BUNDLE")
echo "$BUNDLE: $((size / 1024)) KiB"
if [ "$size" -gt $((60 * 1024 * 1024)) ]; then
  echo "gpu-bundle: the bundle exceeds 60 MiB; carry allows 64 MiB in all" >&2
  exit 1
fi
echo "on the GPU machine: run(command='scripts/gpu-run.sh', carry=['.gpu'])"
