#!/usr/bin/env python3
"""End-to-end speed of transformers Llama models with awq_mlir linears vs f16
(docs/python.md, "Speed"). Random weights (speed does not depend on them),
one process, both sides on the same GPU:

  - decode tokens/s at batch 1 and 16: transformers' StaticCache, one decode
    step captured in a CUDA graph (torch.cuda.graph) and replayed, on both
    sides; --ctx tokens of prefilled context;
  - prefill time of --prefill tokens at batch 1 (eager, CUDA events);
  - GPU memory of the weights (linears only, and the whole model);
  - per-call cost of the Python path of one AwqLinear (host wall time of
    eager calls) next to its kernel time (graph replay), and the same for
    torch.nn.functional.linear in f16.

  python3 python/bench/bench_e2e.py [--models llama2-7b,llama3-8b] [--json F]
"""
import argparse
import json
import time

import torch

SHAPES = {
    "llama2-7b": dict(hidden_size=4096, intermediate_size=11008,
                      num_hidden_layers=32, num_attention_heads=32,
                      num_key_value_heads=32, vocab_size=32000,
                      rope_theta=10000.0),
    "llama3-8b": dict(hidden_size=4096, intermediate_size=14336,
                      num_hidden_layers=32, num_attention_heads=32,
                      num_key_value_heads=8, vocab_size=128256,
                      rope_theta=500000.0),
}


def build(name, layers=None):
    from transformers import LlamaConfig, LlamaForCausalLM
    kw = dict(SHAPES[name], max_position_embeddings=8192)
    if layers:
        kw["num_hidden_layers"] = layers
    config = LlamaConfig(**kw)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float16)
    try:
        with torch.device("cuda"):
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(old)
    # Small random weights keep f16 activations finite through 32 layers.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.02)
    return model.eval()


def weight_bytes(model):
    from awq_mlir.nn import AwqLinear
    lin = total = 0
    for name, mod in model.named_modules():
        if isinstance(mod, AwqLinear):
            b = sum(t.numel() * t.element_size() for t in mod.buffers())
            lin += b
        elif isinstance(mod, torch.nn.Linear) and not name.endswith("lm_head"):
            lin += mod.weight.numel() * mod.weight.element_size()
    seen = set()
    for t in list(model.parameters()) + list(model.buffers()):
        if t.data_ptr() not in seen:
            seen.add(t.data_ptr())
            total += t.numel() * t.element_size()
    return lin, total


def new_cache(model, batch, length):
    from transformers import StaticCache
    try:
        return StaticCache(config=model.config, max_cache_len=length)
    except TypeError:  # transformers 4.x
        return StaticCache(config=model.config, max_batch_size=batch,
                           max_cache_len=length, device="cuda",
                           dtype=torch.float16)


@torch.no_grad()
def decode_tps(model, batch, ctx, steps, max_len):
    cache = new_cache(model, batch, max_len)
    vocab = model.config.vocab_size
    prompt = torch.randint(0, vocab, (batch, ctx), device="cuda")
    model(input_ids=prompt, past_key_values=cache, use_cache=True,
          cache_position=torch.arange(ctx, device="cuda"))
    ids = torch.randint(0, vocab, (batch, 1), device="cuda")
    cp = torch.tensor([ctx], device="cuda")
    pos = cp.view(1, 1).expand(batch, 1).clone()

    def step():
        return model(input_ids=ids, position_ids=pos, cache_position=cp,
                     past_key_values=cache, use_cache=True).logits
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            step()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        logits = step()
    # Replay with advancing positions (greedy feedback is left out: the same
    # work per step; the positions make attention read a growing cache).
    for i in range(3):
        g.replay()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(True), torch.cuda.Event(True)
    start.record()
    for i in range(steps):
        cp.fill_(ctx + 3 + i)
        pos.fill_(ctx + 3 + i)
        g.replay()
    end.record()
    torch.cuda.synchronize()
    ms = start.elapsed_time(end) / steps
    assert torch.isfinite(logits).all(), "non-finite logits"
    del g, cache
    return batch * 1000.0 / ms, ms


