#!/usr/bin/env python3
"""Checks llama_oracle.py against transformers, where torch is installed.

Not part of lit (the build machines have no torch): run by hand on a
machine that has torch and transformers. For every variant of
test/model/Inputs/make_tiny_llama.py and each storage dtype, the model
directory is loaded with transformers' AutoModelForCausalLM in float64 on the
CPU (eager attention) and its logits compared with the oracle's. Even in
float64, transformers rounds through float32 in places (LlamaRMSNorm casts to
float32; the rotary inverse frequencies are float32), so the two agree to
about 1e-6 on logits of magnitude ~3, not to float64 rounding; the check
fails above TOL = 1e-5. A wrong rope convention, band or tie shows up as
errors of 1e-2 and more (llama3 against unscaled rope: up to 0.85 here).

Usage: crosscheck_llama_oracle.py [WORK_DIR]
"""

import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import llama_oracle  # noqa: E402

MAKE = os.path.join(ROOT, "test", "model", "Inputs", "make_tiny_llama.py")
IDS = [1, 5, 9, 17, 33, 64, 2, 100, 7, 7, 45, 90, 12, 3, 77, 120, 56, 8, 31,
       99, 4, 11, 50, 60, 70, 80, 90, 100, 110, 127]
TOL = 1e-5


def main():
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
    failures = 0
    for variant in ["llama-gqa", "smollm-tied", "qwen2-bias", "llama3-rope",
                    "mistral"]:
        for dtype in ["f32", "f16", "bf16"]:
            d = os.path.join(work, f"{variant}-{dtype}")
            subprocess.check_call([sys.executable, MAKE, d, "--variant", variant,
                                   "--dtype", dtype, "--seed", "3"])
            ref = llama_oracle.Model(d).forward(IDS)
            model = AutoModelForCausalLM.from_pretrained(
                d, torch_dtype=torch.float64, attn_implementation="eager")
            model.eval()
            with torch.no_grad():
                out = model(torch.tensor([IDS])).logits[0].numpy()
            err = float(np.abs(out - ref).max())
            ok = err <= TOL
            failures += not ok
            print(f"{variant:12s} {dtype:4s} max_abs_err={err:.3e} "
                  f"{'ok' if ok else 'FAIL'}")
    # Sharded checkpoints load the same.
    d = os.path.join(work, "sharded")
    subprocess.check_call([sys.executable, MAKE, d, "--variant", "llama-gqa",
                           "--shards", "3"])
    model = AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float64)
    with torch.no_grad():
        out = model(torch.tensor([IDS])).logits[0].numpy()
    sharded = llama_oracle.Model(d).forward(IDS)
    err = float(np.abs(out - sharded).max())
    failures += err > TOL
    print(f"sharded      f32  max_abs_err={err:.3e} {'ok' if err <= TOL else 'FAIL'}")
    print("crosscheck " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
