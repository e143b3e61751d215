#!/usr/bin/env python3
"""Every tile-sweep candidate the tuner ships (tuning/candidates-*.txt,
"NAME[@PATTERN]=TILES[|GEMV];...") must be a --gemm-tiles list that
awq-select-kernels accepts for the bench shapes it is meant for
(examples/bench-shapes.mlir, only the functions matching PATTERN where
given), so that a GPU call is never spent on a sweep that fails to
compile. Prints one line per candidate; exits 1 if any is refused.

Usage: check_candidates.py AWQ_OPT SRC_ROOT
"""
import glob
import os
import re
import subprocess
import sys
import tempfile


def functions_matching(ir_text, pattern):
    """The func.func blocks of `ir_text` whose name matches `pattern` (the
    awk filter of scripts/gpu-bundle.sh)."""
    kept, keep = [], False
    for line in ir_text.splitlines(keepends=True):
        if line.startswith("func.func @"):
            keep = re.search(pattern, line.split()[1]) is not None
        if keep:
            kept.append(line)
    return "".join(kept)


def main():
    awq_opt, root = sys.argv[1], sys.argv[2]
    with open(os.path.join(root, "examples", "bench-shapes.mlir")) as f:
        bench = f.read()
    failed = 0
    for path in sorted(glob.glob(os.path.join(root, "tuning", "candidates-*.txt"))):
        with open(path) as f:
            entries = [e for e in f.read().strip().split(";") if e]
        for entry in entries:
            name, tiles = entry.split("=", 1)
            name, _, pattern = name.partition("@")
            ir = functions_matching(bench, pattern) if pattern else bench
            with tempfile.NamedTemporaryFile("w", suffix=".mlir") as tmp:
                tmp.write(ir)
                tmp.flush()
                run = subprocess.run(
                    [awq_opt, tmp.name, "--awq-select-kernels=chip=sm_90a "
                     f"gemm-tiles={tiles.split('|')[0]}"],
                    capture_output=True, text=True)
            verdict = "ok" if run.returncode == 0 else "REFUSED"
            failed += run.returncode != 0
            print(f"{os.path.basename(path)} {name}: {verdict}")
            if run.returncode:
                print("  " + run.stderr.strip().splitlines()[0])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
