#!/usr/bin/env python3
"""Writes a .safetensors file for the lit tests, with no dependency beyond
the standard library.

usage: make_safetensors.py OUT NAME=DTYPE:SHAPE:VALUES ...
  DTYPE   F32, F16, BF16, I32, I8 or U8
  SHAPE   dims joined by 'x' (e.g. 4x8; '-' for a scalar)
  VALUES  comma-separated numbers, or 'iota' (0, 1, 2, ...), or
          'fn:EXPR' with EXPR a Python expression of the flat index i
"""
import json
import math
import struct
import sys

FORMATS = {"F32": "f", "F16": "e", "I32": "i", "I8": "b", "U8": "B"}


def bf16_bits(x):
    """Round-to-nearest-even f32 -> bf16 bits."""
    (u,) = struct.unpack("<I", struct.pack("<f", x))
    if (u & 0x7FFFFFFF) > 0x7F800000:
        return (u >> 16) | 0x40
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF


def encode(dtype, values):
    if dtype == "BF16":
        return b"".join(struct.pack("<H", bf16_bits(v)) for v in values)
    fmt = FORMATS[dtype]
    if fmt in "ibB":
        values = [int(v) for v in values]
    return struct.pack("<%d%s" % (len(values), fmt), *values)


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    header, blobs, offset = {}, [], 0
    for spec in specs:
        name, rest = spec.split("=", 1)
        dtype, shape, values = rest.split(":", 2)
        shape = [] if shape == "-" else [int(d) for d in shape.split("x")]
        count = math.prod(shape)
        if values == "iota":
            values = list(range(count))
        elif values.startswith("fn:"):
            values = [eval(values[3:], {"math": math}, {"i": i})
                      for i in range(count)]
        else:
            values = [float(v) if dtype[0] in "FB" else int(v, 0)
                      for v in values.split(",")]
        assert len(values) == count, f"{name}: {len(values)} values for {shape}"
        blob = encode(dtype, values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


main()
