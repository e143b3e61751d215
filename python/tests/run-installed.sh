#!/bin/sh
# ctest driver (test/unit/runtime/CMakeLists.txt): runs test_awq_mlir.py
# with the venv python that scripts/python-install.sh installed awq_mlir into,
# from / so that the installed package, not python/, is imported. No venv:
# SKIP (77).
py="$1"; mode="$2"
[ -x "$py" ] || { echo "SKIP: $py missing (scripts/python-install.sh installs the package)"; exit 77; }
cd / && exec "$py" "$(dirname "$0")/test_awq_mlir.py" --mode "$mode"
