"""AwqLinear: a drop-in torch.nn.Linear over awq's 4-bit kernels.

    lin = AwqLinear.from_linear(torch_linear, group_size=128)        # RTN
    lin = AwqLinear.from_autoawq(qweight, qzeros, scales, bias, 128)  # AutoAWQ GEMM
    lin = AwqLinear.from_artifact("artifact/", "model.layers.0.mlp.down_proj")
    y = lin(x)                                   # torch.ops.awq_mlir.linear

The weights are buffers in the kernel layout (docs/artifact-format.md):
qweight i32 [N, K/8], scales and zeros [N, K/G] in the activation dtype
(module.to(torch.bfloat16) converts them), bias [N]. AutoAWQ tensors are
repacked once, on the host, by the runtime's awq_repack_autoawq.
"""
import json
import os

import torch

from awq_mlir import _C
from awq_mlir._errors import AwqError
from awq_mlir import ops

__all__ = ["AwqLinear"]

_DTYPE_CODES = {torch.float16: 0, torch.bfloat16: 1}


class AwqLinear(torch.nn.Module):
    """y = x · Ŵᵀ + b with Ŵ = (q - z) · s, 4-bit q per group of
    `group_size` input channels."""

    def __init__(self, in_features, out_features, group_size=128, bias=True,
                 zero_point=True, dtype=torch.float16, device=None):
        super().__init__()
        if in_features % 32 or in_features % group_size:
            raise AwqError("AWQ_ERROR_INVALID_ARGUMENT",
                           f"in_features = {in_features} must be a multiple of "
                           f"32 and of the group size {group_size}")
        self.in_features, self.out_features = in_features, out_features
        self.group_size = group_size
        groups = in_features // group_size
        self.register_buffer("qweight", torch.zeros(
            out_features, in_features // 8, dtype=torch.int32, device=device))
        self.register_buffer("scales", torch.ones(
            out_features, groups, dtype=dtype, device=device))
        self.register_buffer("zeros", torch.full(
            (out_features, groups), 8.0, dtype=dtype, device=device)
            if zero_point else None)
        self.register_buffer("bias", torch.zeros(
            out_features, dtype=dtype, device=device) if bias else None)

    def forward(self, x):
        return torch.ops.awq_mlir.linear(x, self.qweight, self.scales,
                                         self.zeros, self.bias, self.group_size)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features="
                f"{self.out_features}, group_size={self.group_size}, "
                f"bias={self.bias is not None}, zero_point="
                f"{self.zeros is not None}")

    def dequantize(self, dtype=torch.float32):
        """Ŵ [N, K] as the kernel sees it (for references and tests)."""
        return ops.dequantize(self.qweight, self.scales, self.zeros,
                              self.group_size, dtype)

    @classmethod
    def _wrap(cls, qweight, scales, zeros, bias, group_size):
        n, k = qweight.shape[0], qweight.shape[1] * 8
        self = cls.__new__(cls)
        torch.nn.Module.__init__(self)
        self.in_features, self.out_features = k, n
        self.group_size = group_size
        self.register_buffer("qweight", qweight.contiguous())
        self.register_buffer("scales", scales.contiguous())
        self.register_buffer("zeros", zeros.contiguous() if zeros is not None else None)
        self.register_buffer("bias", bias.contiguous() if bias is not None else None)
        return self

    @classmethod
    def from_linear(cls, linear, group_size=128, zero_point=True, dtype=None):
        """Quantizes a float nn.Linear with round-to-nearest (on its device).
        `dtype` defaults to the linear's if f16/bf16, else f16."""
        w = linear.weight
        if dtype is None:
            dtype = w.dtype if w.dtype in _DTYPE_CODES else torch.float16
        q, s, z = ops.quantize_rtn(w, group_size, zero_point, dtype)
        b = linear.bias.detach().to(dtype) if linear.bias is not None else None
        return cls._wrap(q, s, z, b, group_size)

    @classmethod
    def from_autoawq(cls, qweight, qzeros, scales, bias=None, group_size=128,
                     dtype=torch.float16, device="cuda"):
        """From one AutoAWQ GEMM linear: qweight i32 [K, N/8], qzeros i32
        [K/G, N/8], scales f16 [K/G, N] (any device; repacked on the host by
        awq_repack_autoawq), bias [N] or None."""
        if dtype not in _DTYPE_CODES:
            raise AwqError("AWQ_ERROR_INVALID_ARGUMENT",
                           f"dtype {dtype} (float16 or bfloat16)")
        k, n = qweight.shape[0], scales.shape[1]
        qw = qweight.detach().to("cpu", torch.int32).contiguous()
        qz = qzeros.detach().to("cpu", torch.int32).contiguous()
        sc = scales.detach().to("cpu", torch.float16).contiguous()
        out_q = torch.empty(n, k // 8, dtype=torch.int32)
        out_s = torch.empty(n, k // group_size, dtype=dtype)
        out_z = torch.empty(n, k // group_size, dtype=dtype)
        _C.repack_autoawq(n, k, group_size, _DTYPE_CODES[dtype], qw.data_ptr(),
                          qz.data_ptr(), sc.data_ptr(), out_q.data_ptr(),
                          out_s.data_ptr(), out_z.data_ptr())
        b = bias.detach().to(device, dtype) if bias is not None else None
        return cls._wrap(out_q.to(device), out_s.to(device), out_z.to(device),
                         b, group_size)

    @classmethod
    def from_artifact(cls, directory, name, device="cuda"):
        """Layer `name` of an awq-compile artifact: its manifest entry and its
        kernel-layout tensors in the artifact's weights file."""
        from safetensors import safe_open
        with open(os.path.join(directory, "manifest.json")) as f:
            manifest = json.load(f)
        entry = next((l for l in manifest["layers"] if l["name"] == name), None)
        if entry is None:
            raise AwqError("AWQ_ERROR_NOT_FOUND",
                           f"no layer named {name!r} in {directory}")
        tensors = entry["tensors"]
        path = os.path.join(directory, manifest.get("weights", "weights.safetensors"))
        with safe_open(path, framework="pt", device="cpu") as f:
            get = lambda role: (f.get_tensor(tensors[role]).to(device)
                                if role in tensors else None)
            return cls._wrap(get("qweight"), get("scales"), get("zeros"),
                             get("bias"), int(entry["group_size"]))
