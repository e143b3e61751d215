#!/usr/bin/env python3
"""Compares two raw float32 logits files (as `awq-run --logits` writes them).

Both files are little-endian float32 [T, vocab], row-major. Passes when they
have the same size, are finite, and every element satisfies
|a - b| <= atol + rtol * |b|; with --vocab V it also reports the argmax of
each of the T rows and fails if they differ where B's top two are further
apart than the tolerance. Prints the errors and PASS or FAIL; exit status 1
on failure.

Usage: compare_logits.py A.bin B.bin [--atol 1e-5] [--rtol 0] [--vocab V]
"""

import argparse
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a")
    parser.add_argument("b", help="the reference side of the comparison")
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--rtol", type=float, default=0.0)
    parser.add_argument("--vocab", type=int, default=0)
    args = parser.parse_args()

    a = np.fromfile(args.a, dtype="<f4").astype(np.float64)
    b = np.fromfile(args.b, dtype="<f4").astype(np.float64)
    if a.size != b.size or a.size == 0:
        print(f"FAIL: {args.a} holds {a.size} floats, {args.b} {b.size}")
        return 1
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        print("FAIL: non-finite values")
        return 1
    diff = np.abs(a - b)
    tol = args.atol + args.rtol * np.abs(b)
    outside = int(np.sum(diff > tol))
    print(f"{a.size} values: max_abs_err={diff.max():.3e} "
          f"(rtol={args.rtol:g} atol={args.atol:g}, {outside} outside)")
    ok = outside == 0
    if args.vocab:
        if a.size % args.vocab:
            print(f"FAIL: {a.size} floats is not a multiple of vocab {args.vocab}")
            return 1
        a2, b2 = a.reshape(-1, args.vocab), b.reshape(-1, args.vocab)
        srt = np.sort(b2, axis=-1)
        clear = srt[:, -1] - srt[:, -2] > 2 * (args.atol + args.rtol * np.abs(srt[:, -1]))
        agree = np.argmax(a2, -1) == np.argmax(b2, -1)
        print(f"argmax agreement: {int(agree.sum())}/{len(agree)}")
        if np.any(~agree & clear):
            print(f"  argmax differs at positions {np.nonzero(~agree & clear)[0].tolist()}")
            ok = False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
