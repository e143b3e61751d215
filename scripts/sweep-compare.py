#!/usr/bin/env python3
# ===- sweep-compare.py - tile-sweep timings side by side -----------------===#
#
#   scripts/sweep-compare.py LOGS [--sweeps "NAME NAME..."] [--layers REGEX]
#
# One markdown row per (layer, M) that the defaults were timed at in a
# gpu-run.sh log folder (LOGS/bench-graph.json and, if present,
# LOGS/bench-heldout-graph.json; else, for a sweep-only run, the sweep
# "base" of the defaults, without cuBLAS): cuBLAS, the default kernel, each tile
# sweep's time (LOGS/sweep-NAME.json, all of them unless --sweeps names
# some), and the best of them as a ratio to cuBLAS, with the default's
# ratio beside it. Rows go by M, then layer. scripts/tune.py makes the
# table the compiler reads from the same files; this is the view a person
# reads (docs/perf.md, "Session 10", comparison.md).
#
# ===---------------------------------------------------------------------===#
import argparse
import glob
import json
import os
import re
import sys


def load_cases(path):
    with open(path) as f:
        return {(c["layer"], c["m"]): c for c in json.load(f)["cases"]}


def kernel_suffix(variant):
    """The tiling part of a kernel name: after '_wgmma_', '_stream_' or the
    shape tag."""
    for family in ("_wgmma_", "_stream_"):
        if family in variant:
            return variant.split(family, 1)[1]
    return variant


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("logs", help="gpu-run.sh's log folder")
    ap.add_argument("--sweeps", help="space-separated sweep names (default: "
                    "every LOGS/sweep-*.json)")
    ap.add_argument("--layers", default="", help="only layers matching this "
                    "regular expression")
    args = ap.parse_args()

    defaults = {}
    for name in ("bench-graph.json", "bench-heldout-graph.json"):
        path = os.path.join(args.logs, name)
        if os.path.exists(path):
            defaults.update(load_cases(path))
    base_sweep = os.path.join(args.logs, "sweep-base.json")
    if not defaults and os.path.exists(base_sweep):
        # A sweep-only run: the defaults timed as sweep "base" (no cuBLAS).
        defaults = load_cases(base_sweep)
    if not defaults:
        sys.exit(f"sweep-compare.py: no bench-graph.json or sweep-base.json "
                 f"in {args.logs}")
    if args.sweeps:
        names = args.sweeps.split()
    else:
        names = sorted(os.path.basename(p)[len("sweep-"):-len(".json")]
                       for p in glob.glob(os.path.join(args.logs, "sweep-*.json")))
        names = [n for n in names if n != "base"]
    sweeps = {}
    for name in names:
        path = os.path.join(args.logs, f"sweep-{name}.json")
        if not os.path.exists(path):
            sys.exit(f"sweep-compare.py: {path} missing")
        sweeps[name] = load_cases(path)

    pattern = re.compile(args.layers)
    print("| layer | M | cuBLAS µs | default µs (kernel) | " +
          " | ".join(names) + " | best × cuBLAS (default's) |")
    print("|---|---:|---:|---|" + "---:|" * len(names) + "---|")
    for key in sorted(defaults, key=lambda k: (k[1], k[0])):
        if not pattern.search(key[0]):
            continue
        base = defaults[key]
        cublas = base.get("cublas_us")
        cublas = cublas if cublas and cublas > 0 else None
        times = [sweeps[n].get(key, {}).get("awq_us") for n in names]
        candidates = [(base["awq_us"], "default")] + [
            (t, n) for t, n in zip(times, names) if t is not None]
        best_us, best_name = min(candidates)
        cells = " | ".join(f"{t:.1f}" if t is not None else "-" for t in times)
        ratio = (f"{cublas / best_us:.2f} {best_name} "
                 f"({cublas / base['awq_us']:.2f})" if cublas else best_name)
        cublas_text = f"{cublas:.1f}" if cublas else "-"
        print(f"| {key[0]} | {key[1]} | {cublas_text} | {base['awq_us']:.1f} "
              f"({kernel_suffix(base['variant'])}) | {cells} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
