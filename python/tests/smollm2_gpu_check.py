#!/usr/bin/env python3
"""SmolLM2-135M (w4g64 RTN by awq-quantize) in transformers with AwqLinear on
the GPU, against awq's CPU executor on the same checkpoint (docs/python.md):

  - perplexity over the same windows as `awq-eval DIR --slice S --window 512
    [--max-windows N] --json cpu.json` (the slice cut by characters, each
    cut moved to just after a line break; tokenized once without special
    tokens; non-overlapping 512-token windows, each its own sequence; mean
    NLL over window - 1 predicted tokens): within --tol (0.5%);
  - greedy generation: the first 32 new tokens equal `awq-run DIR --prompt P
    --max-new-tokens 32 --ignore-eos --print-ids` (--cpu-ids).

  smollm2_gpu_check.py --model DIR --tokenizer tokenizer.json --text moby-dick.txt \
      --cpu-json cpu.json --prompt "..." --cpu-ids 1,2,3
"""
import argparse
import json
import math
import sys
import time

import torch


def cut_at_line(text, fraction):
    at = int(fraction * len(text))
    if at == 0 or at >= len(text):
        return min(at, len(text))
    nl = text.find("\n", at)
    return len(text) if nl < 0 else nl + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--cpu-json", required=True)
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--cpu-ids", required=True)
    ap.add_argument("--tol", type=float, default=0.005)
    ap.add_argument("--dtype", default="float16")
    args = ap.parse_args()
    from transformers import PreTrainedTokenizerFast
    from awq_mlir.hf import load_autoawq_llama
    cpu = json.load(open(args.cpu_json))
    dtype = getattr(torch, args.dtype)
    t0 = time.time()
    model = load_autoawq_llama(args.model, dtype=dtype, device="cuda")
    tok = PreTrainedTokenizerFast(tokenizer_file=args.tokenizer)
    print(f"loaded in {time.time() - t0:.1f} s: {model.__class__.__name__}, "
          f"{sum(1 for m in model.modules() if type(m).__name__ == 'AwqLinear')} AwqLinear")

    text = open(args.text, encoding="utf-8").read()
    start, end = (float(v) for v in cpu["slice"].split(":"))
    piece = text[cut_at_line(text, start):cut_at_line(text, end)]
    ids = tok(piece, add_special_tokens=False).input_ids
    window, nwin = int(cpu["window"]), int(cpu["windows"])
    ok = True
    if len(ids) != cpu["text_tokens"]:
        print(f"FAIL tokens: {len(ids)} here, {cpu['text_tokens']} in awq-eval")
        ok = False
    nll, count = 0.0, 0
    with torch.no_grad():
        for w in range(nwin):
            x = torch.tensor(ids[w * window:(w + 1) * window], device="cuda")[None]
            logits = model(input_ids=x, use_cache=False).logits[0].double()
            nll += torch.nn.functional.cross_entropy(
                logits[:-1], x[0, 1:], reduction="sum").item()
            count += window - 1
    ppl = math.exp(nll / count)
    rel = abs(ppl - cpu["perplexity"]) / cpu["perplexity"]
    verdict = "ok" if rel <= args.tol else "FAIL"
    ok &= rel <= args.tol
    print(f"{verdict} perplexity {args.dtype}: GPU {ppl:.4f} vs CPU executor "
          f"{cpu['perplexity']:.4f} over {nwin} windows of {window} "
          f"({len(ids)} tokens): {100 * rel:.3f}% (tol {100 * args.tol}%)")

    # Greedy, 32 new tokens, EOS ignored, with transformers' KV cache.
    prompt = tok(args.prompt, add_special_tokens=False).input_ids
    want = [int(v) for v in args.cpu_ids.split(",")]
    x = torch.tensor(prompt, device="cuda")[None]
    got, past = [], None
    with torch.no_grad():
        for _ in range(len(want)):
            out = model(input_ids=x, past_key_values=past, use_cache=True)
            past = out.past_key_values
            nxt = int(out.logits[0, -1].argmax())
            got.append(nxt)
            x = torch.tensor([[nxt]], device="cuda")
    same = got == want
    ok &= same
    first_diff = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
    print(f"{'ok' if same else 'FAIL'} greedy {len(want)} tokens "
          f"{'identical' if same else f'differ from token {first_diff}'}: "
          f"{tok.decode(prompt + got)!r}")
    print("GPU ids:", ",".join(map(str, got)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
