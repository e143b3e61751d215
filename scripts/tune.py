#!/usr/bin/env python3
# ===- tune.py - tile-sweep timings -> a tuning table ----------------------===#
#
#   scripts/tune.py --sweeps "NAME=TILES;..." --logs DIR -o tuning/GPU.json
#                   [--base tuning/GPU.json]
#
# The tuner's last step. The candidates are compiled as tile sweeps
# (scripts/gpu-bundle.sh with AWQ_SWEEP set to the same string), timed on
# the GPU by scripts/gpu-run.sh (DIR/sweep-NAME.json, awq-bench in CUDA
# graphs); this script picks, for every shape and every M range the sweeps
# vary, the candidate with the lowest mean time over the M values measured
# in that range, and writes the table awq-compile --tuning (and
# awq-select-kernels tuning=) reads: {"device", "chip", "shapes": [{"tag",
# "ranges": [{"m_min", "m_max", "spec", "us", "candidates": {...}}]}]}.
# With DIR/bench-graph.json (the defaults, same run; else DIR/sweep-base.json,
# the defaults timed as a sweep without cuBLAS) each range also records the
# default's time and cuBLAS's, and a range where the default is at most
# --margin (3%) slower than the best candidate gets no entry (the default
# serves it; an entry of --base for it goes too if its spec lost here).
# With --base and DIR/bench-tuned-graph.json (the bench shapes compiled
# with the --base table, same run: gpu-bundle.sh's AWQ_TUNING must be that
# table, as it is by default for tuning/h100-sm_90a.json), a range where
# the base table's kernels are at most --margin slower than the best
# candidate keeps its entries, and one where they are more than --margin
# slower than the default loses them.
# Sweeps whose benchmark or GPU test failed in the run (DIR/summary.txt)
# are left out. With --base, the new winners are merged into an earlier
# table of the same GPU (its ranges give way where a new one covers them,
# and keep the M outside it). A range claims M only down to half its
# smallest M measured (257-max timed at 1024 and 4096 becomes 513-max), so
# an earlier entry for M that nothing here measured stays. A markdown
# summary goes to stdout. One command reproduces a table: scripts/tune.sh.
#
# ===---------------------------------------------------------------------===#
import argparse
import collections
import json
import os
import re
import sys

TAG = re.compile(r"^awq_gem[mv]_(n\d+_k\d+_g\d+_(?:f16|bf16)_(?:z|sym)(?:_b)?)_")
MAX_M = 2**31 - 1


def parse_tiles(tiles):
    """'2-16:s1x4x8x1x1xp,33-64:w64x64x1x6' -> [(2, 16, 's1x...'), ...]."""
    ranges = []
    for entry in tiles.split(","):
        span, spec = entry.split(":", 1)
        lo, hi = span.split("-")
        ranges.append((int(lo), MAX_M if hi == "max" else int(hi), spec))
    return ranges


def range_of(ranges, m):
    for lo, hi, spec in ranges:
        if lo <= m <= hi:
            return lo, hi, spec
    return None


def load_cases(path):
    with open(path) as f:
        doc = json.load(f)
    return doc, doc["cases"]


def tag_of(case):
    match = TAG.match(case["variant"])
    return match.group(1) if match else None


def add_reference(reference, times, measured, path, fields):
    """Adds to `reference` ((tag, lo, hi) -> name -> [us]) the times of the
    bench file at `path` (if any) at the M values the sweeps measured in
    each range; `fields` maps a name to the case's key."""
    if not os.path.exists(path):
        return
    _, cases = load_cases(path)
    for case in cases:
        tag = tag_of(case)
        for (t, lo, hi) in times:
            if t != tag or case["m"] not in measured[(t, lo, hi)]:
                continue
            for name, key in fields.items():
                if case[key] > 0:
                    reference[(t, lo, hi)].setdefault(name, []).append(case[key])


