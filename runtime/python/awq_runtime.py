"""Python binding of the awq runtime (ctypes over libawq_runtime.so).

Serving stacks pass device pointers and a CUDA stream handle as integers,
e.g. from PyTorch::

    rt = awq_runtime.Runtime()                  # finds libawq_runtime.so
    ctx = rt.context(0)
    art = ctx.load_artifact("artifact")
    down = art.layer("model.layers.0.mlp.down_proj")
    down.launch(m, x.data_ptr(), qweight.data_ptr(), scales.data_ptr(),
                zeros.data_ptr(), 0, y.data_ptr(),
                torch.cuda.current_stream().cuda_stream)

Every failing call raises AwqError with the runtime's message. Nothing here
allocates or synchronises on the launch path.
"""
import ctypes
import os

__all__ = ["AwqError", "Runtime"]


class AwqError(RuntimeError):
    """A runtime call failed; `status` is the awq_status name."""

    def __init__(self, status, message):
        super().__init__(f"{status}: {message}")
        self.status = status


class _LayerInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("n", ctypes.c_int64),
                ("k", ctypes.c_int64), ("group_size", ctypes.c_int64),
                ("bits", ctypes.c_int), ("dtype", ctypes.c_int),
                ("has_zeros", ctypes.c_int), ("has_bias", ctypes.c_int),
                ("num_variants", ctypes.c_size_t), ("max_m", ctypes.c_int64)]


def _default_library():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("AWQ_RUNTIME_LIBRARY", ""),
                  os.path.join(here, "..", "..", "build", "lib", "libawq_runtime.so"),
                  os.path.join(here, "libawq_runtime.so"), "libawq_runtime.so"]
    for path in candidates:
        if path and (os.path.exists(path) or "/" not in path):
            return path
    return "libawq_runtime.so"


class Runtime:
    """The loaded runtime library."""

    def __init__(self, library=None):
        self.lib = ctypes.CDLL(library or _default_library())
        lib = self.lib
        vp = ctypes.c_void_p
        lib.awq_status_name.restype = ctypes.c_char_p
        lib.awq_status_name.argtypes = [ctypes.c_int]
        lib.awq_last_error_message.restype = ctypes.c_char_p
        lib.awq_runtime_abi_version.restype = ctypes.c_int
        lib.awq_context_create.argtypes = [ctypes.c_int, ctypes.POINTER(vp)]
        lib.awq_context_destroy.argtypes = [vp]
        if hasattr(lib, "awq_context_set_programmatic_launch"):
            lib.awq_context_set_programmatic_launch.argtypes = [vp, ctypes.c_int]
        lib.awq_artifact_load.argtypes = [vp, ctypes.c_char_p, ctypes.POINTER(vp)]
        lib.awq_artifact_destroy.argtypes = [vp]
        lib.awq_artifact_num_layers.argtypes = [vp, ctypes.POINTER(ctypes.c_size_t)]
        lib.awq_artifact_get_layer.argtypes = [vp, ctypes.c_char_p, ctypes.POINTER(vp)]
        lib.awq_artifact_get_layer_at.argtypes = [vp, ctypes.c_size_t, ctypes.POINTER(vp)]
        lib.awq_layer_get_info.argtypes = [vp, ctypes.POINTER(_LayerInfo)]
        lib.awq_linear_launch.argtypes = [vp, ctypes.c_int64] + [ctypes.c_uint64] * 6 + [vp]
        if lib.awq_runtime_abi_version() != 1:
            raise AwqError("AWQ_ERROR_INVALID_ARGUMENT",
                           "libawq_runtime ABI version mismatch")

    def check(self, status):
        if status != 0:
            raise AwqError(self.lib.awq_status_name(status).decode(),
                           (self.lib.awq_last_error_message() or b"").decode())

    def context(self, ordinal=0):
        return Context(self, ordinal)


class Context:
    """A device's primary context, retained for the runtime."""

    def __init__(self, runtime, ordinal):
        self.rt = runtime
        self.handle = ctypes.c_void_p()
        runtime.check(runtime.lib.awq_context_create(ordinal, ctypes.byref(self.handle)))

    def set_programmatic_launch(self, enable):
        """Programmatic dependent launch (awq_context_set_programmatic_launch)."""
        self.rt.check(self.rt.lib.awq_context_set_programmatic_launch(
            self.handle, 1 if enable else 0))

    def load_artifact(self, directory):
        return Artifact(self, directory)

    def close(self):
        if self.handle:
            self.rt.check(self.rt.lib.awq_context_destroy(self.handle))
            self.handle = ctypes.c_void_p()


class Artifact:
    """An artifact written by awq-compile, loaded for the context's device."""

    def __init__(self, context, directory):
        self.rt = context.rt
        self.context = context
        self.handle = ctypes.c_void_p()
        self.rt.check(self.rt.lib.awq_artifact_load(
            context.handle, os.fsencode(directory), ctypes.byref(self.handle)))

    def layers(self):
        count = ctypes.c_size_t()
        self.rt.check(self.rt.lib.awq_artifact_num_layers(self.handle, ctypes.byref(count)))
        result = []
        for i in range(count.value):
            layer = ctypes.c_void_p()
            self.rt.check(self.rt.lib.awq_artifact_get_layer_at(self.handle, i, ctypes.byref(layer)))
            result.append(Layer(self, layer))
        return result

    def layer(self, name):
        layer = ctypes.c_void_p()
        self.rt.check(self.rt.lib.awq_artifact_get_layer(
            self.handle, name.encode(), ctypes.byref(layer)))
        return Layer(self, layer)

    def close(self):
        if self.handle:
            self.rt.check(self.rt.lib.awq_artifact_destroy(self.handle))
            self.handle = ctypes.c_void_p()


class Layer:
    """One quantized linear of an artifact."""

    def __init__(self, artifact, handle):
        self.rt = artifact.rt
        self.artifact = artifact  # keeps the artifact alive
        self.handle = handle
        info = _LayerInfo()
        self.rt.check(self.rt.lib.awq_layer_get_info(handle, ctypes.byref(info)))
        self.name = info.name.decode()
        self.n, self.k, self.group_size = info.n, info.k, info.group_size
        self.dtype = "bf16" if info.dtype == 1 else "f16"
        self.has_zeros, self.has_bias = bool(info.has_zeros), bool(info.has_bias)

    def launch(self, m, x, qweight, scales, zeros, bias, y, stream=0):
        """y[m, n] = x[m, k] · Ŵᵀ (+ bias) on `stream`; pointers are ints."""
        self.rt.check(self.rt.lib.awq_linear_launch(
            self.handle, m, x, qweight, scales, zeros or 0, bias or 0, y,
            ctypes.c_void_p(stream)))
