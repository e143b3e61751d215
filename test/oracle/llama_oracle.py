#!/usr/bin/env python3
"""Independent NumPy (float64) forward of a Llama-family Hugging Face model.

Reads `config.json` and the safetensors weights (one `model.safetensors`, or
shards listed in `model.safetensors.index.json`) of a llama / mistral / qwen2
decoder and computes the logits of a token sequence in float64, written from
the math of transformers' modeling_llama (not from the C++ executor):

  h = embed[ids]
  per layer:
    x = rmsnorm(h, input_layernorm)           x * rsqrt(mean(x^2) + eps) * w
    q, k, v = x Wq^T (+bq), x Wk^T (+bk), x Wv^T (+bv)
    q, k = rope(q), rope(k)                   rotate_half convention:
                                              y = x cos + rotate_half(x) sin,
                                              rotate_half(x) = [-x2, x1]
    a = softmax(q k^T / sqrt(head_dim) + causal mask) v   (query head h reads
                                              KV head h // (heads / kv_heads))
    h = h + a Wo^T
    x = rmsnorm(h, post_attention_layernorm)
    h = h + (silu(x Wg^T) * (x Wu^T)) Wd^T
  logits = rmsnorm(h, model.norm) lm_head^T   (embed^T when tied)

Rope inverse frequencies are theta^(-2i/head_dim), changed by `rope_scaling`
of type "linear" (divided by factor) or "llama3" (Llama 3.1's three bands).

CLI:
  llama_oracle.py MODEL_DIR --token-ids 1,5,9 [--logits-out F.npy]
      [--compare LOGITS.bin --rtol R --atol A] [--greedy N] [--ppl]
      [--precision f32]

LOGITS.bin is raw little-endian float32 [T, vocab], row-major, as
`awq-run --logits` writes it. --compare passes when every element satisfies
|got - ref| <= atol + rtol * |ref| and the argmax agrees at every position
whose reference top-2 gap exceeds that tolerance; it prints the errors and
exits 1 otherwise. --greedy N prints N greedily generated ids after the
prompt as `greedy: i,j,...`. --ppl prints the perplexity of the sequence
itself (exp of the mean of -log softmax(logits[t])[ids[t+1]]), the number a
perplexity evaluator must give for this one window.
"""

import argparse
import json
import math
import os
import struct
import sys

try:
    import numpy as np
except ImportError:
    print("FAIL: NumPy is not installed (python3 -m pip install numpy)")
    sys.exit(1)

# ===----------------------------------------------------------------------===
# Loading
# ===----------------------------------------------------------------------===

_ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8",
              "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1"}


def read_safetensors(path):
    """Returns {name: float64 ndarray} for one .safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen])
    header.pop("__metadata__", None)
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = blob[base + begin:base + end]
        shape = tuple(info["shape"])
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif info["dtype"] in _ST_DTYPES:
            array = np.frombuffer(raw, dtype=_ST_DTYPES[info["dtype"]])
        else:
            raise ValueError(f"{path}: {name}: unsupported dtype {info['dtype']}")
        out[name] = array.reshape(shape).astype(np.float64)
    return out


def load_model(model_dir):
    """Returns (config dict, {name: float64 ndarray})."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    index = os.path.join(model_dir, "model.safetensors.index.json")
    weights = {}
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    for fname in files:
        weights.update(read_safetensors(os.path.join(model_dir, fname)))
    return config, weights


# ===----------------------------------------------------------------------===
# Model
# ===----------------------------------------------------------------------===


def rope_inv_freq(config, head_dim):
    """Inverse frequencies theta^(-2i/d), with the config's rope scaling."""
    theta = float(config.get("rope_theta", 10000.0))
    inv_freq = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    scaling = config.get("rope_scaling")
    if not scaling:
        return inv_freq
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "default":
        return inv_freq
    if kind == "linear":
        # Position interpolation: positions / factor == frequencies / factor.
        return inv_freq / float(scaling["factor"])
    if kind == "llama3":
        # Llama 3.1: wavelengths shorter than old_ctx / high_freq_factor keep
        # their frequency, longer than old_ctx / low_freq_factor are divided
        # by factor, and in between interpolate linearly in old_ctx / wavelen.
        factor = float(scaling["factor"])
        low = float(scaling["low_freq_factor"])
        high = float(scaling["high_freq_factor"])
        old = float(scaling["original_max_position_embeddings"])
        wavelen = 2 * math.pi / inv_freq
        out = np.empty_like(inv_freq)
        for i, (freq, wl) in enumerate(zip(inv_freq, wavelen)):
            if wl < old / high:
                out[i] = freq
            elif wl > old / low:
                out[i] = freq / factor
            else:
                smooth = (old / wl - low) / (high - low)
                out[i] = (1 - smooth) * freq / factor + smooth * freq
        return out
    raise ValueError(f"unsupported rope_scaling type {kind!r}")


