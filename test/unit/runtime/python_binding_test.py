#!/usr/bin/env python3
"""Tests of the Python binding (runtime/python/awq_runtime.py).

Host side (everywhere): the library loads, its ABI version matches, and a
failing call raises AwqError carrying the runtime's status and message
(without a GPU: context creation fails with NO_DRIVER or NO_DEVICE).

GPU side (where a GPU, PyTorch and AWQ_GPU_TEST_ARTIFACT exist): for each
layer of the artifact, random weights are packed into the kernel layout by
an implementation written here from docs/artifact-format.md, launched through
the binding on PyTorch's current stream, and compared with PyTorch's
float64 matmul of the dequantized weights. `--mode gpu` exits with 77
(ctest SKIP_RETURN_CODE) when it cannot run; `--mode host` never skips.
"""
import argparse
import os
import sys


def host_checks(rt_module, library):
    rt = rt_module.Runtime(library)
    assert rt.lib.awq_runtime_abi_version() == 1
    try:
        ctx = rt.context(0)
    except rt_module.AwqError as err:
        assert err.status in ("AWQ_ERROR_NO_DRIVER", "AWQ_ERROR_NO_DEVICE"), err
        assert "CUDA" in str(err) or "device" in str(err), err
        print(f"host: context creation fails cleanly without a GPU: {err}")
        return rt, None
    try:
        ctx.load_artifact("/nonexistent-awq-artifact")
        raise AssertionError("loading a missing artifact did not raise")
    except rt_module.AwqError as err:
        assert "nonexistent-awq-artifact" in str(err), err
        print(f"host: missing artifact reported: {err}")
    return rt, ctx


def pack_kernel_layout(q, np):
    """q: uint8 [N, K] -> int32 [N, K/8] per docs/artifact-format.md."""
    n, k = q.shape
    words = np.zeros((n, k // 8), dtype=np.uint32)
    for c in range(k // 32):
        for t in range(4):
            word = np.zeros(n, dtype=np.uint32)
            for p in range(8):
                col = 32 * c + 8 * (p % 4) + 2 * t + p // 4
                word |= q[:, col].astype(np.uint32) << (4 * p)
            words[:, 4 * c + t] = word
    return words.view(np.int32)


def gpu_checks(rt, ctx, artifact_dir):
    import numpy as np
    import torch
    art = ctx.load_artifact(artifact_dir)
    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
    failures = 0
    for layer in art.layers():
        n, k, g = layer.n, layer.k, layer.group_size
        dtype = torch.bfloat16 if layer.dtype == "bf16" else torch.float16
        q = rng.integers(0, 16, size=(n, k), dtype=np.uint8)
        scales = (rng.random((n, k // g)) * 0.02 + 0.001).astype(np.float32)
        zeros = rng.integers(0, 16, size=(n, k // g)).astype(np.float32) \
            if layer.has_zeros else np.full((n, k // g), 8.0, np.float32)
        bias = rng.standard_normal(n).astype(np.float32) if layer.has_bias else None
        dev = torch.device("cuda")
        t_q = torch.from_numpy(pack_kernel_layout(q, np)).to(dev)
        t_s = torch.from_numpy(scales).to(dtype).to(dev)
        t_z = torch.from_numpy(zeros).to(dtype).to(dev)
        t_b = torch.from_numpy(bias).to(dtype).to(dev) if bias is not None else None
        # Reference from the values the kernel actually sees (scales rounded).
        s64 = t_s.double().cpu().numpy().repeat(g, axis=1)
        w = (q.astype(np.float64) - zeros.repeat(g, axis=1)) * s64
        for m in (1, 3, 16, 100):
            x = torch.randn(m, k, device=dev).to(dtype)
            y = torch.full((m, n), float("nan"), device=dev, dtype=dtype)
            layer.launch(m, x.data_ptr(), t_q.data_ptr(), t_s.data_ptr(),
                         t_z.data_ptr() if layer.has_zeros else 0,
                         t_b.data_ptr() if t_b is not None else 0, y.data_ptr(),
                         torch.cuda.current_stream().cuda_stream)
            torch.cuda.synchronize()
            ref = x.double().cpu().numpy() @ w.T
            if t_b is not None:
                ref += t_b.double().cpu().numpy()
            got = y.double().cpu().numpy()
            err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
            tol = 1e-2 if dtype == torch.bfloat16 else 2e-3
            ok = np.isfinite(got).all() and err < tol
            failures += not ok
            print(f"gpu: {layer.name} M={m} rel_err={err:.2e} (tol {tol}) {'ok' if ok else 'FAIL'}")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--module-dir", required=True)
    ap.add_argument("--library", required=True)
    ap.add_argument("--mode", choices=["host", "gpu"], required=True)
    args = ap.parse_args()
    sys.path.insert(0, args.module_dir)
    import awq_runtime
    rt, ctx = host_checks(awq_runtime, args.library)
    if args.mode == "host":
        print("1 passed, 0 failed")
        return
    artifact = os.environ.get("AWQ_GPU_TEST_ARTIFACT")
    if ctx is None or not artifact:
        print("gpu: skipped (no GPU)" if ctx is None else
              "gpu: skipped (AWQ_GPU_TEST_ARTIFACT not set)")
        sys.exit(77)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("gpu: skipped (PyTorch not installed)")
        sys.exit(77)
    failures = gpu_checks(rt, ctx, artifact)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
