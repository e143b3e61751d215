#!/usr/bin/env python3
"""Breaks a generated model directory in one named way, for error tests.

  edit_tiny_llama.py set-config DIR KEY=JSON_VALUE   rewrite one config.json key
  edit_tiny_llama.py drop-tensor DIR NAME            rewrite model.safetensors
                                                     without tensor NAME
"""

import json
import os
import struct
import sys


def set_config(model_dir, assignment):
    key, value = assignment.split("=", 1)
    path = os.path.join(model_dir, "config.json")
    with open(path) as f:
        config = json.load(f)
    try:
        config[key] = json.loads(value)
    except json.JSONDecodeError:
        config[key] = value
    with open(path, "w") as f:
        json.dump(config, f, indent=2)


def drop_tensor(model_dir, name):
    path = os.path.join(model_dir, "model.safetensors")
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen])
    if name not in header:
        sys.exit(f"error: {path} has no tensor {name}")
    base = 8 + hlen
    kept = {"__metadata__": header.pop("__metadata__", {})}
    chunks, offset = [], 0
    for tname, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        if tname == name:
            continue
        begin, end = info["data_offsets"]
        chunks.append(blob[base + begin:base + end])
        kept[tname] = dict(info, data_offsets=[offset, offset + end - begin])
        offset += end - begin
    head = json.dumps(kept, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(chunks))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("set-config", "drop-tensor"):
        sys.exit(__doc__)
    {"set-config": set_config, "drop-tensor": drop_tensor}[sys.argv[1]](
        sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
