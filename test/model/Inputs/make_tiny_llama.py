#!/usr/bin/env python3
"""Writes a tiny random decoder-only model as a Hugging Face directory.

The directory holds `config.json` and `model.safetensors` (or, with
`--shards N`, `model-0000i-of-0000N.safetensors` plus
`model.safetensors.index.json`), laid out like the real checkpoints of the
family named by `--variant`, so that awq-import reads it the way it reads a
downloaded model. With `--gguf OUT.gguf` the same weights are also written as
a llama.cpp-style GGUF (F32 tensors, Q/K rows permuted as llama.cpp's
convert_hf_to_gguf.py permutes them), so the two import paths can be checked
against each other.

The safetensors writer is NumPy + json only (8-byte little-endian header
length, a JSON header {name: {dtype, shape, data_offsets}}, then the data), so
the generator needs no package beyond NumPy unless `--gguf` is given.

Usage:
  make_tiny_llama.py OUT_DIR --variant llama-gqa [--dtype f32|f16|bf16]
                     [--seed S] [--shards N] [--gguf OUT.gguf]
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np

# ===----------------------------------------------------------------------===
# Variants
# ===----------------------------------------------------------------------===

_LLAMA_BASE = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_act": "silu",
    "hidden_size": 64,
    "intermediate_size": 96,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "vocab_size": 128,
    "max_position_embeddings": 128,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "attention_bias": False,
    "mlp_bias": False,
    "tie_word_embeddings": False,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "initializer_range": 0.02,
    "torch_dtype": "float32",
}


def _variant(base, **changes):
    config = dict(base)
    config.update(changes)
    return config


VARIANTS = {
    # Llama with grouped-query attention (2 query heads per KV head).
    "llama-gqa": _variant(_LLAMA_BASE),
    # SmolLM2-style: tied embeddings (no lm_head.weight), one KV head shared by
    # three query heads, a larger rope_theta.
    "smollm-tied": _variant(
        _LLAMA_BASE, hidden_size=48, num_attention_heads=3,
        num_key_value_heads=1, head_dim=16, intermediate_size=80,
        rope_theta=100000.0, tie_word_embeddings=True),
    # Qwen2: q/k/v projections carry biases, tied embeddings as the 0.5B and
    # 1.5B models have, eps 1e-6. Qwen2 configs carry no head_dim key.
    "qwen2-bias": {
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "hidden_act": "silu",
        "hidden_size": 64,
        "intermediate_size": 112,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 128,
        "max_position_embeddings": 128,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "rope_scaling": None,
        "tie_word_embeddings": True,
        "use_sliding_window": False,
        "sliding_window": 128,
        "max_window_layers": 2,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "initializer_range": 0.02,
        "torch_dtype": "float32",
    },
    # Llama 3.1-style rope scaling. With head_dim 16 and theta 10000 the
    # wavelengths 2*pi/inv_freq are 6.3, 19.9, 62.8, 199, ... tokens; with
    # original_max_position_embeddings 64 the bands are < 16 (kept),
    # 16..64 (smoothed) and > 64 (divided by factor), so each band has at
    # least one frequency (checked in rope_bands below).
    "llama3-rope": _variant(
        _LLAMA_BASE, max_position_embeddings=256,
        rope_scaling={"rope_type": "llama3", "factor": 8.0,
                      "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 64}),
    # Mistral: the same math as Llama; sliding_window null (as in
    # Mistral-7B-v0.3), so no window applies. 8 heads of 8 over 2 KV heads.
    "mistral": _variant(
        _LLAMA_BASE, architectures=["MistralForCausalLM"],
        model_type="mistral", num_attention_heads=8, num_key_value_heads=2,
        head_dim=8, sliding_window=None, rope_theta=1000000.0),
}


def rope_bands(config):
    """Returns (kept, smoothed, divided) counts of the llama3 rope bands."""
    scaling = config["rope_scaling"]
    head_dim = config.get("head_dim") or (
        config["hidden_size"] // config["num_attention_heads"])
    inv_freq = 1.0 / config["rope_theta"] ** (
        np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    wavelen = 2 * math.pi / inv_freq
    old = scaling["original_max_position_embeddings"]
    high_wavelen = old / scaling["high_freq_factor"]
    low_wavelen = old / scaling["low_freq_factor"]
    kept = int(np.sum(wavelen < high_wavelen))
    divided = int(np.sum(wavelen > low_wavelen))
    return kept, len(wavelen) - kept - divided, divided


def llama3_rope_factors(config):
    """The per-frequency divisors llama.cpp stores as `rope_freqs.weight`.

    convert_hf_to_gguf.py (LlamaModel.generate_extra_tensors) writes 1 for
    the kept band, `factor` for the divided band and
    1 / ((1 - smooth) / factor + smooth) in between; llama.cpp divides each
    inverse frequency by it.
    """
    scaling = config["rope_scaling"]
    head_dim = config.get("head_dim") or (
        config["hidden_size"] // config["num_attention_heads"])
    factor = scaling["factor"]
    low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
    old = scaling["original_max_position_embeddings"]
    inv_freq = 1.0 / config["rope_theta"] ** (
        np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    factors = []
    for freq in inv_freq:
        wavelen = 2 * math.pi / freq
        if wavelen < old / high:
            factors.append(1.0)
        elif wavelen > old / low:
            factors.append(factor)
        else:
            smooth = (old / wavelen - low) / (high - low)
            factors.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.asarray(factors, dtype=np.float32)


# ===----------------------------------------------------------------------===
# Weights
# ===----------------------------------------------------------------------===


def make_weights(config, rng):
    """Returns {HF tensor name: float32 array} with realistic scales.

    Projections are N(0, 0.1^2) (attention scores then have a standard
    deviation around 1 at hidden 64, so softmax is neither uniform nor
    one-hot), norms 1 + N(0, 0.1^2), the embedding N(0, 0.1^2) (tied logits
    then have a spread around 1), biases N(0, 0.1^2).
    """
    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    kv_heads = config["num_key_value_heads"]
    head_dim = config.get("head_dim") or hidden // heads
    inter = config["intermediate_size"]
    vocab = config["vocab_size"]
    has_qkv_bias = config["model_type"] == "qwen2" or config.get(
        "attention_bias", False)

    def normal(*shape, scale=0.1):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def norm(n):
        return (1.0 + rng.standard_normal(n) * 0.1).astype(np.float32)

    weights = {"model.embed_tokens.weight": normal(vocab, hidden)}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        weights[p + "input_layernorm.weight"] = norm(hidden)
        weights[p + "self_attn.q_proj.weight"] = normal(heads * head_dim, hidden)
        weights[p + "self_attn.k_proj.weight"] = normal(kv_heads * head_dim, hidden)
        weights[p + "self_attn.v_proj.weight"] = normal(kv_heads * head_dim, hidden)
        if has_qkv_bias:
            weights[p + "self_attn.q_proj.bias"] = normal(heads * head_dim)
            weights[p + "self_attn.k_proj.bias"] = normal(kv_heads * head_dim)
            weights[p + "self_attn.v_proj.bias"] = normal(kv_heads * head_dim)
        weights[p + "self_attn.o_proj.weight"] = normal(hidden, heads * head_dim)
        weights[p + "post_attention_layernorm.weight"] = norm(hidden)
        weights[p + "mlp.gate_proj.weight"] = normal(inter, hidden)
        weights[p + "mlp.up_proj.weight"] = normal(inter, hidden)
        weights[p + "mlp.down_proj.weight"] = normal(hidden, inter)
    weights["model.norm.weight"] = norm(hidden)
    if not config["tie_word_embeddings"]:
        weights["lm_head.weight"] = normal(vocab, hidden)
    return weights


def f32_to_bf16_bits(x):
    """Round-to-nearest-even f32 -> bf16, as uint16 bit patterns."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + np.uint32(0x7FFF)
    return ((bits + rounding) >> 16).astype(np.uint16)


