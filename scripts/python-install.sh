#!/usr/bin/env bash
# Installs the awq_mlir Python package (docs/python.md) with `pip install .`
# into $AWQ_BUILD_DIR/python-venv (a venv that also sees the system
# site-packages: NumPy, and PyTorch where there is one), reusing that build's
# libawq_jit.so (python/CMakeLists.txt, AWQ_BUILD_DIR), then imports it from
# outside the source tree: `python -m awq_mlir` prints the version and the
# GPU, or "no CUDA GPU (...)". The ctest tests python-package-{host,gpu} run
# with this venv. Needs PyPI for the build requirements (nanobind,
# scikit-build-core) on the first run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AWQ_BUILD_DIR:-$ROOT/build}"
VENV="$BUILD/python-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv --system-site-packages "$VENV"
"$VENV/bin/python" -c "import nanobind, scikit_build_core" 2>/dev/null ||
  "$VENV/bin/python" -m pip install -q "nanobind>=2.0" "scikit-build-core>=0.10"
CMAKE_BUILD_PARALLEL_LEVEL="${AWQ_JOBS:-1}" "$VENV/bin/python" -m pip install -q \
  --no-build-isolation --no-deps -C cmake.define.AWQ_BUILD_DIR="$BUILD" \
  -C build-dir="$BUILD/python-build" "$ROOT"
(cd / && "$VENV/bin/python" -m awq_mlir)
