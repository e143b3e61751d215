#!/usr/bin/env python3
"""SmolLM2-135M quantized by awq-quantize (w4g64 RTN), generating text on the
GPU in transformers with awq_mlir's AwqLinear (docs/python.md):

  build/bin/awq-quantize rtn --model SmolLM2-135M-Instruct.Q4_1.gguf \
      --group-size 64 --out smol-w4g64
  python3 examples/awq_mlir_smollm2.py smol-w4g64 tokenizer.json ["prompt"]
"""
import sys

import torch
from transformers import PreTrainedTokenizerFast

from awq_mlir.hf import load_autoawq_llama

model = load_autoawq_llama(sys.argv[1], dtype=torch.float16, device="cuda")
tok = PreTrainedTokenizerFast(tokenizer_file=sys.argv[2])
prompt = sys.argv[3] if len(sys.argv) > 3 else "Call me Ishmael. Some years ago"
ids = tok(prompt, return_tensors="pt", add_special_tokens=False).input_ids.cuda()
out = model.generate(ids, max_new_tokens=32, do_sample=False)
print(tok.decode(out[0]))
