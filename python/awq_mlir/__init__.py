"""awq_mlir: the awq compiler's 4-bit quantized linear kernels from Python.

Layers (docs/python.md):
  - this module: the runtime binding (contexts, artifacts, JIT layers,
    launches on raw device pointers) and `gpu_status()`; needs no PyTorch;
  - awq_mlir.torch: the `torch.ops.awq_mlir.linear` custom op and
    `AwqLinear` (imports PyTorch);
  - awq_mlir.hf: loading transformers Llama-family models with AwqLinear.

The import name is `awq_mlir`, not `awq`: AutoAWQ installs a top-level `awq`
package, which users of AWQ checkpoints often have.
"""
import os
import threading

from ._errors import AwqError
from . import _C

__all__ = ["AwqError", "Context", "Artifact", "Layer", "gpu_status",
           "cuda_available", "context", "DTYPES", "__version__"]
__version__ = "0.1.0"

#: awq_dtype values of the C API.
DTYPES = {"f16": 0, "bf16": 1}


class Layer:
    """One quantized linear: of an artifact, or compiled by the JIT."""

    def __init__(self, owner, handle, jit=False):
        self.owner = owner  # keeps the artifact / context alive
        self.handle = handle
        self.jit = jit
        info = _C.layer_info(handle)
        self.name = info["name"]
        self.n, self.k, self.group_size = info["n"], info["k"], info["group_size"]
        self.dtype = info["dtype"]
        self.has_zeros, self.has_bias = info["has_zeros"], info["has_bias"]

    def launch(self, m, x, qweight, scales, zeros, bias, y, stream=0):
        """y[m, n] = x[m, k] · Ŵᵀ (+ bias) on `stream`; pointers are ints
        (device addresses), `stream` a raw CUstream / cudaStream_t."""
        _C.launch(self.handle, m, x, qweight, scales, zeros or 0, bias or 0, y,
                  stream)

    def load_info(self):
        return _C.jit_load_info(self.handle) if self.jit else self.owner.load_info()

    def wait(self):
        """Returns once every kernel of the layer is loaded (a JIT layer
        compiled with `first_rows` loads the others in the background);
        raises AwqError if that background compile failed."""
        _C.layer_wait(self.handle)

    def __repr__(self):
        return (f"Layer({self.name!r}, n={self.n}, k={self.k}, "
                f"group_size={self.group_size}, {self.dtype})")


class Artifact:
    """An artifact written by awq-compile, loaded for the context's device."""

    def __init__(self, context, directory):
        self.context = context
        self.handle = _C.artifact_load(context.handle, os.fspath(directory))

    def layers(self):
        return [Layer(self, h) for h in _C.artifact_layers(self.handle)]

    def layer(self, name):
        return Layer(self, _C.artifact_layer(self.handle, name))

    def load_info(self):
        return _C.artifact_load_info(self.handle)

    def close(self):
        if self.handle:
            _C.artifact_destroy(self.handle)
            self.handle = 0


class Context:
    """A device's primary context, retained for the runtime (the one PyTorch
    uses on that device). JIT layers live as long as the context."""

    def __init__(self, ordinal=0):
        self.ordinal = ordinal
        self.handle = _C.context_create(ordinal)
        self._jit = {}
        self._lock = threading.Lock()

    def device_info(self):
        return _C.device_info(self.handle)

    def set_programmatic_launch(self, enable):
        _C.set_programmatic_launch(self.handle, bool(enable))

    def load_artifact(self, directory):
        return Artifact(self, directory)

    def jit_linear(self, n, k, group_size, dtype="f16", has_zeros=True,
                   has_bias=False, first_rows=0):
        """The layer for this shape, compiled in-process on first use (then
        cached in memory, and its cubin on disk). With `first_rows` > 0 a
        first compile returns once the kernel for that M is loaded; the
        others load in the background (a launch that needs one waits)."""
        key = (n, k, group_size, dtype, bool(has_zeros), bool(has_bias))
        layer = self._jit.get(key)
        if layer is None:
            with self._lock:
                layer = self._jit.get(key)
                if layer is None:
                    if dtype not in DTYPES:
                        raise AwqError("AWQ_ERROR_INVALID_ARGUMENT",
                                       f"unsupported dtype {dtype!r} (f16 or bf16)")
                    handle = _C.jit_linear(self.handle, n, k, group_size,
                                           DTYPES[dtype], bool(has_zeros),
                                           bool(has_bias), int(first_rows))
                    layer = Layer(self, handle, jit=True)
                    self._jit[key] = layer
        return layer

    def close(self):
        if self.handle:
            _C.context_destroy(self.handle)
            self.handle = 0
            self._jit.clear()


_contexts = {}
_contexts_lock = threading.Lock()


def context(ordinal=0):
    """The process-wide Context of device `ordinal` (created on first use)."""
    ctx = _contexts.get(ordinal)
    if ctx is None:
        with _contexts_lock:
            ctx = _contexts.get(ordinal)
            if ctx is None:
                ctx = _contexts[ordinal] = Context(ordinal)
    return ctx


def gpu_status(ordinal=0):
    """One line: the device's name and compute capability, or why there is
    no CUDA GPU ("no CUDA GPU (AWQ_ERROR_NO_DRIVER: ...)")."""
    try:
        info = context(ordinal).device_info()
    except AwqError as err:
        return f"no CUDA GPU ({err})"
    return f"{info['name']} (sm_{info['cc'][0]}{info['cc'][1]}, {info['sm_count']} SMs)"


def cuda_available(ordinal=0):
    try:
        context(ordinal)
        return True
    except AwqError:
        return False
