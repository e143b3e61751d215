#!/usr/bin/env python3
"""Writes a Hugging Face directory with the shapes of a real model and no
data: config.json plus a sparse model.safetensors (the header is real, the
tensor bytes are a hole, so a 13 GB Llama-2-7B takes a few KB of disk).
Used to time awq-import on large models (docs/model.md); not for running.

Usage: make-shaped-checkpoint.py OUT_DIR [--preset llama2-7b|llama3-8b]
"""
import argparse
import json
import os
import struct

PRESETS = {
    "llama2-7b": dict(hidden_size=4096, intermediate_size=11008,
                      num_attention_heads=32, num_key_value_heads=32,
                      num_hidden_layers=32, vocab_size=32000,
                      rope_theta=10000.0, rms_norm_eps=1e-5),
    "llama3-8b": dict(hidden_size=4096, intermediate_size=14336,
                      num_attention_heads=32, num_key_value_heads=8,
                      num_hidden_layers=32, vocab_size=128256,
                      rope_theta=500000.0, rms_norm_eps=1e-5),
}


def tensors(c):
    h, i = c["hidden_size"], c["intermediate_size"]
    d = h // c["num_attention_heads"]
    kv = c["num_key_value_heads"] * d
    yield "model.embed_tokens.weight", [c["vocab_size"], h]
    for n in range(c["num_hidden_layers"]):
        p = f"model.layers.{n}."
        yield p + "input_layernorm.weight", [h]
        yield p + "post_attention_layernorm.weight", [h]
        for name, shape in (("self_attn.q_proj", [h, h]),
                            ("self_attn.k_proj", [kv, h]),
                            ("self_attn.v_proj", [kv, h]),
                            ("self_attn.o_proj", [h, h]),
                            ("mlp.gate_proj", [i, h]), ("mlp.up_proj", [i, h]),
                            ("mlp.down_proj", [h, i])):
            yield p + name + ".weight", shape
    yield "model.norm.weight", [h]
    yield "lm_head.weight", [c["vocab_size"], h]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--preset", choices=sorted(PRESETS), default="llama2-7b")
    args = p.parse_args()
    config = dict(PRESETS[args.preset], model_type="llama",
                  torch_dtype="float16", tie_word_embeddings=False)
    header, offset = {}, 0
    for name, shape in tensors(config):
        size = 2
        for dim in shape:
            size *= dim
        header[name] = {"dtype": "F16", "shape": shape,
                        "data_offsets": [offset, offset + size]}
        offset += size
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        f.truncate(8 + len(blob) + offset)
    json.dump(config, open(os.path.join(args.out, "config.json"), "w"))
    print(f"{args.out}: {args.preset}, {offset / 2**30:.1f} GiB of (sparse) data")


if __name__ == "__main__":
    main()
