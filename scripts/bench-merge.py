#!/usr/bin/env python3
# ===- bench-merge.py - repeated awq-bench runs -> one, lowest median each -===#
#
#   scripts/bench-merge.py ROUND.json... -o MERGED.json
#
# gpu-run.sh with AWQ_BENCH_REPEAT=N runs each graph benchmark N times, the
# artifacts in turn within each round, because the same kernel timed in
# two artifacts of one run differed by up to 10% (docs/perf.md, session
# 14), more than the tuner's 3% margin. This keeps, per case (layer, M,
# kernel), the lowest of the rounds' medians for our kernel and for
# cuBLAS separately (the least disturbed run of each), recomputes the
# ratios from them, and records in each case how far the rounds spread
# (`awq_spread`: highest over lowest median, minus one), so a table can
# say which differences are within noise. Writes the file whole or not at
# all; a summary of the spread goes to stdout.
#
# ===---------------------------------------------------------------------===#
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune import write_json  # noqa: E402

OURS = ("awq_us", "awq_tflops", "pct_copy_bw", "weight_gbs")
CUBLAS = ("cublas_us", "cublas_tflops")


def case_key(case):
    return case["layer"], case["m"], case["variant"]


def lowest(records, field):
    """The record whose `field` is the lowest measured one (-1: none)."""
    measured = [r for r in records if r[field] > 0]
    return min(measured, key=lambda r: r[field]) if measured else records[0]


def merge_case(records):
    """One case from its rounds; awq-bench writes -1 for a time it could
    not measure, which counts in no minimum, spread or ratio."""
    merged = dict(records[0])
    best = lowest(records, "awq_us")
    merged.update({f: best[f] for f in OURS})
    best = lowest(records, "cublas_us")
    merged.update({f: best[f] for f in CUBLAS})
    ours = [r["awq_us"] for r in records if r["awq_us"] > 0]
    merged["awq_spread"] = max(ours) / min(ours) - 1 if len(ours) > 1 else 0.0
    merged["rounds"] = len(records)
    both = merged["cublas_us"] > 0 and merged["awq_us"] > 0
    merged["speedup"] = merged["cublas_us"] / merged["awq_us"] if both else -1
    return merged


def merge(docs):
    """One document: the first's header, every case merged over rounds in
    the first round's order (a case missing from a round keeps the rounds
    that have it)."""
    groups, order = {}, []
    for doc in docs:
        for case in doc["cases"]:
            key = case_key(case)
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(case)
    merged = {k: v for k, v in docs[0].items() if k != "cases"}
    merged["rounds"] = len(docs)
    merged["cases"] = [merge_case(groups[key]) for key in order]
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rounds", nargs="+", help="awq-bench --json files")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    docs = []
    try:
        for path in args.rounds:
            with open(path) as f:
                docs.append(json.load(f))
        merged = merge(docs)
    except (OSError, ValueError, KeyError) as error:
        sys.exit(f"bench-merge: {path}: {error!r}")
    write_json(args.output, merged)
    spreads = sorted(c["awq_spread"] for c in merged["cases"])
    if spreads:
        print(f"{args.output}: {len(spreads)} cases over {len(docs)} rounds; "
              f"spread of our medians: median {spreads[len(spreads) // 2]:.1%}, "
              f"largest {spreads[-1]:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