class Model:
    def __init__(self, model_dir, dtype=np.float64):
        config, weights = load_model(model_dir)
        model_type = config.get("model_type")
        if model_type not in ("llama", "mistral", "qwen2"):
            raise ValueError(f"unsupported model_type {model_type!r}")
        if config.get("hidden_act", "silu") != "silu":
            raise ValueError(f"unsupported hidden_act {config['hidden_act']!r}")
        self.dtype = dtype
        self.config = config
        self.w = {k: v.astype(dtype) for k, v in weights.items()}
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads") or self.heads
        self.head_dim = config.get("head_dim") or self.hidden // self.heads
        self.layers = config["num_hidden_layers"]
        self.eps = float(config["rms_norm_eps"])
        self.inv_freq = rope_inv_freq(config, self.head_dim)
        self.tied = config.get("tie_word_embeddings", False)
        window = config.get("sliding_window")
        if model_type == "qwen2" and not config.get("use_sliding_window", False):
            window = None
        self.window = window

    def rmsnorm(self, x, weight):
        var = np.mean(x * x, axis=-1, keepdims=True)
        return x / np.sqrt(var + self.eps) * weight

    def linear(self, x, name):
        y = x @ self.w[name + ".weight"].T
        bias = self.w.get(name + ".bias")
        return y if bias is None else y + bias

    def rope(self, x, positions):
        """x: [T, heads, head_dim]; rotate_half convention."""
        angles = positions[:, None].astype(np.float64) * self.inv_freq[None, :]
        cos = np.concatenate([np.cos(angles)] * 2, axis=-1).astype(self.dtype)
        sin = np.concatenate([np.sin(angles)] * 2, axis=-1).astype(self.dtype)
        half = self.head_dim // 2
        rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
        return x * cos[:, None, :] + rotated * sin[:, None, :]

    def attention(self, x, prefix, positions):
        t = x.shape[0]
        q = self.linear(x, prefix + "q_proj").reshape(t, self.heads, self.head_dim)
        k = self.linear(x, prefix + "k_proj").reshape(t, self.kv_heads, self.head_dim)
        v = self.linear(x, prefix + "v_proj").reshape(t, self.kv_heads, self.head_dim)
        q, k = self.rope(q, positions), self.rope(k, positions)
        group = self.heads // self.kv_heads
        # Causal mask (and a sliding window where the config sets one that
        # the sequence reaches).
        allowed = positions[None, :] <= positions[:, None]
        if self.window is not None:
            allowed &= positions[:, None] - positions[None, :] < self.window
        out = np.empty((t, self.heads, self.head_dim), dtype=self.dtype)
        scale = 1.0 / math.sqrt(self.head_dim)
        for h in range(self.heads):
            kv = h // group
            scores = (q[:, h, :] @ k[:, kv, :].T) * scale
            scores = np.where(allowed, scores, -np.inf)
            scores = scores - scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            out[:, h, :] = probs @ v[:, kv, :]
        return self.linear(out.reshape(t, self.heads * self.head_dim),
                           prefix + "o_proj")

    def mlp(self, x, prefix):
        gate = self.linear(x, prefix + "gate_proj")
        up = self.linear(x, prefix + "up_proj")
        silu = gate / (1.0 + np.exp(-gate))
        return self.linear(silu * up, prefix + "down_proj")

    def forward(self, ids):
        """Returns logits [T, vocab] for token ids [T] at positions 0..T-1."""
        ids = np.asarray(ids, dtype=np.int64)
        vocab = self.config["vocab_size"]
        if ids.min() < 0 or ids.max() >= vocab:
            raise ValueError(f"token id out of range [0, {vocab})")
        positions = np.arange(len(ids))
        h = self.w["model.embed_tokens.weight"][ids]
        for i in range(self.layers):
            p = f"model.layers.{i}."
            x = self.rmsnorm(h, self.w[p + "input_layernorm.weight"])
            h = h + self.attention(x, p + "self_attn.", positions)
            x = self.rmsnorm(h, self.w[p + "post_attention_layernorm.weight"])
            h = h + self.mlp(x, p + "mlp.")
        h = self.rmsnorm(h, self.w["model.norm.weight"])
        head = self.w.get("lm_head.weight")
        if head is None or self.tied:
            head = self.w["model.embed_tokens.weight"]
        return h @ head.T

    def greedy(self, ids, n):
        ids = list(ids)
        out = []
        for _ in range(n):
            nxt = int(np.argmax(self.forward(ids)[-1]))
            out.append(nxt)
            ids.append(nxt)
        return out


