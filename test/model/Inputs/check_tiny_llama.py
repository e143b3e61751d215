#!/usr/bin/env python3
"""Self-test of make_tiny_llama.py and llama_oracle.py (no C++ tool needed).

For each variant: the generated model's oracle logits are finite and spread
(std of every row > 0.1), greedy decoding continues with the last row's
argmax, f16/bf16 storage reads back to the rounded values, a sharded copy
gives the same logits, the oracle's --compare accepts its own logits written
as float32 and rejects a perturbed copy. For the GGUF: the llama.cpp Q/K
permutation round-trips (unpermute(permute(W)) == W), turns rotate_half rope
into llama.cpp's adjacent-pair rope, and gguf.GGUFReader reads back the
permuted weights, the metadata and (llama3) rope_freqs that reproduce the
oracle's scaled frequencies. Prints one `<variant>: ok` line per variant and
`all ok`; exits 1 on the first failure.

Usage: check_tiny_llama.py WORK_DIR
"""

import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_DIR = os.path.join(HERE, "..", "..", "oracle")
sys.path.insert(0, HERE)
sys.path.insert(0, ORACLE_DIR)
import make_tiny_llama as gen  # noqa: E402
import llama_oracle  # noqa: E402

IDS = [1, 5, 9, 17, 33, 64, 2, 100, 7, 7, 45, 90, 12, 3, 77, 120, 56, 8, 31, 99]


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True)


