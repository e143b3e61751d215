#!/usr/bin/env python3
"""Independent check of an awq-compile artifact against docs/artifact-format.md.

Reads manifest.json and the PTX files, and checks that every layer's
variants cover M without gaps or overlaps, that every kernel named exists as
an .entry in every PTX file with the parameter count the non-bare memref ABI
implies (3 + 2 * rank per memref), and that the parameter shapes match the
layer's N, K and group size. Prints one line per layer, then 'manifest OK';
exits 1 on the first violation.
"""
import argparse
import json
import os
import re
import sys

MAX_M = 2**31 - 1


def fail(msg):
    print(f"manifest error: {msg}")
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("artifact")
    ap.add_argument("--expect-layers", type=int)
    ap.add_argument("--expect-archs")
    args = ap.parse_args()

    with open(os.path.join(args.artifact, "manifest.json")) as f:
        manifest = json.load(f)
    if manifest.get("format") != "awq-artifact" or manifest.get("version") != 1:
        fail("not an awq-artifact version 1")
    ptx = manifest["ptx"]
    if args.expect_archs and sorted(ptx) != sorted(args.expect_archs.split(",")):
        fail(f"archs {sorted(ptx)} != {args.expect_archs}")
    entries = {}
    for arch, name in ptx.items():
        text = open(os.path.join(args.artifact, name)).read()
        if f".target {arch}" not in text:
            fail(f"{name} does not target {arch}")
        # One complete module per kernel: as many `.version`/`.target`
        # headers as entries, every module for this arch.
        versions = len(re.findall(r"^\.version ", text, re.M))
        targets = re.findall(r"^\.target (\w+)", text, re.M)
        kernels = len(re.findall(r"\.entry \w+\(", text))
        if versions != kernels or len(targets) != kernels:
            fail(f"{name}: {versions} modules for {kernels} kernels")
        if any(t != arch for t in targets):
            fail(f"{name}: a module targets {set(targets) - {arch}}, not {arch}")
        found = {}
        for m in re.finditer(r"\.entry (\w+)\(\s*(.*?)\)", text, re.S):
            found[m.group(1)] = len(re.findall(r"\.param", m.group(2)))
        entries[arch] = found

    layers = manifest["layers"]
    if args.expect_layers is not None and len(layers) != args.expect_layers:
        fail(f"{len(layers)} layers, expected {args.expect_layers}")
    for layer in layers:
        n, k, g = layer["n"], layer["k"], layer["group_size"]
        if k % g:
            fail(f"{layer['name']}: group size {g} does not divide K {k}")
        roles = ["x", "qweight", "scales"]
        roles += ["zeros"] if layer["has_zeros"] else []
        roles += ["bias"] if layer["has_bias"] else []
        roles += ["y"]
        expected_shapes = {"x": [-1, k], "qweight": [n, k // 8],
                           "scales": [n, k // g], "zeros": [n, k // g],
                           "bias": [n], "y": [-1, n]}
        by_arch = layer.get("arch_variants", {})
        for arch in by_arch:
            if arch not in entries:
                fail(f"{layer['name']}: arch_variants.{arch} without {arch} PTX")
        # Each arch's list (its own or the common one) against its PTX.
        for arch, found in entries.items():
            variants = by_arch.get(arch, layer["variants"])
            next_m = 1
            for v in sorted(variants, key=lambda v: v["m_min"]):
                if v["m_min"] != next_m:
                    fail(f"{layer['name']} ({arch}): M={next_m} not covered (next variant starts at {v['m_min']})")
                if v["m_max"] < v["m_min"]:
                    fail(f"{layer['name']}: empty M range in {v['kernel']}")
                next_m = v["m_max"] + 1
                params = v["params"]
                if [p["name"] for p in params] != roles:
                    fail(f"{v['kernel']}: params {[p['name'] for p in params]} != {roles}")
                for p in params:
                    if p["shape"] != expected_shapes[p["name"]]:
                        fail(f"{v['kernel']}: {p['name']} shape {p['shape']} != {expected_shapes[p['name']]}")
                ptx_params = sum(3 + 2 * len(p["shape"]) for p in params)
                if v["kernel"] not in found:
                    fail(f"{v['kernel']} missing from the {arch} PTX")
                if found[v["kernel"]] != ptx_params:
                    fail(f"{v['kernel']}: {found[v['kernel']]} PTX params, ABI implies {ptx_params}")
                if len(v["grid"]) != 3 or len(v["block"]) != 3 or v["m_tile"] < 1:
                    fail(f"{v['kernel']}: bad launch geometry")
            if next_m != MAX_M + 1:
                fail(f"{layer['name']} ({arch}): variants stop at M={next_m - 1}")
        own = "".join(f", {a}: {len(v)}" for a, v in sorted(by_arch.items()))
        print(f"{layer['name']} n={n} k={k} g={g}: {len(layer['variants'])} variants{own} cover M=1..{MAX_M}")
    print("manifest OK")


if __name__ == "__main__":
    main()
