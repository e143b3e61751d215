#!/usr/bin/env python3
# ===- pin-table.py - the kernels a benchmark ran -> a tuning table --------===#
#
#   scripts/pin-table.py BENCH.json... --ranges 33-64,65-128 -o TABLE.json
#
# Pins the kernels that awq-bench timed (its --json output, e.g. the
# defaults of an earlier session's docs/gpu-runs/*/bench-graph.json) as a
# tuning table for the given M ranges, each range taking the kernel timed
# at an M inside it. Compiling the same shapes with that table
# (awq-compile --tuning) rebuilds those kernels with today's code, so a
# rule change can be timed against the kernels it replaces in one GPU run
# (scripts/gpu-bundle.sh's AWQ_BASELINE_TUNING).
#
# ===---------------------------------------------------------------------===#
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune import load_cases, tag_of, write_json  # noqa: E402

KERNEL_PREFIX = "_wgmma_"


def spec_of(variant):
    """The --gemm-tiles spec of a wgmma kernel's name (bm128_bn64_wg1_s8_k2
    -> w128x64x1x8xk2), or None for other kernel families."""
    if KERNEL_PREFIX not in variant:
        return None
    fields = variant.split(KERNEL_PREFIX, 1)[1].split("_")
    tile = [f.lstrip("bmnwgs") for f in fields[:4]]
    return "w" + "x".join(tile + fields[4:])


def parse_ranges(text):
    """[(lo, hi)] of "LO-HI,..."; argparse reports a ValueError's text."""
    ranges = []
    for span in text.split(","):
        lo, sep, hi = span.partition("-")
        if not (sep and lo.isdigit() and hi.isdigit() and 0 < int(lo) <= int(hi)):
            raise argparse.ArgumentTypeError(
                f"expected M ranges LO-HI,... with 0 < LO <= HI, got {span!r}")
        ranges.append((int(lo), int(hi)))
    return ranges


def pinned(paths, ranges):
    """tag -> {(lo, hi): spec} of the wgmma kernels timed in `ranges`."""
    shapes, device = {}, ""
    for path in paths:
        try:
            doc, cases = load_cases(path)
            device = device or doc.get("device", "")
            for case in cases:
                spec, tag = spec_of(case["variant"]), tag_of(case)
                span = next(((lo, hi) for lo, hi in ranges
                             if lo <= case["m"] <= hi), None)
                if spec and tag and span:
                    shapes.setdefault(tag, {})[span] = spec
        except (OSError, ValueError, KeyError, TypeError) as error:
            sys.exit(f"pin-table: {path}: {error!r}")
    return device, shapes


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bench", nargs="+", help="awq-bench --json files")
    parser.add_argument("--ranges", required=True, type=parse_ranges,
                        help="M ranges, LO-HI,...")
    parser.add_argument("--chip", default="sm_90a")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    device, shapes = pinned(args.bench, args.ranges)
    table = {"device": device, "chip": args.chip, "shapes": [
        {"tag": tag, "ranges": [{"m_min": lo, "m_max": hi, "spec": spec}
                                for (lo, hi), spec in sorted(spans.items())]}
        for tag, spans in sorted(shapes.items())]}
    write_json(args.output, table)
    print(f"{args.output}: {sum(len(s) for s in shapes.values())} ranges "
          f"over {len(shapes)} shapes")


if __name__ == "__main__":
    main()
