#!/usr/bin/env python3
"""Assembles every PTX module of an artifact's PTX file with ptxas.

An artifact's kernels.<arch>.ptx holds one complete PTX module per kernel,
back to back (docs/artifact-format.md); ptxas takes one module per file.
Usage: assemble_ptx_modules.py PTXAS ARCH FILE
Prints "<n> modules, <e> entries assembled for ARCH" or fails with ptxas's
message and the module's first entry.
"""
import os
import re
import subprocess
import sys
import tempfile


def split_modules(text):
    """Modules from each `.version` line on; earlier lines go with the first."""
    starts = [m.start() for m in re.finditer(r"^\.version ", text, re.M)]
    if not starts:
        return []
    starts[0] = 0
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def main():
    ptxas, arch, path = sys.argv[1:4]
    modules = split_modules(open(path).read())
    if not modules:
        sys.exit(f"{path}: no .version line: not PTX")
    entries = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, module in enumerate(modules):
            names = re.findall(r"\.entry (\w+)\(", module)
            entries += len(names)
            src = os.path.join(tmp, f"m{i}.ptx")
            with open(src, "w") as f:
                f.write(module)
            run = subprocess.run(
                [ptxas, f"-arch={arch}", src, "-o", os.path.join(tmp, f"m{i}.cubin")],
                capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"{path}: module {i + 1} ({', '.join(names) or 'no entry'}): "
                         f"ptxas failed:\n{run.stderr}")
    print(f"{len(modules)} modules, {entries} entries assembled for {arch}")


if __name__ == "__main__":
    main()