def bf16_bits_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def to_storage(array, dtype):
    """Returns (safetensors dtype name, bytes, value as f32 after rounding)."""
    if dtype == "f32":
        return "F32", array.astype("<f4").tobytes(), array
    if dtype == "f16":
        half = array.astype("<f2")
        return "F16", half.tobytes(), half.astype(np.float32)
    bits = f32_to_bf16_bits(array)
    return "BF16", bits.astype("<u2").tobytes(), bf16_bits_to_f32(bits)


# ===----------------------------------------------------------------------===
# safetensors
# ===----------------------------------------------------------------------===


def write_safetensors(path, entries):
    """entries: [(name, dtype name, shape, bytes)] in file order."""
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, dtype, shape, data in entries:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    blob = json.dumps(header, separators=(",", ":")).encode()
    # Pad the header with spaces to 8 bytes, as the reference writer does, so
    # the data starts aligned.
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, _, _, data in entries:
            f.write(data)


def write_hf_dir(out_dir, config, weights, dtype, shards):
    """Writes config.json and the weights; returns {name: stored value f32}."""
    os.makedirs(out_dir, exist_ok=True)
    config = dict(config)
    config["torch_dtype"] = {"f32": "float32", "f16": "float16",
                             "bf16": "bfloat16"}[dtype]
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")

    stored = {}
    entries = []
    for name, array in weights.items():
        st_dtype, data, value = to_storage(array, dtype)
        stored[name] = value
        entries.append((name, st_dtype, array.shape, data))

    if shards <= 1:
        write_safetensors(os.path.join(out_dir, "model.safetensors"), entries)
        return stored
    # Round-robin over the shards so every shard holds tensors of several
    # layers, as the index allows any assignment.
    weight_map = {}
    total = 0
    for s in range(shards):
        fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = entries[s::shards]
        write_safetensors(os.path.join(out_dir, fname), part)
        for name, _, _, data in part:
            weight_map[name] = fname
            total += len(data)
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total},
                   "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")
    return stored


# ===----------------------------------------------------------------------===
# GGUF
# ===----------------------------------------------------------------------===


