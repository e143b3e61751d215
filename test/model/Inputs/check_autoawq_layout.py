#!/usr/bin/env python3
"""Independent oracle for the layout AutoAWQ's save_quantized writes for
`version: gemm` (AutoAWQ's WQLinear_GEMM buffers and quant_config), checked
against a checkpoint directory: exactly these tensors with these dtypes and
shapes, and the quantization_config keys and values.

  <linear>.qweight  int32 [K, N / 8]
  <linear>.qzeros   int32 [K / G, N / 8]
  <linear>.scales   float16 [K / G, N]
  <linear>.bias     float16 [N]          (where the model has one)
  every other tensor float16, Hugging Face name and shape; lm_head.weight
  only for untied models.

Usage: check_autoawq_layout.py CHECKPOINT_DIR GROUP_SIZE
"""
import json
import os
import sys


def expected_tensors(c, group, biases):
    h, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    d = c.get("head_dim") or h // c["num_attention_heads"]
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    out = {"model.embed_tokens.weight": ("F16", [v, h]),
           "model.norm.weight": ("F16", [h])}
    if not c.get("tie_word_embeddings", False):
        out["lm_head.weight"] = ("F16", [v, h])
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        out[p + "input_layernorm.weight"] = ("F16", [h])
        out[p + "post_attention_layernorm.weight"] = ("F16", [h])
        for name, n, k in (("self_attn.q_proj", q, h), ("self_attn.k_proj", kv, h),
                           ("self_attn.v_proj", kv, h), ("self_attn.o_proj", h, q),
                           ("mlp.gate_proj", i, h), ("mlp.up_proj", i, h),
                           ("mlp.down_proj", h, i)):
            out[p + name + ".qweight"] = ("I32", [k, n // 8])
            out[p + name + ".qzeros"] = ("I32", [k // group, n // 8])
            out[p + name + ".scales"] = ("F16", [k // group, n])
            if p + name + ".bias" in biases:
                out[p + name + ".bias"] = ("F16", [n])
    return out


def main():
    directory, group = sys.argv[1], int(sys.argv[2])
    config = json.load(open(os.path.join(directory, "config.json")))
    want_quant = {"quant_method": "awq", "zero_point": True,
                  "group_size": group, "bits": 4, "version": "gemm",
                  "modules_to_not_convert": None}
    errors = []
    if config.get("quantization_config") != want_quant:
        errors.append(f"quantization_config {config.get('quantization_config')}"
                      f" != {want_quant}")
    header = {}
    for f in sorted(os.listdir(directory)):
        if f.endswith(".safetensors"):
            blob = open(os.path.join(directory, f), "rb").read()
            n = int.from_bytes(blob[:8], "little")
            h = json.loads(blob[8:8 + n])
            h.pop("__metadata__", None)
            header.update(h)
    biases = {k for k in header if k.endswith(".bias")}
    want = expected_tensors(config, group, biases)
    got = {k: (v["dtype"], v["shape"]) for k, v in header.items()}
    for name in sorted(set(want) | set(got)):
        if want.get(name) != got.get(name):
            errors.append(f"{name}: expected {want.get(name)}, got {got.get(name)}")
    print(f"{len(got)} tensors checked against AutoAWQ's GEMM layout")
    if errors:
        print("\n".join(errors[:20]))
        sys.exit("FAIL")
    print("PASS")


if __name__ == "__main__":
    main()
