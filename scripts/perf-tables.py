#!/usr/bin/env python3
"""Markdown tables for docs/perf.md from awq-bench --json files.

Usage: perf-tables.py BENCH.json [--ms=1,16,...]

Roofline per case = max(bytes / copy bandwidth, 2·M·N·K / the best cuBLAS
rate of the file), both measured in the same run.

"deq+cuBLAS" is the simplest alternative a user has (AutoAWQ's path for
large M: dequantize the weights to f16, then cuBLAS), as a lower bound:
cuBLAS's time in this run plus the dequantization's unavoidable traffic
(read 0.5 B and write 2 B per weight) at this run's copy bandwidth. A real
dequantization kernel takes at least that, so "vs deq" overstates the
alternative's speed, never ours.
"""
import json
import sys


def family(variant):
    if "_gemv_" in variant:
        return "GEMV"
    if "_wgmma_" in variant:
        return "wgmma"
    if "_stream_" in variant:
        return "stream"
    return "GEMM"


def short(variant):
    # Drop the shape tag: awq_gemm_n4096_k4096_g128_f16_z_<rest>.
    parts = variant.split("_")
    for i, p in enumerate(parts):
        if p in ("z", "sym", "b") and i + 1 < len(parts) and parts[i + 1] != "b":
            return "_".join(parts[i + 1:])
    return variant


def main():
    path = sys.argv[1]
    ms = None
    for arg in sys.argv[2:]:
        if arg.startswith("--ms="):
            ms = {int(m) for m in arg[5:].split(",")}
    data = json.load(open(path))
    copy = data["copy_gbs"] * 1e9
    peak = max((c.get("cublas_tflops") or 0) for c in data["cases"]) * 1e12
    print("| K x N | M | kernel | awq µs | cuBLAS µs | vs cuBLAS | "
          "deq+cuBLAS µs (bound) | vs deq | % copy BW | roofline µs | "
          "% of roofline |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in data["cases"]:
        if ms and c["m"] not in ms:
            continue
        us = c["awq_us"]
        nbytes = c["weight_gbs"] * 1e9 * us * 1e-6
        flops = 2.0 * c["m"] * c["n"] * c["k"]
        roof = max(nbytes / copy, flops / peak) * 1e6 if peak > 0 else nbytes / copy * 1e6
        cub = c.get("cublas_us")
        cub_s = "%.1f" % cub if cub and cub > 0 else "n/a"
        ratio = "%.2fx" % (cub / us) if cub and cub > 0 else "n/a"
        deq_s = deq_ratio = "n/a"
        if cub and cub > 0:
            deq = cub + c["n"] * c["k"] * 2.5 / copy * 1e6
            deq_s, deq_ratio = "%.1f" % deq, "%.2fx" % (deq / us)
        print("| %d x %d | %d | %s `%s` | %.1f | %s | %s | %s | %s | %.0f%% | %.1f | %.0f%% |"
              % (c["k"], c["n"], c["m"], family(c["variant"]), short(c["variant"]),
                 us, cub_s, ratio, deq_s, deq_ratio, c["pct_copy_bw"], roof,
                 100 * roof / us))
    print()
    print("(copy bandwidth %.0f GB/s; best cuBLAS %.0f TFLOP/s; %s timing)"
          % (data["copy_gbs"], peak / 1e12, data.get("timing", "host-paced")))


if __name__ == "__main__":
    main()
