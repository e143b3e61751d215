#!/usr/bin/env python3
"""Tests of the awq_mlir package (ports test/unit/runtime/python_binding_test.py,
the old ctypes binding's test, and adds the PyTorch op and AwqLinear).

Host part (everywhere the package is installed): the import works, the
native module's API version matches, `gpu_status()` says "no CUDA GPU" where
there is none, a failing call raises AwqError with the runtime's status and
message, the PyTorch weight-layout helpers (where PyTorch is installed)
agree with an independent NumPy packing written from docs/artifact-format.md,
and AutoAWQ repacking (awq_repack_autoawq, host only) agrees with them.

GPU part (where a CUDA GPU and PyTorch exist; otherwise every GPU test is
reported as skipped and, with --mode gpu, the script exits 77, ctest's
SKIP): AwqLinear against x @ dequant(W).T in float64 for f16 and bf16, odd N,
a first compile for the first M with the other kernels in the background,
every group size (32, 64, 128, K), symmetric, bias; a side stream; CUDA-graph
capture and replay; torch.compile(fullgraph=True); wrong dtype, device, shape
and CPU tensors raise AwqError with the runtime's message; artifact layers
(AWQ_GPU_TEST_ARTIFACT) through the binding.
"""
import argparse
import os
import sys
import traceback

import numpy as np

RESULTS = {"passed": 0, "failed": 0, "skipped": 0}


def case(fn):
    """Runs fn, records pass / fail / skip (a Skip exception)."""
    try:
        fn()
        RESULTS["passed"] += 1
        print(f"PASS {fn.__name__}")
    except Skip as s:
        RESULTS["skipped"] += 1
        print(f"SKIP {fn.__name__}: {s}")
    except Exception:  # noqa: BLE001 - report every failure and go on
        RESULTS["failed"] += 1
        print(f"FAIL {fn.__name__}")
        traceback.print_exc()


class Skip(Exception):
    pass


def pack_kernel_layout_np(q):
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