def permute_qk(weights, n_head):
    """llama.cpp's convert_hf_to_gguf.py LlamaModel.permute.

    HF stores each head's rotary pairs as (first half, second half)
    (rotate_half); llama.cpp's GGML_ROPE_TYPE_NORM rotates adjacent pairs,
    so the converter interleaves the halves of each head's rows. n_head is
    the KV head count for K.
    """
    rows = weights.shape[0]
    return (weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def unpermute_qk(weights, n_head):
    """The inverse of permute_qk (what an importer must apply)."""
    rows = weights.shape[0]
    return (weights.reshape(n_head, rows // n_head // 2, 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def gguf_tensors(config, stored):
    """Returns [(llama.cpp name, float32 array)] for the HF tensors."""
    arch = "qwen2" if config["model_type"] == "qwen2" else "llama"
    heads = config["num_attention_heads"]
    kv_heads = config["num_key_value_heads"]
    # llama.cpp's Qwen2 uses NEOX rope (rotate_half), so its converter does
    # not permute; the llama architecture does.
    permute = arch == "llama"
    out = [("token_embd.weight", stored["model.embed_tokens.weight"])]
    names = {
        "input_layernorm.weight": "attn_norm.weight",
        "self_attn.q_proj.weight": "attn_q.weight",
        "self_attn.k_proj.weight": "attn_k.weight",
        "self_attn.v_proj.weight": "attn_v.weight",
        "self_attn.q_proj.bias": "attn_q.bias",
        "self_attn.k_proj.bias": "attn_k.bias",
        "self_attn.v_proj.bias": "attn_v.bias",
        "self_attn.o_proj.weight": "attn_output.weight",
        "post_attention_layernorm.weight": "ffn_norm.weight",
        "mlp.gate_proj.weight": "ffn_gate.weight",
        "mlp.up_proj.weight": "ffn_up.weight",
        "mlp.down_proj.weight": "ffn_down.weight",
    }
    for i in range(config["num_hidden_layers"]):
        for hf_suffix, gg_suffix in names.items():
            hf_name = f"model.layers.{i}.{hf_suffix}"
            if hf_name not in stored:
                continue
            value = stored[hf_name]
            if permute and hf_suffix.startswith("self_attn.q_proj"):
                value = permute_qk(value, heads)
            elif permute and hf_suffix.startswith("self_attn.k_proj"):
                value = permute_qk(value, kv_heads)
            out.append((f"blk.{i}.{gg_suffix}", value))
    out.append(("output_norm.weight", stored["model.norm.weight"]))
    if "lm_head.weight" in stored:
        out.append(("output.weight", stored["lm_head.weight"]))
    if config.get("rope_scaling") and config["rope_scaling"].get(
            "rope_type") == "llama3":
        out.append(("rope_freqs.weight", llama3_rope_factors(config)))
    return arch, out


def write_gguf(path, config, stored, raw_types=()):
    try:
        import gguf
    except ImportError:
        sys.exit(f"error: --gguf needs the gguf package, which {sys.executable} "
                 "lacks (scripts/setup.sh installs it for the python3 on PATH)")
    arch, tensors = gguf_tensors(config, stored)
    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    head_dim = config.get("head_dim") or hidden // heads
    writer = gguf.GGUFWriter(path, arch)
    writer.add_name("tiny-" + config["model_type"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(hidden)
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_rope_freq_base(float(config["rope_theta"]))
    writer.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))
    writer.add_rope_dimension_count(head_dim)
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_vocab_size(config["vocab_size"])
    raw = dict(item.split("=") for item in raw_types)
    for name, value in tensors:
        if name in raw:
            # Zero blocks of another ggml type (for importer error tests).
            kind = gguf.GGMLQuantizationType[raw[name]]
            block, size = gguf.GGML_QUANT_SIZES[kind]
            rows, cols = value.shape
            data = np.zeros((rows, cols // block * size), dtype=np.uint8)
            writer.add_tensor(name, data, raw_dtype=kind)
            continue
        writer.add_tensor(name, np.ascontiguousarray(value, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# ===----------------------------------------------------------------------===
# Driver
# ===----------------------------------------------------------------------===


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="llama-gqa")
    parser.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32",
                        help="storage dtype of the safetensors weights")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shards", type=int, default=1,
                        help="split the weights over N files with an index")
    parser.add_argument("--gguf", metavar="OUT.gguf",
                        help="also write the weights (as stored, in F32) as GGUF")
    parser.add_argument("--gguf-raw-type", action="append", default=[],
                        metavar="TENSOR=TYPE",
                        help="store this GGUF tensor as zero blocks of a "
                        "ggml type (e.g. blk.0.ffn_down.weight=Q5_0)")
    args = parser.parse_args()

    config = VARIANTS[args.variant]
    if args.variant == "llama3-rope":
        kept, smoothed, divided = rope_bands(config)
        assert kept and smoothed and divided, (kept, smoothed, divided)
    rng = np.random.default_rng(args.seed)
    weights = make_weights(config, rng)
    stored = write_hf_dir(args.out_dir, config, weights, args.dtype, args.shards)
    if args.gguf:
        write_gguf(args.gguf, config, stored, args.gguf_raw_type)


if __name__ == "__main__":
    main()
