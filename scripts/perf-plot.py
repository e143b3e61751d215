#!/usr/bin/env python3
"""Speed across M as a plot, from awq-bench --json files.

Usage: perf-plot.py BENCH.json [BENCH.json ...] -o OUT.svg [--title TEXT]

One line per layer (one line style per file): cuBLAS f16's time over ours
(> 1: we are faster) at each M, log-scaled M, with 1.0 drawn across; the
issue-15 targets (1.0x at M = 64, 0.9x at 128-256, 0.95x from 1024) are
marked. The files must hold
cuBLAS timings (awq-bench without --no-cublas). The figure is written to a
temporary file and renamed, so OUT is never half-written.
"""
import argparse
import collections
import json
import os
import sys

TARGETS = [((64, 64), 1.0), ((128, 256), 0.9), ((1024, 4096), 0.95)]


def speedups(paths):
    """(file index, layer) -> [(m, cuBLAS time / ours)], and the devices
    named."""
    lines = collections.OrderedDict()
    devices = set()
    for index, path in enumerate(paths):
        with open(path) as f:
            doc = json.load(f)
        devices.add(doc.get("device", "?"))
        for case in doc["cases"]:
            if case.get("cublas_us", -1) <= 0 or case["awq_us"] <= 0:
                continue
            lines.setdefault((index, case["layer"]), []).append(
                (case["m"], case["cublas_us"] / case["awq_us"]))
    if not lines:
        sys.exit("perf-plot.py: no case with a cuBLAS timing in " +
                 ", ".join(paths))
    return lines, devices


def draw(lines, title, output):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 5.5))
    colors = plt.cm.tab20.colors
    styles = ["-", "--", ":", "-."]
    for i, ((index, layer), points) in enumerate(lines.items()):
        points.sort()
        ax.plot([m for m, _ in points], [s for _, s in points], marker="o",
                markersize=3, linewidth=1.2, label=layer,
                color=colors[i % len(colors)],
                linestyle=styles[index % len(styles)])
    ax.axhline(1.0, color="black", linewidth=0.8)
    for (lo, hi), target in TARGETS:
        ax.hlines(target, lo * 0.9, hi * 1.1, colors="red", linewidth=2.5,
                  alpha=0.5, label="target" if lo == 64 else None)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("M (rows of x)")
    ax.set_ylabel("cuBLAS f16 time / ours (> 1: faster)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    tmp = output + ".partial"
    fig.savefig(tmp, format=os.path.splitext(output)[1][1:] or "svg")
    os.replace(tmp, output)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench", nargs="+", help="awq-bench --json files")
    ap.add_argument("-o", "--output", required=True, help="OUT.svg or .png")
    ap.add_argument("--title", default="")
    args = ap.parse_args()
    lines, devices = speedups(args.bench)
    title = args.title or "ours vs cuBLAS f16 (" + ", ".join(sorted(devices)) + ")"
    draw(lines, title, args.output)
    print(f"wrote {args.output}: {len(lines)} layers")


if __name__ == "__main__":
    main()