def pack_autoawq_np(q, z):
    """Canonical q [N, K], zeros [N, K/G] -> AutoAWQ GEMM qweight [K, N/8],
    qzeros [K/G, N/8] (nibble i of word c holds channel 8c + ORDER[i])."""
    order = [0, 2, 4, 6, 1, 3, 5, 7]

    def pack_cols(v):  # v [R, N] -> [R, N/8]
        r, n = v.shape
        out = np.zeros((r, n // 8), dtype=np.uint32)
        for i, ch in enumerate(order):
            out |= v[:, ch::8].astype(np.uint32) << (4 * i)
        return out.view(np.int32)
    return pack_cols(q.T.copy()), pack_cols(z.T.copy())


#===----------------------------------------------------------------------===#
# Host
#===----------------------------------------------------------------------===#

def host_tests():
    import awq_mlir

    def import_and_status():
        assert awq_mlir._C.API_VERSION == 1
        status = awq_mlir.gpu_status()
        print(f"  gpu_status: {status}")
        assert status, status
        if not awq_mlir.cuda_available():
            assert status.startswith("no CUDA GPU ("), status
            assert "AWQ_ERROR_NO_DRIVER" in status or "AWQ_ERROR_NO_DEVICE" in status

    def errors_carry_runtime_message():
        try:
            ctx = awq_mlir.context(0)
        except awq_mlir.AwqError as err:
            assert err.status in ("AWQ_ERROR_NO_DRIVER", "AWQ_ERROR_NO_DEVICE"), err
            assert isinstance(err, RuntimeError)
            return
        try:
            ctx.load_artifact("/nonexistent-awq-artifact")
            raise AssertionError("loading a missing artifact did not raise")
        except awq_mlir.AwqError as err:
            assert "nonexistent-awq-artifact" in str(err), err

    def repack_rejects_bad_shapes():
        q = np.zeros(4, np.int32)
        try:
            awq_mlir._C.repack_autoawq(12, 32, 32, 0, q.ctypes.data, q.ctypes.data,
                                       q.ctypes.data, q.ctypes.data,
                                       q.ctypes.data, q.ctypes.data)
            raise AssertionError("n = 12 accepted")
        except awq_mlir.AwqError as err:
            assert err.status == "AWQ_ERROR_INVALID_ARGUMENT", err
            assert "8" in err.message, err

    for fn in (import_and_status, errors_carry_runtime_message,
               repack_rejects_bad_shapes):
        case(fn)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("SKIP torch host tests: PyTorch not installed")
        RESULTS["skipped"] += 1
        return
    torch_host_tests()


def torch_host_tests():
    import torch
    from awq_mlir import ops
    from awq_mlir.nn import AwqLinear
    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))

    def pack_matches_numpy():
        for n, k in ((8, 32), (5, 96), (33, 256)):
            q = rng.integers(0, 16, size=(n, k), dtype=np.uint8)
            got = ops.pack(torch.from_numpy(q)).numpy()
            assert (got == pack_kernel_layout_np(q)).all()
            assert (ops.unpack(torch.from_numpy(got)).numpy() == q).all()

    def rtn_round_trip():
        w = torch.randn(24, 128)
        for zp in (True, False):
            q, s, z = ops.quantize_rtn(w, 32, zp, torch.float16)
            wq = ops.dequantize(q, s, z, 32)
            err = (wq - w).abs() / s.float().repeat_interleave(32, 1)
            # Half a step, except at a group's edge where the rounded zero
            # point pushes q out of 0..15 and the clamp adds up to half more
            # (AutoAWQ's rule behaves the same).
            assert err.max() <= 1.0 + 1e-3, err.max()
            assert (err <= 0.5 + 1e-3).float().mean() >= 0.9, err  # <= 2 per group of 32
            assert torch.linalg.norm(wq - w) / torch.linalg.norm(w) < 0.15

    def autoawq_repack_matches():
        for dtype in (torch.float16, torch.bfloat16):
            n, k, g = 40, 128, 32
            q = rng.integers(0, 16, size=(n, k), dtype=np.uint8)
            z = rng.integers(0, 16, size=(n, k // g), dtype=np.uint8)
            s = (rng.random((n, k // g)) * 0.02 + 0.001).astype(np.float16)
            qw, qz = pack_autoawq_np(q, z)
            lin = AwqLinear.from_autoawq(torch.from_numpy(qw), torch.from_numpy(qz),
                                         torch.from_numpy(s.T.copy()), None, g,
                                         dtype, device="cpu")
            assert (lin.qweight.numpy() == pack_kernel_layout_np(q)).all()
            assert (lin.zeros.float().numpy() == z).all()
            assert torch.equal(lin.scales, torch.from_numpy(s).to(dtype))

    def cpu_tensor_raises():
        lin = AwqLinear(64, 16, 32)
        try:
            lin(torch.randn(2, 64, dtype=torch.float16))
            raise AssertionError("a CPU tensor was accepted")
        except Exception as err:  # noqa: BLE001
            from awq_mlir import AwqError
            assert isinstance(err, AwqError), repr(err)
            assert "CUDA" in str(err), err

    for fn in (pack_matches_numpy, rtn_round_trip, autoawq_repack_matches,
               cpu_tensor_raises):
        case(fn)


#===----------------------------------------------------------------------===#
# GPU
#===----------------------------------------------------------------------===#

def rel_err(got, ref):
    return (torch.linalg.norm(got.double() - ref) / torch.linalg.norm(ref)).item()


def gpu_tests():
    global torch
    import torch
    import awq_mlir
    from awq_mlir import AwqError
    from awq_mlir.nn import AwqLinear
    dev = torch.device("cuda")
    tol = {torch.float16: 2e-3, torch.bfloat16: 1e-2}

    def make(n, k, g, dtype, zero_point=True, bias=False):
        lin = torch.nn.Linear(k, n, bias=bias, device=dev, dtype=torch.float32)
        return AwqLinear.from_linear(lin, g, zero_point, dtype)

    def check(lin, x):
        y = lin(x)
        ref = x.double() @ lin.dequantize(torch.float64).T
        if lin.bias is not None:
            ref += lin.bias.double()
        torch.cuda.synchronize()
        assert torch.isfinite(y).all(), "non-finite output"
        e = rel_err(y, ref)
        assert e < tol[x.dtype], f"rel err {e:.2e} (tol {tol[x.dtype]})"
        return e

    def linear_vs_dequant():
        worst = {}
        for dtype in (torch.float16, torch.bfloat16):
            for n, k, g in ((4096, 4096, 128), (4097, 512, 64), (1000, 1024, 32),
                            (333, 768, 768), (11008, 4096, 128), (24, 96, 32)):
                for zp, bias in ((True, False), (False, True)):
                    lin = make(n, k, g, dtype, zp, bias)
                    for m in (1, 3, 16, 100, 300):
                        e = check(lin, torch.randn(m, k, device=dev, dtype=dtype))
                        key = (str(dtype)[6:], n, k, g)
                        worst[key] = max(worst.get(key, 0), e)
        for key, e in worst.items():
            print(f"  {key}: worst rel err {e:.2e}")

    def batched_input_3d():
        lin = make(256, 512, 128, torch.float16)
        check(lin, torch.randn(2, 7, 512, device=dev, dtype=torch.float16))

    def jit_first_rows_then_wait():
        # A fresh shape compiled for its first M (here 2) first; the other
        # kernels load in the background. wait() returns once all are
        # loaded; the op then finds the layer and runs it at any M.
        layer = awq_mlir.context(0).jit_linear(1664, 1024, 128, "f16", True,
                                               False, first_rows=2)
        layer.wait()
        assert layer.load_info()["ptx_arch"].startswith("sm_")
        lin = make(1664, 1024, 128, torch.float16)
        check(lin, torch.randn(2, 1024, device=dev, dtype=torch.float16))
        check(lin, torch.randn(200, 1024, device=dev, dtype=torch.float16))

    def side_stream():
        lin = make(1024, 2048, 128, torch.float16)
        x = torch.randn(16, 2048, device=dev, dtype=torch.float16)
        ref = lin(x)
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):
                y = lin(x)
        torch.cuda.current_stream().wait_stream(s)
        torch.cuda.synchronize()
        assert torch.equal(y, ref)

    def cuda_graph_capture_replay():
        lin = make(2048, 1024, 64, torch.bfloat16, bias=True)
        x = torch.randn(8, 1024, device=dev, dtype=torch.bfloat16)
        lin(x)  # warm-up: the JIT compile happens here, not under capture
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            y = lin(x)
        for _ in range(3):
            x.copy_(torch.randn_like(x))
            y.fill_(float("nan"))
            g.replay()
            torch.cuda.synchronize()
            ref = x.double() @ lin.dequantize(torch.float64).T + lin.bias.double()
            e = rel_err(y, ref)
            assert e < tol[torch.bfloat16], e

    def torch_compile_fullgraph():
        lin = make(512, 1024, 128, torch.float16)

        class M(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = lin

            def forward(self, x):
                return torch.nn.functional.silu(self.lin(x * 2)) + 1

        m = M()
        f = torch.compile(m, fullgraph=True)
        x = torch.randn(5, 1024, device=dev, dtype=torch.float16)
        got = f(x)
        ref = m(x)
        torch.cuda.synchronize()
        assert rel_err(got, ref.double()) < 1e-3

    def errors():
        lin = make(64, 128, 32, torch.float16)
        x = torch.randn(4, 128, device=dev, dtype=torch.float16)

        def expect(fn, *words):
            try:
                fn()
            except AwqError as err:
                assert all(w in str(err) for w in words), err
                print(f"  raised: {err}")
                return
            raise AssertionError(f"no AwqError ({words})")
        expect(lambda: lin(x.float()), "dtype", "float32")
        expect(lambda: lin(x.to(torch.bfloat16)), "dtype")   # scales are f16
        expect(lambda: lin(x.cpu()), "cpu", "CUDA")
        expect(lambda: lin(torch.randn(4, 96, device=dev, dtype=torch.float16)),
               "shape", "K = 128")
        # Shapes the code generator rejects: the runtime's own message.
        q = torch.zeros(8, 6, dtype=torch.int32, device=dev)  # K = 48
        s = torch.ones(8, 3, dtype=torch.float16, device=dev)
        expect(lambda: torch.ops.awq_mlir.linear(
            torch.randn(2, 48, device=dev, dtype=torch.float16), q, s, None,
            None, 16), "AWQ_ERROR")
        if torch.cuda.device_count() > 1:
            expect(lambda: lin(x.to("cuda:1")), "cuda:")
        # A misaligned x (a view at an odd element offset): the runtime's
        # alignment check.
        xs = torch.randn(4 * 128 + 1, device=dev, dtype=torch.float16)[1:].view(4, 128)
        expect(lambda: lin(xs), "AWQ_ERROR_INVALID_ARGUMENT")

    def artifact_layers():
        art_dir = os.environ.get("AWQ_GPU_TEST_ARTIFACT")
        if not art_dir:
            raise Skip("AWQ_GPU_TEST_ARTIFACT not set")
        from awq_mlir import ops
        art = awq_mlir.context(0).load_artifact(art_dir)
        rng = np.random.default_rng(1)
        for layer in art.layers():
            n, k, g = layer.n, layer.k, layer.group_size
            dtype = torch.bfloat16 if layer.dtype == "bf16" else torch.float16
            q = torch.from_numpy(rng.integers(0, 16, size=(n, k), dtype=np.uint8))
            qw = ops.pack(q).to(dev)
            s = (torch.rand(n, k // g) * 0.02 + 0.001).to(dev, dtype)
            z = torch.randint(0, 16, (n, k // g)).to(dev, dtype) if layer.has_zeros else None
            b = torch.randn(n).to(dev, dtype) if layer.has_bias else None
            w = ops.dequantize(qw, s, z, g, torch.float64)
            for m in (1, 17, 100):
                x = torch.randn(m, k, device=dev).to(dtype)
                y = torch.full((m, n), float("nan"), device=dev, dtype=dtype)
                layer.launch(m, x.data_ptr(), qw.data_ptr(), s.data_ptr(),
                             z.data_ptr() if z is not None else 0,
                             b.data_ptr() if b is not None else 0, y.data_ptr(),
                             torch.cuda.current_stream().cuda_stream)
                torch.cuda.synchronize()
                ref = x.double() @ w.T + (b.double() if b is not None else 0)
                e = rel_err(y, ref)
                assert torch.isfinite(y).all() and e < tol[dtype], (layer, m, e)

    for fn in (linear_vs_dequant, batched_input_3d, jit_first_rows_then_wait,
               side_stream,
               cuda_graph_capture_replay, torch_compile_fullgraph, errors,
               artifact_layers):
        case(fn)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["host", "gpu"], default="gpu")
    args = ap.parse_args()
    host_tests()
    if args.mode == "gpu":
        import awq_mlir
        why = None
        try:
            import torch  # noqa: F401
            if not torch.cuda.is_available():
                why = "PyTorch sees no CUDA GPU"
        except ImportError:
            why = "PyTorch not installed"
        if why is None and not awq_mlir.cuda_available():
            why = awq_mlir.gpu_status()
        if why:
            print(f"SKIP gpu tests: {why}")
            print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed, "
                  f"all GPU tests skipped")
            sys.exit(1 if RESULTS["failed"] else 77)
        gpu_tests()
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed, "
          f"{RESULTS['skipped']} skipped")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
