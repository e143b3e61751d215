#!/usr/bin/env python3
"""Key Nsight Compute figures of each NAME.raw.csv in a folder, one row each.

    scripts/ncu-summary.py DIR

Reads the raw pages that scripts/gpu-profile.sh writes (ncu --page raw
--csv) and prints, per profile: duration, tensor-pipe activity, SM
throughput, warp instructions executed, shared-memory bank conflicts,
active warps and the three largest stall reasons (warps stalled per issued
instruction), registers per thread and grid size, one row per profiled
kernel. docs/perf.md quotes these."""
import csv
import glob
import os
import sys

FIGURES = [
    ("us", "gpu__time_duration.sum", None),
    ("tensor%", "sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active", 1),
    ("sm%", "sm__throughput.avg.pct_of_peak_sustained_elapsed", 1),
    ("warp_insts_M", "smsp__inst_executed.sum", 1e-6),
    ("smem_conflicts_M", "l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum", 1e-6),
    ("warps_active%", "sm__warps_active.avg.pct_of_peak_sustained_active", 1),
    ("registers", "launch__registers_per_thread", 1),
    ("blocks", "launch__grid_size", 1),
]
TO_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6, "nsecond": 1e-3,
         "usecond": 1.0, "msecond": 1e3, "second": 1e6}
STALL = ("smsp__average_warps_issue_stalled_", "_per_issue_active.ratio")


def number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def summarize(names, units, row):
    values = dict(zip(names, row))
    units = dict(zip(names, units))
    cells = []
    for _, metric, scale in FIGURES:
        value = number(values.get(metric, ""))
        if scale is None:  # a duration, in whatever unit ncu chose
            scale = TO_US.get(units.get(metric, ""), float("nan"))
        cells.append("-" if value is None else "%.1f" % (value * scale))
    stalls = [(number(v) or 0.0, k[len(STALL[0]):-len(STALL[1])])
              for k, v in values.items()
              if k.startswith(STALL[0]) and k.endswith(STALL[1])
              and "selected" not in k]
    top = sorted(stalls, reverse=True)[:3]
    cells.append(", ".join("%s %.2f" % (name, value) for value, name in top))
    return [values.get("Kernel Name", "?")[:48]] + cells


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: ncu-summary.py DIR")
    print("\t".join(["profile", "kernel"] + [name for name, _, _ in FIGURES] +
                    ["top stalls (warps per issue)"]))
    for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.raw.csv"))):
        rows = list(csv.reader(open(path)))
        # Row 0 names the metrics, row 1 their units, then one per kernel.
        for row in rows[2:]:
            cells = summarize(rows[0], rows[1], row)
            print("\t".join([os.path.basename(path)[:-8]] + cells))


if __name__ == "__main__":
    main()
