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


def mean(values):
    return sum(values) / len(values)


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


def add_reference(reference, times, measured, cases, fields, skip=None):
    """Adds to `reference` ((tag, lo, hi) -> name -> [values]) the bench
    `cases` at the M values the sweeps measured in each range, except those
    `skip` (a predicate) refuses; `fields` maps a name to the case's key."""
    for case in cases:
        tag = tag_of(case)
        if skip and skip(case):
            continue
        for (t, lo, hi) in times:
            if t != tag or case["m"] not in measured[(t, lo, hi)]:
                continue
            for name, key in fields.items():
                if not isinstance(case[key], (int, float)) or case[key] > 0:
                    reference[(t, lo, hi)].setdefault(name, []).append(case[key])


def cases_of(path):
    """The cases of the bench file at `path`, none if it is missing."""
    return load_cases(path)[1] if os.path.exists(path) else []


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
    ranges give way where a new one covers them, as do, within a range of
    `default_wins` (tag -> [(lo, hi, specs)]), those whose spec lost to the
    default there (specs None: every entry there lost)."""
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
        for lo, hi, specs in spans:
            kept = []
            for old in merged.get(tag, []):
                lost = specs is None or old["spec"] in specs
                kept.extend(outside(old, [{"m_min": lo, "m_max": hi}])
                            if lost else [old])
            merged[tag] = kept
    return collections.OrderedDict((t, r) for t, r in merged.items() if r)


def parse_args():
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
    return ap.parse_args()


def candidate_sweeps(spec_string, failed):
    """name -> [(lo, hi, spec)] of every sweep that ran correctly."""
    sweeps = {}
    for entry in filter(None, spec_string.split(";")):
        name, tiles = entry.split("=", 1)
        name = name.split("@")[0]
        if name in failed:
            # A candidate that was wrong or crashed on the GPU is never picked.
            print(f"tune.py: sweep {name} left out: {failed[name]}",
                  file=sys.stderr)
            continue
        sweeps[name] = parse_tiles(tiles.split("|")[0])
    return sweeps


def sweep_times(logs, sweeps):
    """(tag, lo, hi) -> spec -> [us] and -> spec -> {kernel names}, the M
    values measured per (tag, lo, hi), and the device name."""
    times = collections.defaultdict(lambda: collections.defaultdict(list))
    kernels = collections.defaultdict(lambda: collections.defaultdict(set))
    measured = collections.defaultdict(set)
    device = ""
    for name, ranges in sweeps.items():
        path = os.path.join(logs, f"sweep-{name}.json")
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
                kernels[(tag, lo, hi)][spec].add(case["variant"])
                measured[(tag, lo, hi)].add(case["m"])
    return times, kernels, measured, device


def references(args, failed, times, measured):
    """(tag, lo, hi) -> the defaults' times, kernels and cuBLAS's, same run;
    with --base, the base table's kernels' times (bench-tuned-graph.json)
    where they are not the default's kernel (the table has no entry
    there)."""
    reference = collections.defaultdict(dict)
    graph = os.path.join(args.logs, "bench-graph.json")
    if not os.path.exists(graph) and "base" not in failed:
        graph = os.path.join(args.logs, "sweep-base.json")
    defaults = cases_of(graph)
    add_reference(reference, times, measured, defaults,
                  {"default_us": "awq_us", "cublas_us": "cublas_us",
                   "default_kernels": "variant"})
    if args.base:
        default_kernel = {(c["layer"], c["m"]): c["variant"] for c in defaults}

        def same_as_default(case):
            return default_kernel.get((case["layer"], case["m"])) == case["variant"]

        add_reference(reference, times, measured,
                      cases_of(os.path.join(args.logs, "bench-tuned-graph.json")),
                      {"tuned_us": "awq_us"}, skip=same_as_default)
    return reference


def verdict(entry, winner_kernels, default_kernels, margin):
    """'default', 'base' or 'new': who serves the range of `entry`."""
    if "default_us" in entry and (
            entry["default_us"] <= entry["us"] * (1 + margin) or
            winner_kernels == default_kernels):
        # No candidate beats the default rule by more than the noise, or
        # the winner is the default's own kernel.
        return "default"
    if "tuned_us" in entry and entry["tuned_us"] <= entry["us"] * (1 + margin):
        return "base"  # the base table's kernels hold their own
    return "new"


def summary_row(tag, entry, who, ranked):
    """The markdown row of one range for the summary."""
    hi_text = "max" if entry["m_max"] == MAX_M else entry["m_max"]
    nan = float("nan")
    spec, us = ranked[0]
    if who == "new":
        runner = f"{ranked[1][0]} {mean(ranked[1][1]):.1f}" if len(ranked) > 1 else ""
        first = (f"`{spec}` | {mean(us):.1f}", runner)
    else:
        shown = entry["default_us"] if who == "default" else entry["tuned_us"]
        name = "default" if who == "default" else "base table"
        first = (f"{name} | {shown:.1f}", f"`{spec}` {mean(us):.1f}")
    return (f"| {tag} | {entry['m_min']}-{hi_text} | {first[0]} | "
            f"{entry.get('default_us', nan):.1f} | "
            f"{entry.get('cublas_us', nan):.1f} | {first[1]} |")


def choose(times, kernels, measured, reference, margin):
    """The new entries (tag -> ranges) and the ranges the default won (tag
    -> [(lo, hi, lost specs or None)]); prints the summary."""
    shapes = collections.OrderedDict()
    default_wins = collections.defaultdict(list)
    print(f"| shape | M range | winner | µs | default µs | cuBLAS µs | "
          f"runner-up |")
    print("|---|---|---|---:|---:|---:|---|")
    for key, by_spec in sorted(times.items()):
        if len(by_spec) < 2:
            continue  # every sweep used the same kernel here: nothing tuned
        tag, lo, hi = key
        ranked = sorted(by_spec.items(), key=lambda kv: mean(kv[1]))
        spec, us = ranked[0]
        ref = dict(reference.get(key, {}))
        default_kernels = set(ref.pop("default_kernels", []))
        entry = {"m_min": max(lo, min(measured[key]) // 2 + 1), "m_max": hi,
                 "spec": spec, "us": round(mean(us), 2),
                 "candidates": {s: round(mean(t), 2) for s, t in ranked}}
        entry.update({k: round(mean(v), 2) for k, v in ref.items()})
        who = verdict(entry, kernels[key][spec], default_kernels, margin)
        print(summary_row(tag, entry, who, ranked))
        if who == "default":
            # The base table's entries there go if their spec lost here, or
            # all of them if its kernels lost to the default.
            lost = set(by_spec)
            if entry.get("tuned_us", 0) > entry["default_us"] * (1 + margin):
                lost = None
            default_wins[tag].append((entry["m_min"], hi, lost))
        elif who == "new":
            shapes.setdefault(tag, []).append(entry)
    return shapes, default_wins


def write_json(path, doc):
    """Writes `doc` as JSON to `path`, whole or not at all."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".partial"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main():
    args = parse_args()
    failed = failed_sweeps(args.logs)
    sweeps = candidate_sweeps(args.sweeps, failed)
    times, kernels, measured, device = sweep_times(args.logs, sweeps)
    reference = references(args, failed, times, measured)
    shapes, default_wins = choose(times, kernels, measured, reference,
                                  args.margin)
    if args.base:
        shapes = merged_with_base(args.base, device, shapes, default_wins)
    write_json(args.output, {
        "device": device, "chip": args.chip,
        "shapes": [{"tag": t, "ranges": r} for t, r in shapes.items()]})
    print(f"\nwrote {args.output}: {len(shapes)} shapes, "
          f"{sum(len(r) for r in shapes.values())} ranges ({device})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
