"""transformers integration: swap a model's linears for AwqLinear.

    model = awq_mlir.hf.load_autoawq_llama("smol-w4g64/", device="cuda")
    model = awq_mlir.hf.quantize_linears(model, group_size=128)   # RTN, in place

load_autoawq_llama reads an AutoAWQ GEMM checkpoint directory (AutoAWQ's or
awq-quantize's: config.json with quantization_config, *.safetensors): it
builds the transformers model from the config, loads the non-quantized
tensors, and puts an AwqLinear (repacked once) in place of every linear that
has a `qweight`. q/k/v and gate/up stay separate linears (no fusion).
"""
import glob
import json
import os

import torch

from awq_mlir.nn import AwqLinear

__all__ = ["load_autoawq_llama", "replace_linears", "quantize_linears"]


def _set_module(model, name, module):
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, module)


def replace_linears(model, make, skip=("lm_head",)):
    """Replaces each torch.nn.Linear `lin` called `name` (except names ending
    in `skip`) by make(name, lin) unless that returns None. Returns the
    names replaced."""
    names = [n for n, m in model.named_modules()
             if isinstance(m, torch.nn.Linear) and not n.endswith(tuple(skip))]
    done = []
    for name in names:
        new = make(name, model.get_submodule(name))
        if new is not None:
            _set_module(model, name, new)
            done.append(name)
    return done


def quantize_linears(model, group_size=128, zero_point=True, skip=("lm_head",)):
    """RTN-quantizes every linear of `model` (but lm_head) into AwqLinear, in
    place, freeing each float weight as it goes. Returns the model."""
    def make(name, lin):
        new = AwqLinear.from_linear(lin, group_size, zero_point)
        lin.weight = None
        return new
    replace_linears(model, make, skip)
    return model


def _read_tensors(path):
    from safetensors.torch import load_file
    files = sorted(glob.glob(os.path.join(path, "*.safetensors")))
    if not files:
        raise FileNotFoundError(f"no *.safetensors in {path}")
    tensors = {}
    for f in files:
        tensors.update(load_file(f))
    return tensors


def load_autoawq_llama(path, dtype=torch.float16, device="cuda"):
    """A transformers LlamaForCausalLM (or the architecture config.json names)
    from an AutoAWQ GEMM checkpoint directory, with AwqLinear layers."""
    import transformers
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    q = cfg.pop("quantization_config", None) or {}
    if q.get("quant_method", "awq") != "awq" or q.get("version", "gemm").lower() != "gemm" \
            or int(q.get("bits", q.get("w_bit", 4))) != 4:
        raise ValueError(f"{path}: not a 4-bit AutoAWQ GEMM checkpoint: {q}")
    group_size = int(q.get("group_size", q.get("q_group_size", 128)))
    config = transformers.AutoConfig.for_model(**cfg)
    arch = (cfg.get("architectures") or ["LlamaForCausalLM"])[0]
    cls = getattr(transformers, arch)
    tensors = _read_tensors(path)
    # Build on the meta device (no memory, no init), then assign real tensors.
    with torch.device("meta"):
        model = cls(config)
    quantized = {k[:-len(".qweight")] for k in tensors if k.endswith(".qweight")}

    def make(name, lin):
        if name not in quantized:
            return None
        return AwqLinear.from_autoawq(
            tensors.pop(name + ".qweight"), tensors.pop(name + ".qzeros"),
            tensors.pop(name + ".scales"), tensors.pop(name + ".bias", None),
            group_size, dtype, device)
    replace_linears(model, make, skip=())
    missing = quantized - {n for n, m in model.named_modules()
                           if isinstance(m, AwqLinear)}
    if missing:
        raise ValueError(f"{path}: quantized tensors without a linear: "
                         f"{sorted(missing)[:4]}")
    state = {k: v.to(device, dtype) for k, v in tensors.items()}
    result = model.load_state_dict(state, strict=False, assign=True)
    # Left on meta: tied lm_head (tied below) and non-persistent buffers
    # (rotary inv_freq), which are recomputed on the device.
    if getattr(config, "tie_word_embeddings", False):
        model.tie_weights()
    for name, mod in list(model.named_modules()):
        if getattr(mod, "inv_freq", None) is not None and mod.inv_freq.is_meta:
            # Rebuilt on the device from the config (its buffers are
            # computed, not stored).
            with torch.device(device):
                _set_module(model, name, type(mod)(config=config))
    left = [n for n, p in list(model.named_parameters()) + list(model.named_buffers())
            if p.is_meta]
    if left:
        raise ValueError(f"{path}: tensors missing from the checkpoint: {left[:4]}")
    model.eval()
    return model
