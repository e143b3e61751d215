#!/usr/bin/env bash
# Builds awq and runs every test (lit + GoogleTest, through ctest). GPU tests
# run where a CUDA GPU exists and are reported as skipped elsewhere; the
# last lines list every skipped check with its reason.
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
# Last, what did not run and why (no ptxas, no GPU, a missing package), so
# skipped checks are never mistaken for passed ones.
rm -f test/lit-results.xml ctest-results.xml
status=0
ctest --output-on-failure -j "$JOBS" --output-junit "$BUILD/ctest-results.xml" || status=$?
python3 "$ROOT/scripts/test-summary.py" --lit test/lit-results.xml \
  --ctest ctest-results.xml
exit "$status"
