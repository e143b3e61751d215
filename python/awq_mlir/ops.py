"""The PyTorch custom op `torch.ops.awq_mlir.linear` and the weight-layout
helpers in PyTorch (pack / unpack the kernel layout, RTN quantization).

    y = torch.ops.awq_mlir.linear(x, qweight, scales, zeros, bias, group_size)

x [..., K] (f16 or bf16, CUDA), qweight i32 [N, K/8] in the kernel layout
(docs/artifact-format.md), scales and zeros [N, K/G] and bias [N] in x's
dtype (zeros None: symmetric, z = 8) -> y [..., N]. The kernel for a new
(N, K, G, dtype, zeros, bias) is compiled in-process on first use (about
0.5 s) and cached; later calls launch it on the current stream of x's
device: no copy, no host synchronisation, so that a warmed-up call can be
captured in a CUDA graph. A registered fake implementation lets
torch.compile(fullgraph=True) trace through it.
"""
from typing import Optional

import torch

import awq_mlir
from awq_mlir import _C
from awq_mlir._errors import AwqError

__all__ = ["linear", "pack", "unpack", "dequantize", "quantize_rtn"]

_DTYPE_NAMES = {torch.float16: "f16", torch.bfloat16: "bf16"}
# (device index, N, K, G, dtype, has_zeros, has_bias) -> layer handle.
_layers = {}

try:  # the raw cudaStream_t of the current stream without a Stream object
    _raw_stream = torch._C._cuda_getCurrentRawStream
except AttributeError:  # pragma: no cover - older PyTorch
    def _raw_stream(index):
        return torch.cuda.current_stream(index).cuda_stream


def _invalid(message):
    return AwqError("AWQ_ERROR_INVALID_ARGUMENT", message)


def _check(x, qweight, scales, zeros, bias, group_size):
    """Everything the kernel cannot check itself; messages name the tensor."""
    if x.dtype not in _DTYPE_NAMES:
        raise _invalid(f"x has dtype {x.dtype}; the kernels take float16 or "
                       "bfloat16")
    if x.device.type != "cuda":
        raise _invalid(f"x is on {x.device}; awq_mlir.linear needs CUDA tensors")
    if qweight.dtype != torch.int32 or qweight.dim() != 2:
        raise _invalid(f"qweight must be int32 [N, K/8], got {qweight.dtype} "
                       f"{list(qweight.shape)}")
    n, k = qweight.shape[0], qweight.shape[1] * 8
    if x.dim() == 0 or x.shape[-1] != k:
        raise _invalid(f"x has shape {list(x.shape)}; the layer takes K = {k} "
                       "input features (qweight holds 8 per int32)")
    if group_size <= 0 or k % group_size:
        raise _invalid(f"group size {group_size} does not divide K = {k}")
    groups = k // group_size
    for name, t, shape in (("scales", scales, (n, groups)),
                           ("zeros", zeros, (n, groups)),
                           ("bias", bias, (n,))):
        if t is None:
            continue
        if t.dtype != x.dtype:
            raise _invalid(f"{name} has dtype {t.dtype}, x has {x.dtype}")
        if tuple(t.shape) != shape:
            raise _invalid(f"{name} has shape {list(t.shape)}, expected "
                           f"{list(shape)}")
    for name, t in (("qweight", qweight), ("scales", scales), ("zeros", zeros),
                    ("bias", bias)):
        if t is None:
            continue
        if t.device != x.device:
            raise _invalid(f"{name} is on {t.device}, x on {x.device}")
        if not t.is_contiguous():
            raise _invalid(f"{name} is not contiguous")


def _compile(key, x, qweight, scales, zeros, bias, group_size):
    """Checks the arguments fully and returns the layer handle for them,
    compiling the kernels if this process has not yet (awq_jit_linear)."""
    _check(x, qweight, scales, zeros, bias, group_size)
    ctx = awq_mlir.context(x.device.index or 0)
    # Every kernel at once: the first-M compile (`first_rows`, the other
    # kernels in the background) is not yet the op's default because it has
    # not yet run on a GPU (docs/python.md).
    layer = ctx.jit_linear(qweight.shape[0], x.shape[-1], group_size,
                           _DTYPE_NAMES[x.dtype], zeros is not None,
                           bias is not None).handle
    _layers[key] = layer
    return layer


