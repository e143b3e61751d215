#!/usr/bin/env python3
"""CPU forward throughput and perplexity: awq's executor (awq-eval) against
PyTorch (transformers, fp32) on the same GGUF, the same text slice and the
same 512-token windows, with the same thread count, in one run.

Usage (docs/model.md has the numbers):
  scripts/bench-cpu-forward.py --gguf SmolLM2-135M-Instruct.Q4_1.gguf \
      --text moby-dick.txt --slice 0.8:1 [--windows N] [--threads T]

Needs torch, transformers and gguf in the running Python (PyTorch's side
reads the GGUF through transformers' own loader, dequantizing to fp32).
"""
import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time


def cut_at_line(text, fraction):
    """Character offset `fraction` of the way in, moved back to the start of
    its line (the rule awq-eval --slice uses)."""
    at = int(fraction * len(text))
    if at == 0 or at >= len(text):
        return min(at, len(text))
    return text.rfind("\n", 0, at) + 1


def run_awq(args, threads):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
        cmd = [args.awq_eval, args.gguf, "--text", args.text, "--slice",
               args.slice, "--json", out]
        if args.windows:
            cmd += ["--max-windows", str(args.windows)]
        subprocess.run(cmd, check=True, env=env, stderr=subprocess.DEVNULL)
        return json.load(open(out))


def run_torch(args, threads):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(threads)
    directory, name = os.path.split(os.path.abspath(args.gguf))
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(
        directory, gguf_file=name, torch_dtype=torch.float32).eval()
    start, end = (float(x) for x in args.slice.split(":"))
    text = open(args.text, encoding="utf-8").read()
    text = text[cut_at_line(text, start):cut_at_line(text, end)]
    ids = tokenizer(text, add_special_tokens=False).input_ids
    windows = len(ids) // args.window
    if args.windows:
        windows = min(windows, args.windows)
    nll, begin = 0.0, time.perf_counter()
    with torch.inference_mode():
        for w in range(windows):
            chunk = torch.tensor([ids[w * args.window:(w + 1) * args.window]])
            logits = model(chunk).logits[0, :-1].double()
            nll += torch.nn.functional.cross_entropy(
                logits, chunk[0, 1:], reduction="sum").item()
    seconds = time.perf_counter() - begin
    mean = nll / (windows * (args.window - 1))
    return {"text_tokens": len(ids), "windows": windows, "mean_nll": mean,
            "perplexity": math.exp(mean), "seconds": seconds,
            "tokens_per_second": windows * args.window / seconds,
            "peak_rss_mib": resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss / 1024}


def compare_generation(args, threads):
    """First greedy tokens of awq-run and of transformers' generate for the
    same prompt (encoded without special tokens on both sides)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    awq_run = os.path.join(os.path.dirname(args.awq_eval), "awq-run")
    out = subprocess.run(
        [awq_run, args.gguf, "--prompt", args.generate, "--max-new-tokens",
         str(args.new_tokens), "--ignore-eos", "--print-ids"],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))).stdout
    ours = [int(x) for x in out.split("ids: ")[-1].strip().split(",")]
    directory, name = os.path.split(os.path.abspath(args.gguf))
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(
        directory, gguf_file=name, torch_dtype=torch.float32).eval()
    prompt = tokenizer(args.generate, add_special_tokens=False,
                       return_tensors="pt").input_ids
    with torch.inference_mode():
        generated = model.generate(prompt, max_new_tokens=args.new_tokens,
                                   min_new_tokens=args.new_tokens,
                                   do_sample=False)
    theirs = generated[0, prompt.shape[1]:].tolist()
    same = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b),
                min(len(ours), len(theirs)))
    return {"prompt": args.generate, "awq": ours, "pytorch": theirs,
            "equal_prefix": same,
            "awq_text": tokenizer.decode(ours),
            "pytorch_text": tokenizer.decode(theirs)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gguf", required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--slice", default="0:1")
    p.add_argument("--window", type=int, default=512)
    p.add_argument("--windows", type=int, default=0, help="0: all")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--awq-eval", default=os.path.join(
        os.path.dirname(__file__), "..", "build", "bin", "awq-eval"))
    p.add_argument("--json", help="write both results here")
    p.add_argument("--generate", metavar="PROMPT",
                   help="also compare greedy generation for this prompt")
    p.add_argument("--new-tokens", type=int, default=32)
    args = p.parse_args()
    results = {"threads": args.threads, "awq": run_awq(args, args.threads),
               "pytorch": run_torch(args, args.threads)}
    if args.generate:
        g = results["generation"] = compare_generation(args, args.threads)
        print(f"generation: first {g['equal_prefix']} of {args.new_tokens} "
              f"greedy tokens equal\n  awq:     {g['awq_text']!r}\n"
              f"  pytorch: {g['pytorch_text']!r}")
    for side in ("awq", "pytorch"):
        r = results[side]
        print(f"{side:8s} ppl {r['perplexity']:.3f} over {r['windows']} windows "
              f"({r['text_tokens']} tokens): {r['tokens_per_second']:.1f} tok/s, "
              f"{r['seconds']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB")
    a, t = results["awq"], results["pytorch"]
    print(f"awq / pytorch: speed {a['tokens_per_second'] / t['tokens_per_second']:.2f}x, "
          f"perplexity {100 * (a['perplexity'] / t['perplexity'] - 1):+.3f}%")
    if args.json:
        json.dump(results, open(args.json, "w"), indent=2)


if __name__ == "__main__":
    sys.exit(main())
