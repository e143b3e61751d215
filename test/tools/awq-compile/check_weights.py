#!/usr/bin/env python3
"""Independent check that awq-compile's packed weights are the AutoAWQ
checkpoint's numbers, unchanged.

Unpacks the artifact's kernel layout (docs/artifact-format.md) and the
AutoAWQ GEMM tensors (DESIGN.md, Formats) with NumPy, concatenates fused
linears' parts along N, and compares q, zero points and scales exactly.
Prints one line per layer and 'weights OK'; exits 1 on a mismatch.
"""
import json
import os
import struct
import sys

import numpy as np

DTYPES = {"F16": np.float16, "BF16": np.uint16, "F32": np.float32,
          "I32": np.int32}
AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def unpack_kernel(qweight):
    words = qweight.view(np.uint32)
    n, w = words.shape
    q = np.zeros((n, w * 8), np.uint8)
    for c in range(w // 4):
        for t in range(4):
            for p in range(8):
                q[:, 32 * c + 8 * (p % 4) + 2 * t + p // 4] = (words[:, 4 * c + t] >> (4 * p)) & 15
    return q


def unpack_awq(packed):
    """int32 [R, N/8] -> uint8 [R, N] (AutoAWQ interleave over N)."""
    words = packed.view(np.uint32)
    r, c = words.shape
    out = np.zeros((r, c * 8), np.uint8)
    for i, channel in enumerate(AWQ_ORDER):
        out[:, channel::8] = (words >> (4 * i)) & 15
    return out


def main(artifact, checkpoint):
    manifest = json.load(open(os.path.join(artifact, "manifest.json")))
    ours = read_safetensors(os.path.join(artifact, manifest["weights"]))
    theirs = read_safetensors(os.path.join(checkpoint, "model.safetensors"))
    bad = 0
    for layer in manifest["layers"]:
        names = layer["name"].split("+")
        g = layer["group_size"]
        q_ref = np.concatenate([unpack_awq(theirs[m + ".qweight"]).T for m in names])
        z_ref = np.concatenate([unpack_awq(theirs[m + ".qzeros"]).T for m in names])
        s_ref = np.concatenate([theirs[m + ".scales"].T for m in names])
        t = layer["tensors"]
        q = unpack_kernel(ours[t["qweight"]])
        s = ours[t["scales"]]
        z = ours[t["zeros"]].astype(np.float32)
        same = (q.shape == q_ref.shape and np.array_equal(q, q_ref)
                and np.array_equal(s.view(np.uint16), s_ref.view(np.uint16))
                and np.array_equal(z, z_ref.astype(np.float32)))
        bad += not same
        print(f"{layer['name']}: N={layer['n']} K={layer['k']} g={g} "
              f"{'identical' if same else 'MISMATCH'}")
    if bad:
        sys.exit(1)
    print("weights OK")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