@torch.no_grad()
def prefill_ms(model, tokens, reps=5):
    ids = torch.randint(0, model.config.vocab_size, (1, tokens), device="cuda")
    for _ in range(2):
        model(input_ids=ids, use_cache=False, logits_to_keep=1)
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(True), torch.cuda.Event(True)
        a.record()
        model(input_ids=ids, use_cache=False, logits_to_keep=1)
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    return sorted(times)[len(times) // 2]


@torch.no_grad()
def call_overhead(n=4096, k=4096, calls=2000):
    """Host wall time per eager call (the Python path: custom op dispatch,
    checks, launch) and kernel time per call (graph replay), M = 1."""
    from awq_mlir.nn import AwqLinear
    lin = torch.nn.Linear(k, n, bias=False, device="cuda", dtype=torch.float16)
    q = AwqLinear.from_linear(lin, 128)
    x = torch.randn(1, k, device="cuda", dtype=torch.float16)
    out = {}
    for name, f in (("awq", lambda: q(x)), ("f16", lambda: lin(x))):
        for _ in range(50):
            f()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(calls):
            f()
        host_us = (time.perf_counter() - t0) / calls * 1e6
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            f()
        torch.cuda.current_stream().wait_stream(s)
        with torch.cuda.graph(g):
            for _ in range(100):
                f()
        g.replay()
        torch.cuda.synchronize()
        a, b = torch.cuda.Event(True), torch.cuda.Event(True)
        a.record()
        for _ in range(10):
            g.replay()
        b.record()
        torch.cuda.synchronize()
        out[name] = dict(host_us_per_call=host_us,
                         kernel_us=a.elapsed_time(b) * 1000 / 1000)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="llama2-7b,llama3-8b")
    ap.add_argument("--group-size", type=int, default=128)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--prefill", type=int, default=2048)
    ap.add_argument("--layers", type=int, default=0, help="fewer layers (testing)")
    ap.add_argument("--json")
    args = ap.parse_args()
    import awq_mlir
    from awq_mlir.hf import quantize_linears
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
          f"awq_mlir {awq_mlir.__version__} ({awq_mlir.gpu_status()})", flush=True)
    results = {"device": torch.cuda.get_device_name(), "models": {}}
    ov = call_overhead()
    results["per_call"] = ov
    print(f"per call, M=1, 4096x4096: awq host {ov['awq']['host_us_per_call']:.1f} us "
          f"(kernel {ov['awq']['kernel_us']:.1f} us); f16 F.linear host "
          f"{ov['f16']['host_us_per_call']:.1f} us (kernel {ov['f16']['kernel_us']:.1f} us)",
          flush=True)
    max_len = args.ctx + args.steps + 16
    for name in args.models.split(","):
        r = {}
        model = build(name, args.layers or None)
        for side in ("f16", "awq"):
            if side == "awq":
                t0 = time.time()
                quantize_linears(model, args.group_size)
                torch.cuda.empty_cache()
                r["quantize_s"] = time.time() - t0
            lin_b, tot_b = weight_bytes(model)
            row = dict(linear_weight_gb=lin_b / 1e9, model_weight_gb=tot_b / 1e9)
            for batch in (1, 16):
                tps, ms = decode_tps(model, batch, args.ctx, args.steps, max_len)
                row[f"decode_b{batch}_tok_s"] = tps
                row[f"decode_b{batch}_ms"] = ms
                print(f"{name} {side} decode batch {batch}: {tps:.1f} tok/s "
                      f"({ms:.2f} ms/step)", flush=True)
            row["prefill_ms"] = prefill_ms(model, args.prefill)
            print(f"{name} {side} prefill {args.prefill}: {row['prefill_ms']:.1f} ms; "
                  f"weights: linears {row['linear_weight_gb']:.2f} GB, model "
                  f"{row['model_weight_gb']:.2f} GB", flush=True)
            r[side] = row
        del model
        torch.cuda.empty_cache()
        results["models"][name] = r
    print("\n| model | batch-1 decode tok/s f16 / awq (x) | batch-16 f16 / awq (x) "
          "| prefill 2048 ms f16 / awq | linear weights GB f16 / awq (x) |")
    print("|---|---|---|---|---|")
    for name, r in results["models"].items():
        f, a = r["f16"], r["awq"]
        print(f"| {name} | {f['decode_b1_tok_s']:.1f} / {a['decode_b1_tok_s']:.1f} "
              f"({a['decode_b1_tok_s'] / f['decode_b1_tok_s']:.2f}x) "
              f"| {f['decode_b16_tok_s']:.0f} / {a['decode_b16_tok_s']:.0f} "
              f"({a['decode_b16_tok_s'] / f['decode_b16_tok_s']:.2f}x) "
              f"| {f['prefill_ms']:.1f} / {a['prefill_ms']:.1f} "
              f"| {f['linear_weight_gb']:.2f} / {a['linear_weight_gb']:.2f} "
              f"({a['linear_weight_gb'] / f['linear_weight_gb']:.3f}x) |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
