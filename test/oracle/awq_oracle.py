#!/usr/bin/env python3
"""Independent NumPy oracle for the AwqQuantize C++ library.

Runs the C++ oracle driver, which writes inputs and the library's results to
safetensors files, recomputes everything here from the formulas in
DESIGN.md / AutoAWQ (written from the formulas, not from the C++), and
compares:

  * RTN (q, zeros, scales, dequantized and fake-quantized weights): exact,
    bit for bit, in both f32 arithmetic and PyTorch-f16 arithmetic.
  * AutoAWQ GEMM packing (qweight, qzeros, f16 scales): byte for byte, and
    unpacked again with AutoAWQ's reverse order.
  * Scale search: x_mean, w_mean, chosen scales, the loss at every grid point
    and the chosen grid point.
  * Clip search: chosen clamp step, max value and error per (channel, group).

Floating-point sums and matrix products differ in association order between
OpenBLAS (f32) and this oracle (f64), so losses are compared to a relative
tolerance and a chosen grid point may differ only where the oracle's own
losses are tied within that tolerance (reported).

Exit status 0 only if every comparison passes; NumPy missing is a failure.
"""

import argparse
import json
import os
import struct
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("FAIL: NumPy is not installed (python3 -m pip install numpy)")
    sys.exit(1)

DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U8": np.uint8, "BOOL": np.bool_,
}

FAILURES = []
NOTES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
    return ok


def read_safetensors(path):
    """Returns ({name: ndarray}, metadata) for a .safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen])
    meta = header.pop("__metadata__", {})
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(blob[base + b:base + e], dtype=DTYPES[info["dtype"]])
        out[name] = arr.reshape(info["shape"])
    return out, meta


# --------------------------------------------------------------------------
# RTN, as torch computes pseudo_quantize_tensor on f32 or f16 tensors.
# --------------------------------------------------------------------------

def _to_f16(a):
    """Every op on a torch f16 tensor: compute in f32, round to f16.

    Overflow to Inf is intended (constant groups divide by a tiny scale, in
    torch as here), so NumPy's warning is silenced."""
    with np.errstate(over="ignore"):
        return np.asarray(a, np.float32).astype(np.float16).astype(np.float32)


def _same(a):
    return np.asarray(a, dtype=np.float32)


def rtn_oracle(w, bits, group, sym, arith):
    n, k = w.shape
    g = k if group <= 0 else group
    rnd = _to_f16 if arith == "f16" else _same
    grp = rnd(w.reshape(-1, g))
    top = np.float32(2 ** bits - 1)
    if sym:
        amax = rnd(np.maximum(np.abs(grp).max(axis=1, keepdims=True),
                              np.float32(1e-5)))
        scale = rnd(amax / np.float32(2 ** (bits - 1) - 1))
        zero = np.full_like(scale, np.float32(2 ** (bits - 1)))
    else:
        hi = grp.max(axis=1, keepdims=True)
        lo = grp.min(axis=1, keepdims=True)
        span = rnd(np.maximum(rnd(hi - lo), np.float32(1e-5)))
        scale = rnd(span / top)
        zero = np.clip(-np.rint(rnd(lo / scale)), np.float32(0), top)
    q = np.clip(np.rint(rnd(grp / scale)) + zero, np.float32(0), top)
    deq = ((q - zero) * scale).astype(np.float32)
    fake = rnd(deq)
    groups = k // g
    return (q.astype(np.uint8).reshape(n, k), scale.reshape(n, groups),
            zero.astype(np.uint8).reshape(n, groups), deq.reshape(n, k),
            fake.reshape(n, k))


AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]
AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7]


