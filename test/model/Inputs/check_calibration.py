#!/usr/bin/env python3
"""Independent check of awq-calibrate's numbers on layer 0's q/k/v group:
recomputes, in NumPy from the HF checkpoint and the calibration text, the
activation statistic x_mean (mean |x| of input_layernorm's output over all
calibration tokens) and the weight statistic w_mean (|W| over its group
max, averaged over the rows of q, k and v), then the AWQ grid scale for the
ratio the search reported, and compares it with the scale in the results
file. Tokenization with Hugging Face `tokenizers` on the same
tokenizer.json.

Usage: check_calibration.py MODEL_DIR TEXT SAMPLES TOKENS GROUP RESULTS REPORT
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "oracle"))
from llama_oracle import load_model  # noqa: E402


def grid_scale(x_mean, w_mean, ratio):
    s = np.maximum(x_mean ** ratio / (w_mean ** (1 - ratio) + 1e-4), 1e-4)
    return s / np.sqrt(s.max() * s.min())


def main():
    model_dir, text, samples, tokens, group, results, report = sys.argv[1:8]
    samples, tokens, group = int(samples), int(tokens), int(group)
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    ids = tok.encode(open(text, encoding="utf-8").read(),
                     add_special_tokens=False).ids[:samples * tokens]
    config, w = load_model(model_dir)
    x = w["model.embed_tokens.weight"][ids]
    eps = config["rms_norm_eps"]
    x = x / np.sqrt((x * x).mean(-1, keepdims=True) + eps)
    x = x * w["model.layers.0.input_layernorm.weight"]
    x_mean = np.abs(x).mean(0)
    p = "model.layers.0.self_attn."
    weight = np.concatenate([w[p + n + "_proj.weight"] for n in "qkv"])
    g = np.abs(weight).reshape(-1, group)
    w_mean = (g / (g.max(1, keepdims=True) + 1e-6)).reshape(weight.shape).mean(0)
    ratio = next(r["ratio"] for r in json.load(open(report))["groups"]
                 if r["layer"] == 0 and r["kind"] == "qkv")
    expected = grid_scale(x_mean, w_mean, ratio)
    with open(results, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    info = header[p + "q_proj.awq_scale"]
    a, b = info["data_offsets"]
    got = np.frombuffer(blob[8 + n + a:8 + n + b], "<f4")
    err = np.abs(got - expected).max() / np.abs(expected).max()
    print(f"layer 0 qkv: ratio {ratio:.2f}, {len(got)} channels, "
          f"max relative error {err:.2e}")
    if not err <= 1e-4:
        sys.exit("FAIL")
    print("PASS")


if __name__ == "__main__":
    main()