@torch.library.custom_op("awq_mlir::linear", mutates_args=())
def linear(x: torch.Tensor, qweight: torch.Tensor, scales: torch.Tensor,
           zeros: Optional[torch.Tensor], bias: Optional[torch.Tensor],
           group_size: int) -> torch.Tensor:
    """y = x · dequant(qweight, scales, zeros)ᵀ (+ bias); see the module doc."""
    n, k = qweight.shape[0], x.shape[-1] if x.dim() else 0
    key = (x.device.index if x.is_cuda else None, n, k, group_size, x.dtype,
           zeros is not None, bias is not None)
    layer = _layers.get(key)
    if layer is None:
        layer = _compile(key, x, qweight, scales, zeros, bias, group_size)
    else:
        # The key fixes x's device, dtype and K; the weight tensors may still
        # differ from the ones the layer was first called with.
        dev, groups = x.device, k // group_size
        if (qweight.device != dev or scales.device != dev
                or scales.dtype != x.dtype or qweight.shape[1] * 8 != k
                or qweight.dtype != torch.int32 or scales.shape != (n, groups)
                or (zeros is not None and (zeros.device != dev
                                           or zeros.dtype != x.dtype
                                           or zeros.shape != (n, groups)))
                or (bias is not None and (bias.device != dev
                                          or bias.dtype != x.dtype
                                          or bias.shape != (n,)))):
            _check(x, qweight, scales, zeros, bias, group_size)
    if not x.is_contiguous():
        x = x.contiguous()
    y = torch.empty((*x.shape[:-1], n), dtype=x.dtype, device=x.device)
    m = x.numel() // k
    if m:
        _C.launch(layer, m, x.data_ptr(), qweight.data_ptr(), scales.data_ptr(),
                  zeros.data_ptr() if zeros is not None else 0,
                  bias.data_ptr() if bias is not None else 0, y.data_ptr(),
                  _raw_stream(x.device.index))
    return y


@linear.register_fake
def _linear_fake(x, qweight, scales, zeros, bias, group_size):
    torch._check(x.shape[-1] == qweight.shape[1] * 8)
    return x.new_empty((*x.shape[:-1], qweight.shape[0]))


#===----------------------------------------------------------------------===#
# The kernel weight layout in PyTorch (docs/artifact-format.md)
#===----------------------------------------------------------------------===#

def pack(q: torch.Tensor) -> torch.Tensor:
    """q: integer [N, K] in 0..15 (K a multiple of 32) -> int32 [N, K/8]:
    in chunk c, word t, nibble p holds q[n, 32c + 8(p mod 4) + 2t + p div 4]."""
    n, k = q.shape
    if k % 32:
        raise _invalid(f"K = {k} is not a multiple of 32")
    # [n, c, a = p mod 4, t, b = p div 4] -> [n, c, t, p = 4b + a]
    v = q.to(torch.int64).reshape(n, k // 32, 4, 4, 2).permute(0, 1, 3, 4, 2)
    v = v.reshape(n, k // 32, 4, 8)
    shifts = torch.arange(0, 32, 4, device=q.device, dtype=torch.int64)
    words = (v << shifts).sum(-1)  # nibbles do not overlap: sum == or
    words = torch.where(words >= 2**31, words - 2**32, words)
    return words.to(torch.int32).reshape(n, k // 8)


def unpack(qweight: torch.Tensor) -> torch.Tensor:
    """Inverse of pack: int32 [N, K/8] -> uint8 [N, K]."""
    n, kw = qweight.shape
    shifts = torch.arange(0, 32, 4, device=qweight.device, dtype=torch.int64)
    v = (qweight.to(torch.int64).reshape(n, kw // 4, 4, 1) >> shifts) & 15
    # [n, c, t, p = 4b + a] -> [n, c, a, t, b]
    v = v.reshape(n, kw // 4, 4, 2, 4).permute(0, 1, 4, 2, 3)
    return v.reshape(n, kw * 8).to(torch.uint8)


def dequantize(qweight, scales, zeros, group_size, dtype=torch.float32):
    """The weight the kernel multiplies by: (q - z) · s, [N, K] in `dtype`
    (z = 8 if zeros is None)."""
    q = unpack(qweight).to(dtype)
    s = scales.to(dtype).repeat_interleave(group_size, dim=1)
    z = (zeros.to(dtype).repeat_interleave(group_size, dim=1)
         if zeros is not None else 8.0)
    return (q - z) * s


def quantize_rtn(weight: torch.Tensor, group_size: int, zero_point=True,
                 dtype=torch.float16):
    """Round-to-nearest 4-bit quantization of a float [N, K] weight, per group
    of `group_size` input channels (AutoAWQ's min/max rule when zero_point,
    else symmetric absmax / 7 with z = 8). Returns (qweight, scales, zeros)
    in the kernel layout, scales/zeros in `dtype` (zeros None if symmetric).
    Computed in float32 on the weight's device."""
    n, k = weight.shape
    if k % group_size:
        raise _invalid(f"group size {group_size} does not divide K = {k}")
    w = weight.detach().to(torch.float32).reshape(n, k // group_size, group_size)
    if zero_point:
        wmax, wmin = w.amax(-1), w.amin(-1)
        s = ((wmax - wmin).clamp(min=1e-5) / 15)
        # The kernel sees s in `dtype`: quantize against the rounded scale.
        s = s.to(dtype).to(torch.float32)
        z = (-wmin / s).round().clamp(0, 15)
    else:
        s = (w.abs().amax(-1).clamp(min=1e-5) / 7).to(dtype).to(torch.float32)
        z = torch.full_like(s, 8.0)
    q = (w / s[..., None]).round() + z[..., None]
    q = q.clamp(0, 15).reshape(n, k)
    return (pack(q), s.to(dtype), z.to(dtype) if zero_point else None)
