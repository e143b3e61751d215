#!/usr/bin/env python3
# ===- table-summary.py - a tuning table as a markdown table ---------------===#
#
#   scripts/table-summary.py tuning/GPU.json
#
# What the tuner chose (scripts/tune.py writes the table; awq-compile
# --tuning and --device read it): per shape and M range the kernel spec,
# its time in the run that chose it, and the default's and cuBLAS's times
# where that run recorded them (docs/perf.md shows this for the shipped
# tables).
#
# ===---------------------------------------------------------------------===#
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune import MAX_M  # noqa: E402


def us(value):
    return f"{value:.1f}" if isinstance(value, (int, float)) else "—"


def rows(table):
    for shape in table["shapes"]:
        for r in shape["ranges"]:
            top = "max" if r["m_max"] == MAX_M else str(r["m_max"])
            yield (f"| {shape['tag']} | {r['m_min']}–{top} | `{r['spec']}` | "
                   f"{us(r.get('us'))} | {us(r.get('default_us'))} | "
                   f"{us(r.get('cublas_us'))} |")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: table-summary.py TABLE.json")
    try:
        with open(sys.argv[1]) as f:
            table = json.load(f)
        lines = list(rows(table))
    except (OSError, ValueError, KeyError, TypeError) as error:
        sys.exit(f"table-summary: {sys.argv[1]}: {error!r}")
    print(f"{table.get('device', '?')}, {table.get('chip', '?')}: "
          f"{len(lines)} ranges over {len(table['shapes'])} shapes\n")
    print("| shape | M | kernel | µs (its run) | default µs | cuBLAS µs |")
    print("|---|---|---|---:|---:|---:|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
