#!/usr/bin/env python3
"""Independent reference for awq-quantize-weights: reads a weight from a
.safetensors file, quantizes it with DESIGN.md's RTN formulas in plain
Python, and compares with the q / scales / zeros constants of the one
awq.qlinear that awq-opt printed on stdin.

Arithmetic: with f16 activations every elementwise op is rounded to f16 (as
PyTorch does on the `.half()` weight, AutoAWQ's final quantization); with
bf16 activations the weight is quantized in f32 arithmetic and the scales are
rounded to bf16. Python's round() is round-half-to-even, as torch.round.

With SCALES and SCALE_TENSOR, the weight is first multiplied by the AWQ
channel scale s[K] as awq-apply-scales defines it: W'[n, k] = W[n, k] * s[k]
computed in f32 and rounded to the weight's type (PyTorch's
`fc.weight.mul_(scales.view(1, -1))`).

usage: rtn_check.py WEIGHTS TENSOR BITS GROUP SYMMETRIC(0|1)
                    [SCALES SCALE_TENSOR] < awq-opt output
"""
import json
import re
import struct
import sys


def f16(x):
    return struct.unpack("<e", struct.pack("<e", x))[0]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def bf16(x):
    (u,) = struct.unpack("<I", struct.pack("<f", x))
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return struct.unpack("<f", struct.pack("<I", u & 0xFFFFFFFF))[0]


def read_tensor(path, name):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    info = json.loads(data[8:8 + n])[name]
    begin, end = info["data_offsets"]
    raw = data[8 + n + begin:8 + n + end]
    dtype = info["dtype"]
    if dtype == "F32":
        vals = list(struct.unpack("<%df" % (len(raw) // 4), raw))
    elif dtype == "F16":
        vals = list(struct.unpack("<%de" % (len(raw) // 2), raw))
    elif dtype == "BF16":
        vals = [struct.unpack("<f", struct.pack("<I", h << 16))[0]
                for h in struct.unpack("<%dH" % (len(raw) // 2), raw)]
    else:
        raise SystemExit("unsupported dtype " + dtype)
    return info["shape"], vals


def quantize(w, n, k, bits, group, sym, r):
    maxq = 2 ** bits - 1
    q, s, z = [], [], []
    for row in range(n):
        for g0 in range(0, k, group):
            grp = [r(v) for v in w[row * k + g0:row * k + g0 + group]]
            if sym:
                amax = r(max(max(abs(v) for v in grp), 1e-5))
                scale = r(amax / (2 ** (bits - 1) - 1))
                zero = 2 ** (bits - 1)
            else:
                rng = r(max(r(max(grp) - min(grp)), 1e-5))
                scale = r(rng / maxq)
                zero = min(max(-round(r(min(grp) / scale)), 0), maxq)
            s.append(scale)
            z.append(zero)
            q.extend(min(max(round(r(v / scale)) + zero, 0), maxq)
                     for v in grp)
    return q, s, z


def parse_constants(text):
    """{(shape, element type): [flat values]} of the arith.constants."""
    out = {}
    for m in re.finditer(r"arith\.constant dense<(.*?)> : tensor<([0-9x]+)x(\w+)>",
                         text):
        body, shape, ety = m.groups()
        shape = tuple(int(d) for d in shape.split("x"))
        count = 1
        for d in shape:
            count *= d
        if body.startswith('"0x'):
            raw = bytes.fromhex(body[3:-1])
            if ety in ("f16", "bf16"):
                bits = struct.unpack("<%dH" % (len(raw) // 2), raw)
                vals = [struct.unpack("<e", struct.pack("<H", b))[0]
                        if ety == "f16" else
                        struct.unpack("<f", struct.pack("<I", b << 16))[0]
                        for b in bits]
            else:
                vals = list(raw)
            if len(vals) == 1:
                vals = vals * count
        else:
            vals = [float(v) if ety[0] in "fb" else int(v)
                    for v in re.findall(r"[-+0-9.eE]+", body)]
            if len(vals) == 1:
                vals = vals * count
        if ety.startswith("i"):
            width = int(ety[1:])
            vals = [v % (1 << width) for v in vals]  # printed signed
        elif ety == "f16":
            vals = [f16(v) for v in vals]
        elif ety == "bf16":
            vals = [bf16(v) for v in vals]
        out[(shape, ety)] = vals
    return out


def main():
    path, name = sys.argv[1], sys.argv[2]
    bits, group, sym = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
    text = sys.stdin.read()
    m = re.search(r"awq\.qlinear .*: tensor<\?x\d+x(\w+)>", text)
    act = m.group(1)
    (n, k), w = read_tensor(path, name)
    group = group or k
    r = f16 if act == "f16" else f32
    if len(sys.argv) > 7:
        _, sc = read_tensor(sys.argv[6], sys.argv[7])
        wround = f16 if act == "f16" else bf16
        w = [wround(f32(w[i] * sc[i % k])) for i in range(n * k)]
    q, s, z = quantize(w, n, k, bits, group, sym, r)
    if act == "bf16":
        s = [bf16(v) for v in s]
    consts = parse_constants(text)
    ity = "i%d" % bits
    checks = [("q", (n, k), ity, q), ("scales", (n, k // group), act, s)]
    if not sym:
        checks.append(("zeros", (n, k // group), ity, z))
    for label, shape, ety, want in checks:
        got = consts.get((shape, ety))
        if got is None:
            print("%s: no constant of type tensor<%sx%s>" %
                  (label, "x".join(map(str, shape)), ety))
            continue
        bad = [i for i, (a, b) in enumerate(zip(got, want)) if a != b]
        print("%s: %d values, %d mismatches%s" % (
            label, len(want), len(bad),
            "" if not bad else " (first at %d: got %r, want %r)" %
            (bad[0], got[bad[0]], want[bad[0]])))


main()
