#!/usr/bin/env bash
# Builds awq and runs every test (lit + GoogleTest, through ctest). GPU tests
# run where a CUDA GPU exists and are reported as skipped elsewhere.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
BUILD="${AWQ_BUILD_DIR:-$ROOT/build}"
JOBS="${AWQ_JOBS:-$(nproc)}"
ninja -C "$BUILD" -j "$JOBS"
# The Python package: `pip install .` into build/python-venv (ctest's
# python-package-* tests use it).
AWQ_BUILD_DIR="$BUILD" AWQ_JOBS="$JOBS" "$ROOT/scripts/python-install.sh"
cd "$BUILD"
ctest --output-on-failure -j "$JOBS"