# ===----------------------------------------------------------------------===
# Comparison
# ===----------------------------------------------------------------------===


def compare(ref, got, rtol, atol, label="logits"):
    """Prints the errors of got against ref [T, V]; returns True on pass."""
    if not np.all(np.isfinite(got)):
        print(f"FAIL: {label}: non-finite values in the compared logits")
        return False
    diff = np.abs(got.astype(np.float64) - ref)
    tol = atol + rtol * np.abs(ref)
    bad = diff > tol
    rel = diff / np.maximum(np.abs(ref), 1e-30)
    print(f"{label}: T={ref.shape[0]} vocab={ref.shape[1]} "
          f"max_abs_err={diff.max():.3e} max_rel_err={rel.max():.3e} "
          f"(rtol={rtol:g} atol={atol:g}, {int(bad.sum())} outside)")
    ok = not bad.any()
    if bad.any():
        t, v = np.unravel_index(np.argmax(diff - tol), diff.shape)
        print(f"  worst: position {t} token {v}: got {got[t, v]:.7g} "
              f"ref {ref[t, v]:.7g}")
    # Argmax: a position counts as ambiguous when the reference's top two
    # are closer than the tolerance (either answer is then right).
    ref_top = np.argmax(ref, axis=-1)
    got_top = np.argmax(got, axis=-1)
    srt = np.sort(ref, axis=-1)
    gap = srt[:, -1] - srt[:, -2]
    ambiguous = gap <= 2 * (atol + rtol * np.abs(srt[:, -1]))
    agree = ref_top == got_top
    print(f"argmax agreement: {int(agree.sum())}/{len(agree)} "
          f"({int(ambiguous.sum())} positions with a top-2 gap within tolerance)")
    mismatched = np.nonzero(~agree & ~ambiguous)[0]
    if len(mismatched):
        print(f"  argmax differs at positions {mismatched.tolist()}")
        ok = False
    print("PASS" if ok else "FAIL")
    return ok


def read_logits_bin(path, vocab):
    data = np.fromfile(path, dtype="<f4")
    if data.size % vocab:
        raise ValueError(f"{path}: {data.size} floats is not a multiple of "
                         f"vocab {vocab}")
    return data.reshape(-1, vocab)


def parse_ids(text):
    """A comma/space separated list, or @FILE of raw little-endian int32."""
    if text.startswith("@"):
        return np.fromfile(text[1:], dtype="<i4").tolist()
    return [int(t) for t in text.replace(",", " ").split()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--token-ids", required=True,
                        help="comma-separated ids, or @FILE of int32")
    parser.add_argument("--logits-out", metavar="F.npy",
                        help="save the reference logits (float64) as .npy")
    parser.add_argument("--compare", metavar="LOGITS.bin",
                        help="raw little-endian float32 [T, vocab] to check")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--greedy", type=int, default=0, metavar="N",
                        help="print N greedily generated ids")
    parser.add_argument("--ppl", action="store_true",
                        help="print the mean next-token NLL and perplexity of "
                             "the sequence (T-1 predictions)")
    parser.add_argument("--precision", choices=["f64", "f32"], default="f64",
                        help="arithmetic of the oracle itself (f32 only to "
                             "measure how far f32 evaluation drifts)")
    args = parser.parse_args()

    ids = parse_ids(args.token_ids)
    if not ids:
        sys.exit("error: no token ids")
    model = Model(args.model_dir,
                  np.float64 if args.precision == "f64" else np.float32)
    logits = model.forward(ids).astype(np.float64)
    if not np.all(np.isfinite(logits)):
        print("FAIL: the oracle's own logits are not finite")
        return 1
    print(f"oracle: T={logits.shape[0]} vocab={logits.shape[1]} "
          f"logits std={logits.std():.4f} "
          f"argmax={','.join(str(int(i)) for i in np.argmax(logits, -1))}")
    if args.logits_out:
        np.save(args.logits_out, logits)
    ok = True
    if args.compare:
        got = read_logits_bin(args.compare, logits.shape[1])
        if got.shape != logits.shape:
            print(f"FAIL: {args.compare}: shape {list(got.shape)}, expected "
                  f"{list(logits.shape)}")
            return 1
        ok = compare(logits, got, args.rtol, args.atol)
    if args.ppl and len(ids) > 1:
        # log_softmax in f64; row t predicts ids[t + 1].
        shifted = logits[:-1] - logits[:-1].max(axis=-1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        nll = -logp[np.arange(len(ids) - 1), np.asarray(ids[1:])]
        print(f"ppl: {math.exp(nll.mean()):.6f} nll: {nll.mean():.6f} "
              f"over {len(nll)} predictions")
    if args.greedy:
        print("greedy: " + ",".join(str(i) for i in model.greedy(ids, args.greedy)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
