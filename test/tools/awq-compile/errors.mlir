// Bad invocations and inputs get a clear error naming the problem.
// RUN: not awq-compile %s --arch=sm_75 -o %t 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not awq-compile %s 2>&1 | FileCheck %s --check-prefix=NOOUT
// RUN: not awq-compile %t.does-not-exist.mlir -o %t 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not awq-compile %s --emit=ptx 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: head -c 600 %awq_src_root/examples/llama7b-linears.mlir > %t.truncated.mlir
// RUN: not awq-compile %t.truncated.mlir --emit=ptx 2>&1 | FileCheck %s --check-prefix=TRUNC

// ARCH: awq-compile: unsupported GPU architecture 'sm_75' (supported: sm_80, sm_86, sm_89, sm_90, sm_90a)
// NOOUT: awq-compile: no output directory: pass -o DIR or --emit
// MISSING: awq-compile: cannot open input file
// EMPTY: has no awq.qlinear and no gpu.module: nothing to compile
// TRUNC: truncated.mlir:{{[0-9]+}}:{{[0-9]+}}: error:

func.func @no_linears(%x: tensor<?x64xf16>) -> tensor<?x64xf16> {
  return %x : tensor<?x64xf16>
}
