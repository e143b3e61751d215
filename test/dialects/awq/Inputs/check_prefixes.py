#!/usr/bin/env python3
"""Feeds every `stride`-th prefix of each input file (text and bytecode) to
awq-opt and fails if any run crashes (dies of a signal or LLVM's crash
handler prints a stack dump) or fails without a located diagnostic.

usage: check_prefixes.py AWQ_OPT STRIDE WORKDIR FILE...
"""
import os
import re
import subprocess
import sys

awq_opt, stride, workdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(workdir, exist_ok=True)
located = re.compile(rb"^\S+:\d+:\d+: error: ", re.M)
bytecode_located = re.compile(rb"^\S+:0:0: error: ", re.M)
runs = failures = 0


def check(path, data, is_bytecode):
    global runs, failures
    prefix = os.path.join(workdir, "prefix.mlirbc" if is_bytecode else "prefix.mlir")
    with open(prefix, "wb") as f:
        f.write(data)
    proc = subprocess.run([awq_opt, prefix, "-o", os.devnull],
                          capture_output=True, timeout=60)
    runs += 1
    err = proc.stderr
    crashed = proc.returncode < 0 or b"Stack dump" in err or b"LLVM ERROR" in err
    pattern = bytecode_located if is_bytecode else located
    silent = proc.returncode != 0 and not pattern.search(err)
    if crashed or silent:
        failures += 1
        print(f"FAIL: {path} truncated to {len(data)} bytes: rc={proc.returncode}")
        print(err.decode(errors="replace")[-2000:])


for path in sys.argv[4:]:
    text = open(path, "rb").read()
    for n in range(0, len(text), stride):
        check(path, text[:n], False)
    bc = subprocess.run([awq_opt, path, "--emit-bytecode"], capture_output=True,
                        check=True).stdout
    for n in range(0, len(bc), max(1, stride // 8)):
        check(path + " (bytecode)", bc[:n], True)

print(f"{runs} prefixes, {failures} failures")
sys.exit(1 if failures else 0)
