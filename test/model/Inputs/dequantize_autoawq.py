#!/usr/bin/env python3
"""Turns an AutoAWQ GEMM checkpoint into a float Hugging Face directory with
the dequantized weights, W[n, k] = (q[n, k] - z[n, k / G]) * s[n, k / G]
computed in f32, so that the NumPy oracle (test/oracle/llama_oracle.py) can
run the model an awq.qlinear executor runs.

Written from AutoAWQ's documented GEMM layout (docs/quantize.md): qweight
int32 [K, N/8] and qzeros int32 [K/G, N/8], nibble i of a word holding
output channel 8c + [0, 2, 4, 6, 1, 3, 5, 7][i]; scales f16 [K/G, N].

Usage: dequantize_autoawq.py AWQ_DIR OUT_DIR
"""
import json
import os
import struct
import sys

import numpy as np

ORDER = [0, 2, 4, 6, 1, 3, 5, 7]
DTYPES = {"F16": np.float16, "F32": np.float32, "I32": np.int32,
          "BF16": None}


def read_raw(path):
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = blob[8 + hlen + begin:8 + hlen + end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, "<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            array = np.frombuffer(raw, DTYPES[info["dtype"]])
        out[name] = array.reshape(info["shape"])
    return out


def unpack(words):
    """int32 [R, N/8] -> uint8 [N, R]."""
    rows, packed = words.shape
    out = np.zeros((packed * 8, rows), np.uint8)
    u = words.view(np.uint32)
    for i, channel in enumerate(ORDER):
        out[channel::8, :] = ((u >> (4 * i)) & 15).T
    return out


def dequantize(tensors, name):
    q = unpack(tensors[name + ".qweight"]).astype(np.float32)   # [N, K]
    z = unpack(tensors[name + ".qzeros"]).astype(np.float32)    # [N, K/G]
    s = tensors[name + ".scales"].astype(np.float32).T           # [N, K/G]
    group = q.shape[1] // s.shape[1]
    return (q - np.repeat(z, group, axis=1)) * np.repeat(s, group, axis=1)


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob + b"".join(blobs))


def main():
    src, dst = sys.argv[1], sys.argv[2]
    tensors = {}
    for file in sorted(os.listdir(src)):
        if file.endswith(".safetensors"):
            tensors.update(read_raw(os.path.join(src, file)))
    out = {}
    for name, array in tensors.items():
        if name.endswith(".qweight"):
            base = name[:-len(".qweight")]
            out[base + ".weight"] = dequantize(tensors, base)
        elif not name.endswith((".qzeros", ".scales")):
            out[name] = array.astype(np.float32)
    os.makedirs(dst, exist_ok=True)
    write_safetensors(os.path.join(dst, "model.safetensors"), out)
    config = json.load(open(os.path.join(src, "config.json")))
    config.pop("quantization_config", None)
    json.dump(config, open(os.path.join(dst, "config.json"), "w"), indent=1)
    print(f"dequantized {sum(n.endswith('.qweight') for n in tensors)} linears")


if __name__ == "__main__":
    main()
