#!/usr/bin/env python3
"""Finds NVIDIA's ptxas, which the tests use to check that generated PTX
assembles (`REQUIRES: ptxas`). test/lit.cfg.py imports it; scripts/setup.sh
runs it and, when it finds nothing, installs PyPI's nvidia-cuda-nvcc-cu12
wheel, which ships ptxas as site-packages/nvidia/cuda_nvcc/bin/ptxas.

Looks, in order, at $AWQ_PTXAS (a path to the binary), <root>/bin/ptxas for
each CUDA toolkit root (the one CMake found, $CUDA_HOME, /usr/local/cuda),
ptxas on PATH, and the wheel installed for `python3` on PATH.

Usage: find_ptxas.py [--cuda-root DIR]... [--no-path] [--python PY]
Prints the path and exits 0, or says where it looked and exits 1.
"""
import argparse
import os
import shutil
import subprocess
import sys

WHEEL = "nvidia-cuda-nvcc-cu12"

# The wheel's package directory, asked of the interpreter pip installs
# into (lit itself may run on another one).
_WHEEL_DIR = ("import importlib.util as u; s = u.find_spec('nvidia.cuda_nvcc'); "
              "print(list(s.submodule_search_locations)[0] if s else '')")


def _is_executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def _wheel_ptxas(python):
    try:
        out = subprocess.run([python, "-c", _WHEEL_DIR], capture_output=True,
                             text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return os.path.join(out, "bin", "ptxas") if out else ""


def candidates(cuda_roots=None, use_path=True, python="python3"):
    """(where, path) pairs in the order they are tried."""
    if cuda_roots is None:
        cuda_roots = [os.environ.get("CUDA_HOME", ""), "/usr/local/cuda"]
    yield "$AWQ_PTXAS", os.environ.get("AWQ_PTXAS", "")
    for root in cuda_roots:
        if root:
            yield root, os.path.join(root, "bin", "ptxas")
    if use_path:
        yield "PATH", shutil.which("ptxas") or ""
    yield f"the {WHEEL} wheel of {python}", _wheel_ptxas(python)


def find_ptxas(cuda_roots=None, use_path=True, python="python3"):
    """The first ptxas found, or None."""
    for _, path in candidates(cuda_roots, use_path, python):
        if _is_executable(path):
            return path
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cuda-root", action="append",
                    help="CUDA toolkit root to look in (default: $CUDA_HOME, "
                         "/usr/local/cuda)")
    ap.add_argument("--no-path", action="store_true",
                    help="do not look on PATH")
    ap.add_argument("--python", default="python3",
                    help="interpreter whose site-packages may hold the wheel")
    args = ap.parse_args()
    found = find_ptxas(args.cuda_root, not args.no_path, args.python)
    if found:
        print(found)
        return 0
    places = [where for where, _ in
              candidates(args.cuda_root, not args.no_path, args.python)]
    print("ptxas not found (looked at " + ", ".join(places) + "); "
          f"scripts/setup.sh installs it from PyPI ({WHEEL})",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