def check_variant(work, variant):
    import gguf

    config = gen.VARIANTS[variant]
    d = os.path.join(work, variant)
    gg = d + ".gguf"
    r = run(os.path.join(HERE, "make_tiny_llama.py"), d, "--variant", variant,
            "--gguf", gg)
    if r.returncode:
        fail(f"{variant}: generator: {r.stderr}")
    model = llama_oracle.Model(d)
    logits = model.forward(IDS)
    if logits.shape != (len(IDS), config["vocab_size"]):
        fail(f"{variant}: logits shape {logits.shape}")
    if not np.all(np.isfinite(logits)):
        fail(f"{variant}: non-finite logits")
    if logits.std(axis=-1).min() <= 0.1:
        fail(f"{variant}: degenerate logits (row std {logits.std(-1).min()})")
    greedy = model.greedy(IDS, 4)
    if greedy[0] != int(np.argmax(logits[-1])):
        fail(f"{variant}: greedy does not start with the last argmax")
    if not all(0 <= g < config["vocab_size"] for g in greedy):
        fail(f"{variant}: greedy ids out of range")

    # --compare: its own logits in float32 pass, a perturbed copy fails.
    good = os.path.join(work, variant + ".good.bin")
    bad = os.path.join(work, variant + ".bad.bin")
    logits.astype("<f4").tofile(good)
    worse = logits.copy()
    worse[3, 7] += 1e-2
    worse.astype("<f4").tofile(bad)
    ids = ",".join(map(str, IDS))
    oracle = os.path.join(ORACLE_DIR, "llama_oracle.py")
    r = run(oracle, d, "--token-ids", ids, "--compare", good)
    if r.returncode or "PASS" not in r.stdout:
        fail(f"{variant}: --compare rejects the oracle's own logits:\n{r.stdout}")
    r = run(oracle, d, "--token-ids", ids, "--compare", bad)
    if r.returncode == 0:
        fail(f"{variant}: --compare accepts a 1e-2 perturbation:\n{r.stdout}")

    # Storage dtypes read back as the rounded values; sharding changes nothing.
    rng = np.random.default_rng(0)
    f32 = gen.make_weights(config, rng)
    for dtype in ["f16", "bf16"]:
        dd = os.path.join(work, f"{variant}-{dtype}")
        gen.write_hf_dir(dd, config, f32, dtype, 1)
        back = llama_oracle.load_model(dd)[1]
        for name, value in f32.items():
            expect = gen.to_storage(value, dtype)[2].astype(np.float64)
            if not np.array_equal(back[name], expect):
                fail(f"{variant}: {dtype} {name} does not read back")
            if np.array_equal(back[name], value.astype(np.float64)):
                fail(f"{variant}: {dtype} {name} was not rounded")
    dd = os.path.join(work, variant + "-sharded")
    gen.write_hf_dir(dd, config, f32, "f32", 3)
    if not os.path.exists(os.path.join(dd, "model.safetensors.index.json")):
        fail(f"{variant}: no index for the sharded copy")
    if not np.array_equal(llama_oracle.Model(dd).forward(IDS), logits):
        fail(f"{variant}: the sharded copy gives other logits")

    # GGUF.
    heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
    hidden = config["hidden_size"]
    head_dim = config.get("head_dim") or hidden // heads
    reader = gguf.GGUFReader(gg)
    tensors = {t.name: np.asarray(t.data) for t in reader.tensors}
    arch = reader.fields["general.architecture"].contents()
    fields = {k: reader.fields[k].contents() for k in reader.fields}
    expect_meta = {
        "block_count": config["num_hidden_layers"],
        "context_length": config["max_position_embeddings"],
        "embedding_length": hidden,
        "feed_forward_length": config["intermediate_size"],
        "attention.head_count": heads, "attention.head_count_kv": kv,
        "rope.dimension_count": head_dim, "vocab_size": config["vocab_size"],
    }
    for key, value in expect_meta.items():
        if fields.get(f"{arch}.{key}") != value:
            fail(f"{variant}: GGUF {arch}.{key} = {fields.get(f'{arch}.{key}')}")
    if not np.isclose(fields[f"{arch}.rope.freq_base"], config["rope_theta"]):
        fail(f"{variant}: GGUF rope.freq_base")
    if not np.isclose(fields[f"{arch}.attention.layer_norm_rms_epsilon"],
                      config["rms_norm_eps"], rtol=1e-6):
        fail(f"{variant}: GGUF layer_norm_rms_epsilon")
    if ("output.weight" in tensors) == config["tie_word_embeddings"]:
        fail(f"{variant}: GGUF output.weight present iff untied")
    hf = llama_oracle.load_model(d)[1]
    permuted = arch == "llama"
    for i in range(config["num_hidden_layers"]):
        for proj, n in [("q", heads), ("k", kv)]:
            w = hf[f"model.layers.{i}.self_attn.{proj}_proj.weight"]
            g = tensors[f"blk.{i}.attn_{proj}.weight"]
            if g.dtype != np.float32 or g.shape != w.shape:
                fail(f"{variant}: blk.{i}.attn_{proj}.weight {g.dtype} {g.shape}")
            want = gen.permute_qk(w, n) if permuted else w
            if not np.array_equal(g, want.astype(np.float32)):
                fail(f"{variant}: blk.{i}.attn_{proj}.weight is not llama.cpp's layout")
            if permuted and n > 0 and np.array_equal(g, w.astype(np.float32)):
                fail(f"{variant}: blk.{i}.attn_{proj}.weight was not permuted")
            if not np.array_equal(gen.unpermute_qk(g.astype(np.float64), n)
                                  if permuted else g, w):
                fail(f"{variant}: unpermute(permute(W)) != W")
        for hf_s, gg_s in [("mlp.down_proj.weight", "ffn_down.weight"),
                           ("input_layernorm.weight", "attn_norm.weight")]:
            if not np.array_equal(tensors[f"blk.{i}.{gg_s}"],
                                  hf[f"model.layers.{i}.{hf_s}"].astype(np.float32)):
                fail(f"{variant}: blk.{i}.{gg_s}")
    if not np.array_equal(tensors["token_embd.weight"],
                          hf["model.embed_tokens.weight"].astype(np.float32)):
        fail(f"{variant}: token_embd.weight")
    if config.get("rope_scaling"):
        kept, smoothed, divided = gen.rope_bands(config)
        if not (kept and smoothed and divided):
            fail(f"{variant}: a llama3 rope band is empty")
        base = 1.0 / config["rope_theta"] ** (
            np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
        scaled = base / tensors["rope_freqs.weight"].astype(np.float64)
        if not np.allclose(scaled, model.inv_freq, rtol=1e-6, atol=0):
            fail(f"{variant}: rope_freqs does not give the oracle's frequencies")
    print(f"{variant}: ok (logits std {logits.std():.3f}, greedy "
          f"{','.join(map(str, greedy))})")


def check_permutation_is_rope_convention():
    """llama.cpp's adjacent-pair rope on permuted rows equals HF's
    rotate_half rope on the original rows, permuted the same way."""
    rng = np.random.default_rng(5)
    head_dim, n_head, pos = 16, 2, 11
    inv = 1.0 / 10000.0 ** (np.arange(0, head_dim, 2) / head_dim)
    w = rng.standard_normal((n_head * head_dim, 24))
    x = rng.standard_normal(24)
    ang = pos * inv

    def rotate_half(v):
        h = head_dim // 2
        c, s = np.tile(np.cos(ang), 2), np.tile(np.sin(ang), 2)
        return v * c + np.concatenate([-v[h:], v[:h]]) * s

    def adjacent(v):
        out = v.copy()
        out[0::2] = v[0::2] * np.cos(ang) - v[1::2] * np.sin(ang)
        out[1::2] = v[0::2] * np.sin(ang) + v[1::2] * np.cos(ang)
        return out

    q = w @ x
    hf = np.concatenate([rotate_half(q[h * head_dim:(h + 1) * head_dim])
                         for h in range(n_head)])
    qp = gen.permute_qk(w, n_head) @ x
    cpp = np.concatenate([adjacent(qp[h * head_dim:(h + 1) * head_dim])
                          for h in range(n_head)])
    if not np.allclose(gen.permute_qk(hf[:, None], n_head)[:, 0], cpp,
                       rtol=0, atol=1e-12):
        fail("the Q/K permutation does not map rotate_half to adjacent pairs")
    print("permutation: ok")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    check_permutation_is_rope_convention()
    for variant in sorted(gen.VARIANTS):
        check_variant(work, variant)
    print("all ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