def pack_oracle(mat):
    """mat [R, N] of 4-bit values -> int32 words [R, N/8] (AutoAWQ order)."""
    r, n = mat.shape
    lanes = mat.astype(np.uint32).reshape(r, n // 8, 8)
    words = np.zeros((r, n // 8), dtype=np.uint32)
    for nibble, channel in enumerate(AWQ_ORDER):
        words |= lanes[:, :, channel] << np.uint32(4 * nibble)
    return words.view(np.int32)


def unpack_oracle(words):
    """AutoAWQ's unpack: shift out nibbles, then undo the order."""
    w = words.view(np.uint32)
    r, c = w.shape
    nib = np.stack([(w >> np.uint32(4 * i)) & np.uint32(15) for i in range(8)],
                   axis=-1)  # [r, c, 8] in nibble order
    chans = nib[:, :, AWQ_REVERSE_ORDER]  # channel order
    return chans.reshape(r, c * 8).astype(np.uint8)


def bits_equal(a, b):
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def check_rtn(tensors, cases):
    packed = 0
    for c in cases:
        name = c["name"]
        w = tensors[name + ".w"]
        q, s, z, deq, fake = rtn_oracle(w, c["bits"], c["group"], c["sym"],
                                        c["arith"])
        check(bits_equal(q, tensors[name + ".q"]), f"{name}: q differs "
              f"({int((q != tensors[name + '.q']).sum())} values)")
        check(bits_equal(s.astype(np.float32), tensors[name + ".scales"]),
              f"{name}: scales differ")
        check(bits_equal(z, tensors[name + ".zeros"]), f"{name}: zeros differ")
        check(bits_equal(deq, tensors[name + ".deq"]),
              f"{name}: dequantized weights differ")
        check(bits_equal(fake, tensors[name + ".fake"]),
              f"{name}: fake-quantized weights differ")
        # Quantization error bound where nothing is clamped: |w - ŵ| <= s/2.
        if c["arith"] == "f32" and not c["sym"] and name.startswith("r_"):
            g = c["k"] if c["group"] <= 0 else c["group"]
            err = np.abs(w - deq).reshape(-1, g)
            check(bool((err <= s.reshape(-1, 1) * 0.5000001 + 1e-12).all()),
                  f"{name}: error exceeds s/2")
        if c["packed"]:
            packed += 1
            qw = pack_oracle(q.T)           # [K, N/8]
            qz = pack_oracle(z.T)           # [K/G, N/8]
            sc = s.T.astype(np.float16)     # [K/G, N]
            check(bits_equal(qw, tensors[name + ".qweight"]),
                  f"{name}: packed qweight differs")
            check(bits_equal(qz, tensors[name + ".qzeros"]),
                  f"{name}: packed qzeros differs")
            check(bits_equal(sc, tensors[name + ".scales_f16"]),
                  f"{name}: f16 scales differ")
            check(bits_equal(unpack_oracle(tensors[name + ".qweight"]).T, q),
                  f"{name}: AutoAWQ-order unpack of qweight is not q")
            check(bits_equal(unpack_oracle(tensors[name + ".qzeros"]).T, z),
                  f"{name}: AutoAWQ-order unpack of qzeros is not zeros")
    return len(cases), packed


# --------------------------------------------------------------------------
# AWQ scale search and clip search.
# --------------------------------------------------------------------------

def fake_quant_f32(w, group):
    return rtn_oracle(w, 4, group, False, "f32")[4]


def scale_search_oracle(x, w, ns, group, duo, n_grid=20):
    k = x.shape[1]
    g = k if group <= 0 else group
    x_mean = np.abs(x.astype(np.float64)).mean(axis=0).astype(np.float32)
    aw = np.abs(w).reshape(-1, g)
    w_rel = aw / (aw.max(axis=1, keepdims=True) + np.float32(1e-6))
    w_mean = w_rel.reshape(w.shape).astype(np.float64).mean(axis=0)
    w_mean = w_mean.astype(np.float32)

    x64 = x.astype(np.float64)
    ref = x64 @ w.astype(np.float64).T  # the linears' outputs, concatenated

    def loss_for(s):
        qw = fake_quant_f32((w * s[None, :]).astype(np.float32), group)
        qw = (qw / s[None, :]).astype(np.float32)
        out = x64 @ qw.astype(np.float64).T
        return float(((ref - out) ** 2).mean())

    losses, all_scales = [], []
    for i in range(n_grid):
        ratio = np.float32(i) / np.float32(n_grid)
        if duo:
            s = np.power(x_mean, ratio) / (
                np.power(w_mean, np.float32(1) - ratio) + np.float32(1e-4))
        else:
            s = np.power(x_mean, ratio)
        s = np.maximum(s.astype(np.float32), np.float32(1e-4))
        s = s / np.sqrt(s.max() * s.min())
        s[~np.isfinite(s)] = 1
        all_scales.append(s.astype(np.float32))
        losses.append(loss_for(s.astype(np.float32)))
    rtn = loss_for(np.ones(k, dtype=np.float32))
    return x_mean, w_mean, losses, all_scales, rtn


def close(a, b, rtol, atol=0.0):
    return np.allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                       rtol=rtol, atol=atol)


def check_search(tensors, case, rtol=1e-4):
    name = case["name"]
    x, w = tensors[name + ".x"], tensors[name + ".w"]
    x_mean, w_mean, losses, scales, rtn = scale_search_oracle(
        x, w, case["ns"], case["group"], case["duo"])
    got_losses = tensors[name + ".losses"]
    check(close(x_mean, tensors[name + ".x_mean"], 1e-6),
          f"{name}: x_mean differs")
    check(close(w_mean, tensors[name + ".w_mean"], 1e-5),
          f"{name}: w_mean differs")
    check(close(losses, got_losses[:-1], rtol),
          f"{name}: grid losses differ: oracle {losses} vs {list(got_losses[:-1])}")
    check(close(rtn, got_losses[-1], rtol), f"{name}: RTN loss differs")
    best = int(np.argmin(losses))
    got = case["best"]
    if got != best:
        tied = abs(losses[got] - losses[best]) <= rtol * abs(losses[best])
        check(tied, f"{name}: chose grid point {got}, oracle {best} "
              f"(losses {losses[got]} vs {losses[best]})")
        NOTES.append(f"{name}: grid points {got} and {best} tie within {rtol}")
    check(close(scales[got], tensors[name + ".scales"], 1e-5),
          f"{name}: chosen scales differ")
    check(losses[best] < rtn, f"{name}: AWQ loss {losses[best]} not below "
          f"RTN loss {rtn}")
    return best, losses[best], rtn


def clip_search_oracle(w, x, group, n_sample, n_grid=20, max_shrink=0.5):
    n, k = w.shape
    g = k if group <= 0 else group
    step = max(1, x.shape[0] // n_sample)
    xs = x[::step].astype(np.float64)
    t = xs.shape[0]
    xg = xs.reshape(t, k // g, g)
    wg = w.reshape(n, k // g, g)
    org = np.einsum("tjc,ojc->ojt", xg, wg.astype(np.float64))
    absmax = np.abs(wg).max(axis=-1)
    errs, maxvals = [], []
    for i in range(int(max_shrink * n_grid)):
        mv = (absmax * np.float32(1 - i / n_grid)).astype(np.float32)
        cur = np.clip(wg, -mv[..., None], mv[..., None]).reshape(n, k)
        qw = fake_quant_f32(cur.astype(np.float32), group).reshape(n, k // g, g)
        out = np.einsum("tjc,ojc->ojt", xg, qw.astype(np.float64))
        errs.append(((out - org) ** 2).mean(axis=-1))
        maxvals.append(mv)
    return np.stack(errs), np.stack(maxvals), t


def check_clip(tensors, case, rtol=1e-3):
    name = case["name"]
    errs, maxvals, _ = clip_search_oracle(tensors[name + ".w"],
                                          tensors[name + ".x"], case["group"],
                                          case["n_sample"])
    best = errs.argmin(axis=0)
    got = tensors[name + ".best_step"].astype(np.int64)
    rows, cols = np.indices(best.shape)
    differ = got != best
    if differ.any():
        e_got = errs[got, rows, cols]
        e_best = errs[best, rows, cols]
        tied = np.abs(e_got - e_best) <= rtol * np.abs(e_best) + 1e-30
        check(bool(tied[differ].all()),
              f"{name}: {int((differ & ~tied).sum())} groups chose a clamp the "
              "oracle rejects")
        NOTES.append(f"{name}: {int(differ.sum())} of {differ.size} groups "
                     "chose among tied clamps")
    check(bits_equal(maxvals[got, rows, cols].astype(np.float32),
                     tensors[name + ".max_val"]), f"{name}: max_val differs")
    check(close(errs[got, rows, cols], tensors[name + ".min_err"], rtol, 1e-30),
          f"{name}: min_err differs")
    return int((best > 0).sum()), best.size


# --------------------------------------------------------------------------
# Error cases through the CLI (optional).
# --------------------------------------------------------------------------

def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        dt = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16"}[arr.dtype]
        header[name] = {"dtype": dt, "shape": list(arr.shape),
                        "data_offsets": [off, off + arr.nbytes]}
        blobs.append(arr.tobytes())
        off += arr.nbytes
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def check_cli_errors(cli, workdir):
    name = "model.layers.0.mlp.up_proj.weight"
    cases = {
        "nan": (np.full((8, 32), 0.5, np.float32), "NaN"),
        "inf": (np.full((8, 32), 0.5, np.float32), "+Inf"),
        "shape": (np.zeros((8, 48), np.float32), "does not divide"),
    }
    cases["nan"][0][3, 5] = np.nan
    cases["inf"][0][2, 7] = np.inf
    for tag, (w, needle) in cases.items():
        d = os.path.join(workdir, "cli-" + tag)
        os.makedirs(d, exist_ok=True)
        write_safetensors(os.path.join(d, "model.safetensors"), {name: w})
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump({"model_type": "llama", "hidden_size": 32,
                       "intermediate_size": 8, "num_attention_heads": 1,
                       "num_hidden_layers": 1, "rms_norm_eps": 1e-5,
                       "vocab_size": 8}, f)
        r = subprocess.run([cli, "rtn", "--model", d, "--group-size", "32",
                            "--out", os.path.join(d, "out")],
                           capture_output=True, text=True)
        check(r.returncode != 0, f"cli {tag}: expected failure")
        check(name in r.stderr and needle in r.stderr,
              f"cli {tag}: unclear error: {r.stderr.strip()}")
        check(not os.path.exists(os.path.join(d, "out", "model.safetensors")),
              f"cli {tag}: left an output behind")


def dequant_gemm(t, name):
    """Oracle dequantization of one AutoAWQ GEMM linear -> W [N, K]."""
    q = unpack_oracle(t[name + ".qweight"]).T.astype(np.float32)   # [N, K]
    z = unpack_oracle(t[name + ".qzeros"]).T.astype(np.float32)    # [N, K/G]
    s = t[name + ".scales"].astype(np.float32).T                   # [N, K/G]
    g = q.shape[1] // s.shape[1]
    return (q - np.repeat(z, g, axis=1)) * np.repeat(s, g, axis=1)


def check_cli_awq(cli, workdir):
    """End to end: a one-block Llama model with outlier activations; the AWQ
    checkpoint's linears, fed the rescaled activations that its folded
    norms produce, must reproduce the fp outputs better than RTN's."""
    rng = np.random.default_rng(0)
    d = os.path.join(workdir, "cli-awq")
    os.makedirs(d, exist_ok=True)
    h, inter, t = 64, 128, 256
    p = "model.layers.0."
    shapes = {"self_attn.q_proj": (h, h), "self_attn.k_proj": (h, h),
              "self_attn.v_proj": (h, h), "self_attn.o_proj": (h, h),
              "mlp.gate_proj": (inter, h), "mlp.up_proj": (inter, h),
              "mlp.down_proj": (h, inter)}
    model = {p + k + ".weight": (rng.standard_normal(v) * 0.05).astype(np.float32)
             for k, v in shapes.items()}
    for norm in ("input_layernorm", "post_attention_layernorm"):
        model[p + norm + ".weight"] = rng.uniform(0.5, 1.5, h).astype(np.float32)
    write_safetensors(os.path.join(d, "model.safetensors"), model)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"model_type": "llama", "hidden_size": h,
                   "intermediate_size": inter, "num_attention_heads": 4,
                   "num_key_value_heads": 4, "num_hidden_layers": 1,
                   "rms_norm_eps": 1e-5, "vocab_size": 8}, f)
    acts = {}
    for lin, k in (("self_attn.q_proj", h), ("self_attn.o_proj", h),
                   ("mlp.gate_proj", h), ("mlp.down_proj", inter)):
        x = rng.standard_normal((t, k)).astype(np.float32)
        x[:, rng.choice(k, 4, replace=False)] *= 30
        acts[p + lin + ".input"] = x
    write_safetensors(os.path.join(d, "acts.safetensors"), acts)
    outs = {}
    for mode in ("awq", "rtn"):
        cmd = [cli, mode, "--model", d, "--group-size", "32", "--keep-dtype",
               "--out", os.path.join(d, mode)]
        if mode == "awq":
            cmd += ["--activations", os.path.join(d, "acts.safetensors")]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if not check(r.returncode == 0, f"cli {mode} failed: {r.stderr}"):
            return
        outs[mode], _ = read_safetensors(os.path.join(d, mode,
                                                      "model.safetensors"))
    for norm, lins, x in (
            # v and up are left out: their output rows also carry the
            # 1/s of the next group (v -> o, up -> down), by design.
            ("input_layernorm", ("q_proj", "k_proj"),
             acts[p + "self_attn.q_proj.input"]),
            ("post_attention_layernorm", ("gate_proj",),
             acts[p + "mlp.gate_proj.input"])):
        # The folded norm scales the activations by n_awq / n = 1 / s.
        ratio = outs["awq"][p + norm + ".weight"] / model[p + norm + ".weight"]
        for lin in lins:
            sub = ("self_attn." if lin in ("q_proj", "k_proj") else "mlp.") + lin
            w = model[p + sub + ".weight"].astype(np.float64)
            ref = x @ w.T
            y_awq = (x * ratio) @ dequant_gemm(outs["awq"], p + sub).T
            y_rtn = x @ dequant_gemm(outs["rtn"], p + sub).T
            e_awq = float(((ref - y_awq) ** 2).mean())
            e_rtn = float(((ref - y_rtn) ** 2).mean())
            check(e_awq < e_rtn, f"cli awq {sub}: error {e_awq} not below "
                  f"RTN {e_rtn}")
            print(f"cli awq {sub}: output MSE {e_awq:.4g} vs RTN {e_rtn:.4g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--driver", required=True,
                    help="awq-quantize-oracle-driver executable")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--cli", help="awq-quantize executable (error cases)")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    r = subprocess.run([args.driver, args.workdir], capture_output=True,
                       text=True)
    if r.returncode != 0:
        print("FAIL: driver failed:", r.stderr)
        return 1

    tensors, meta = read_safetensors(os.path.join(args.workdir,
                                                  "rtn.safetensors"))
    n_rtn, n_packed = check_rtn(tensors, json.loads(meta["cases"]))
    print(f"RTN: {n_rtn} cases compared bit for bit ({n_packed} also packed)")

    tensors, meta = read_safetensors(os.path.join(args.workdir,
                                                  "search.safetensors"))
    for case in json.loads(meta["cases"]):
        if case.get("clip"):
            clipped, total = check_clip(tensors, case)
            print(f"clip {case['name']}: {clipped}/{total} groups clipped")
        else:
            best, loss, rtn = check_search(tensors, case)
            print(f"scale {case['name']}: grid point {best}, loss {loss:.6g} "
                  f"(RTN {rtn:.6g})")
    if args.cli:
        check_cli_errors(args.cli, args.workdir)
        print("CLI error cases checked")
        check_cli_awq(args.cli, args.workdir)
    for n in NOTES:
        print("note:", n)
    if FAILURES:
        for f in FAILURES:
            print("FAIL:", f)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
