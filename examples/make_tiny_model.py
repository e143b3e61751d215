#!/usr/bin/env python3
"""Writes the bundled example: a one-block Llama-style checkpoint in Hugging
Face layout (config.json + model.safetensors, f16) and calibration inputs for
its linears (activations.safetensors, `<linear>.input` [T, K]).

The weights are random but seeded, so every run produces the same bytes.
The calibration activations are synthetic: Gaussian with a few outlier
channels scaled up, the structure of real LLM activations that AWQ's scale
search exploits. (Running a real model to collect them is the calibration
stage's job; see docs/quantize.md.)
"""
import json
import os
import struct
import sys

import numpy as np

HIDDEN, INTERMEDIATE, HEADS, TOKENS = 512, 1024, 8, 256


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        dtype = {np.float16: "F16", np.float32: "F32"}[array.dtype.type]
        data = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def main(out_dir):
    rng = np.random.default_rng(20261122)
    os.makedirs(out_dir, exist_ok=True)
    prefix = "model.layers.0."
    shapes = {
        "self_attn.q_proj": (HIDDEN, HIDDEN), "self_attn.k_proj": (HIDDEN, HIDDEN),
        "self_attn.v_proj": (HIDDEN, HIDDEN), "self_attn.o_proj": (HIDDEN, HIDDEN),
        "mlp.gate_proj": (INTERMEDIATE, HIDDEN), "mlp.up_proj": (INTERMEDIATE, HIDDEN),
        "mlp.down_proj": (HIDDEN, INTERMEDIATE),
    }
    weights, acts = {}, {}
    for name, (n, k) in shapes.items():
        weights[prefix + name + ".weight"] = (
            rng.standard_normal((n, k)) / np.sqrt(k)).astype(np.float16)
        x = rng.standard_normal((TOKENS, k))
        outliers = rng.choice(k, size=max(1, k // 64), replace=False)
        x[:, outliers] *= 20.0
        acts[prefix + name + ".input"] = x.astype(np.float32)
    for norm in ("input_layernorm", "post_attention_layernorm"):
        weights[prefix + norm + ".weight"] = (
            1.0 + 0.1 * rng.standard_normal(HIDDEN)).astype(np.float16)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": HIDDEN, "intermediate_size": INTERMEDIATE,
        "num_attention_heads": HEADS, "num_key_value_heads": HEADS,
        "num_hidden_layers": 1, "rms_norm_eps": 1e-5, "vocab_size": 32000,
        "tie_word_embeddings": False, "torch_dtype": "float16",
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), weights)
    # Beside the model directory, not in it: every .safetensors file of a
    # model directory is part of the checkpoint.
    write_safetensors(os.path.join(out_dir, "..", "activations.safetensors"),
                      acts)
    print(f"wrote {out_dir}: {len(weights)} tensors, calibration inputs for "
          f"{len(acts)} linears ({TOKENS} tokens each)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tiny-model")
