#!/usr/bin/env bash
# Builds awq and runs every test (lit + GoogleTest, through ctest). GPU tests
# run where a CUDA GPU exists and are reported as skipped elsewhere.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
BUILD="${AWQ_BUILD_DIR:-$ROOT/build}"
JOBS="${AWQ_JOBS:-$(nproc)}"
ninja -C "$BUILD" -j "$JOBS"
cd "$BUILD"
ctest --output-on-failure -j "$JOBS"