def failed_sweeps(logs):
    """Sweep names whose benchmark or GPU test failed or timed out in the
    run's summary (gpu-run.sh: 'NAME  VERDICT  SECONDS' lines)."""
    failed = {}
    path = os.path.join(logs, "summary.txt")
    if not os.path.exists(path):
        return failed
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 2 or fields[1] == "ok":
                continue
            match = re.match(r"^(?:test-)?sweep-(.+)$", fields[0])
            if match:
                failed[match.group(1)] = line.strip()
    return failed


def outside(old, ranges):
    """The parts of the earlier entry `old` that none of `ranges` covers
    (an entry for 257-max under a new 513-max keeps 257-512)."""
    parts = [old]
    for new in ranges:
        next_parts = []
        for part in parts:
            if part["m_max"] < new["m_min"] or new["m_max"] < part["m_min"]:
                next_parts.append(part)
                continue
            if part["m_min"] < new["m_min"]:
                next_parts.append(dict(part, m_max=new["m_min"] - 1))
            if new["m_max"] < part["m_max"]:
                next_parts.append(dict(part, m_min=new["m_max"] + 1))
        parts = next_parts
    return parts


def merged_with_base(path, device, shapes, default_wins):
    """`shapes` (tag -> new ranges) added to the table at `path`, whose
    ranges give way where a new one covers them, as do those whose spec lost to
    the default in a range of `default_wins` (tag -> [(lo, hi, specs)];
    specs None: every entry there lost)."""
    with open(path) as f:
        base = json.load(f)
    if base.get("device") != device:
        sys.exit(f"tune.py: --base {path} is for {base.get('device')!r}, "
                 f"the sweeps ran on {device!r}")
    merged = collections.OrderedDict(
        (entry["tag"], list(entry["ranges"])) for entry in base["shapes"])
    for tag, ranges in shapes.items():
        kept = []
        for old in merged.get(tag, []):
            kept.extend(outside(old, ranges))
        merged[tag] = sorted(kept + ranges, key=lambda r: r["m_min"])
    for tag, spans in default_wins.items():
        lost = lambda old: any(old["m_min"] <= hi and lo <= old["m_max"] and
                               (specs is None or old["spec"] in specs)
                               for lo, hi, specs in spans)
        merged[tag] = [old for old in merged.get(tag, []) if not lost(old)]
    return collections.OrderedDict((t, r) for t, r in merged.items() if r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweeps", required=True,
                    help="the AWQ_SWEEP string the candidates were built with")
    ap.add_argument("--logs", required=True, help="gpu-run.sh's log folder")
    ap.add_argument("--chip", default="sm_90a")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--margin", type=float, default=0.03,
                    help="how much faster than the default a winner must be "
                    "(run-to-run noise of the graph timings; default 0.03)")
    ap.add_argument("--base", help="an earlier table of the same GPU: its "
                    "ranges that the new sweeps do not overlap are kept")
    args = ap.parse_args()

    sweeps = {}
    failed = failed_sweeps(args.logs)
    for entry in filter(None, args.sweeps.split(";")):
        name, tiles = entry.split("=", 1)
        name = name.split("@")[0]
        if name in failed:
            # A candidate that was wrong or crashed on the GPU is never picked.
            print(f"tune.py: sweep {name} left out: {failed[name]}",
                  file=sys.stderr)
            continue
        sweeps[name] = parse_tiles(tiles.split("|")[0])

    # (tag, lo, hi) -> spec -> [us], and the M values measured there
    times = collections.defaultdict(lambda: collections.defaultdict(list))
    measured = collections.defaultdict(set)
    device = ""
    for name, ranges in sweeps.items():
        path = os.path.join(args.logs, f"sweep-{name}.json")
        if not os.path.exists(path):
            sys.exit(f"tune.py: {path} missing (did sweep {name} run?)")
        doc, cases = load_cases(path)
        device = doc.get("device", device)
        for case in cases:
            found = range_of(ranges, case["m"])
            tag = tag_of(case)
            if found and tag and case["awq_us"] > 0:
                lo, hi, spec = found
                times[(tag, lo, hi)][spec].append(case["awq_us"])
                measured[(tag, lo, hi)].add(case["m"])

    # The defaults and cuBLAS, same run, where measured; with --base, the
    # base table's kernels too (bench-tuned-graph.json, the bench shapes
    # compiled with it in the same run).
    reference = collections.defaultdict(dict)
    graph = os.path.join(args.logs, "bench-graph.json")
    if not os.path.exists(graph) and "base" not in failed:
        graph = os.path.join(args.logs, "sweep-base.json")
    add_reference(reference, times, measured, graph,
                  {"default_us": "awq_us", "cublas_us": "cublas_us"})
    if args.base:
        add_reference(reference, times, measured,
                      os.path.join(args.logs, "bench-tuned-graph.json"),
                      {"tuned_us": "awq_us"})

    mean = lambda xs: sum(xs) / len(xs)
    shapes = collections.OrderedDict()
    default_wins = collections.defaultdict(list)
    print(f"| shape | M range | winner | µs | default µs | cuBLAS µs | "
          f"runner-up |")
    print("|---|---|---|---:|---:|---:|---|")
    for (tag, lo, hi), by_spec in sorted(times.items()):
        if len(by_spec) < 2:
            continue  # every sweep used the same kernel here: nothing tuned
        ranked = sorted(by_spec.items(), key=lambda kv: mean(kv[1]))
        spec, us = ranked[0]
        ref = reference.get((tag, lo, hi), {})
        lo = max(lo, min(measured[(tag, lo, hi)]) // 2 + 1)
        entry = {"m_min": lo, "m_max": hi, "spec": spec, "us": round(mean(us), 2),
                 "candidates": {s: round(mean(t), 2) for s, t in ranked}}
        for key, values in ref.items():
            entry[key] = round(mean(values), 2)
        hi_text = "max" if hi == MAX_M else hi
        if ("default_us" in entry and
                entry["default_us"] <= entry["us"] * (1 + args.margin)):
            # No candidate beats the default rule by more than the noise:
            # no entry; the base table's entries there go if their spec lost
            # here, or all of them if its kernels lost to the default.
            lost = set(by_spec)
            if entry.get("tuned_us", 0) > entry["default_us"] * (1 + args.margin):
                lost = None
            default_wins[tag].append((lo, hi, lost))
            print(f"| {tag} | {lo}-{hi_text} | default | "
                  f"{entry['default_us']:.1f} | {entry['default_us']:.1f} | "
                  f"{entry.get('cublas_us', float('nan')):.1f} | "
                  f"`{spec}` {mean(us):.1f} |")
            continue
        if ("tuned_us" in entry and
                entry["tuned_us"] <= entry["us"] * (1 + args.margin)):
            # The base table's kernels hold their own: its entries stay.
            print(f"| {tag} | {lo}-{hi_text} | base table | "
                  f"{entry['tuned_us']:.1f} | "
                  f"{entry.get('default_us', float('nan')):.1f} | "
                  f"{entry.get('cublas_us', float('nan')):.1f} | "
                  f"`{spec}` {mean(us):.1f} |")
            continue
        shapes.setdefault(tag, []).append(entry)
        runner = f"{ranked[1][0]} {mean(ranked[1][1]):.1f}" if len(ranked) > 1 else ""
        print(f"| {tag} | {lo}-{hi_text} | `{spec}` | {mean(us):.1f} | "
              f"{entry.get('default_us', float('nan')):.1f} | "
              f"{entry.get('cublas_us', float('nan')):.1f} | {runner} |")

    if args.base:
        shapes = merged_with_base(args.base, device, shapes, default_wins)
    table = {"device": device, "chip": args.chip,
             "shapes": [{"tag": t, "ranges": r} for t, r in shapes.items()]}
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".partial"
    with open(tmp, "w") as f:
        json.dump(table, f, indent=2)
        f.write("\n")
    os.replace(tmp, args.output)
    print(f"\nwrote {args.output}: {len(shapes)} shapes, "
          f"{sum(len(r) for r in shapes.values())} ranges ({device})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
