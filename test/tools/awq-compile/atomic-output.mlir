// `-o DIR` is built under a temporary name beside DIR and replaces it only
// when every step succeeded: a failure leaves neither DIR nor a partial
// artifact, a rerun leaves no file of the earlier one, and a directory that
// is not an earlier artifact is never replaced.
// RUN: rm -rf %t && mkdir -p %t

// Missing weights: the error names the file and the directory searched and
// points to --weights-dir; nothing is left behind (today the PTX was).
// RUN: not awq-compile %s -o %t/out --arch=sm_80 2>&1 | FileCheck %s --check-prefix=MISSING -DDIR=%S
// RUN: not ls %t/out
// RUN: ls %t | count 0
// MISSING: error: weights file '{{.*}}no-such-weights.safetensors' does not exist
// MISSING-SAME: relative names are resolved against '[[DIR]]' (the IR file's directory); pass --weights-dir=DIR
// MISSING-NOT: kernels.sm_80.ptx

// A rerun replaces the earlier artifact: its stale PTX and stray files go.
// RUN: awq-compile %awq_src_root/examples/llama7b-linears.mlir -o %t/art --arch=sm_80,sm_90
// RUN: touch %t/art/stale.txt
// RUN: awq-compile %awq_src_root/examples/llama7b-linears.mlir -o %t/art --arch=sm_90
// RUN: ls %t/art | FileCheck %s --check-prefix=AGAIN --implicit-check-not=stale --implicit-check-not=sm_80
// RUN: ls %t | FileCheck %s --check-prefix=NOTEMP --implicit-check-not=partial
// AGAIN: kernels.sm_90.ptx
// AGAIN: manifest.json
// NOTEMP: art

// A failed rerun keeps the earlier artifact as it was.
// RUN: not awq-compile %s -o %t/art --arch=sm_80 2>/dev/null
// RUN: ls %t/art | FileCheck %s --check-prefix=AGAIN --implicit-check-not=stale --implicit-check-not=sm_80

// A non-empty directory that is not an artifact is not replaced.
// RUN: mkdir -p %t/mine && touch %t/mine/notes.txt
// RUN: not awq-compile %awq_src_root/examples/llama7b-linears.mlir -o %t/mine --arch=sm_90 2>&1 | FileCheck %s --check-prefix=FOREIGN
// RUN: ls %t/mine | FileCheck %s --check-prefix=KEPT
// FOREIGN: awq-compile: error: '{{.*}}mine' exists and is not an earlier output (no manifest.json): not replacing it
// KEPT: notes.txt

func.func @linear(%x: tensor<?x128xf16>) -> tensor<?x128xf16> {
  %q = awq.weight "w.qweight" from "no-such-weights.safetensors" storage <awq_gemm_qweight> : tensor<128x128xi4>
  %s = awq.weight "w.scales" from "no-such-weights.safetensors" storage <transposed> : tensor<128x1xf16>
  %z = awq.weight "w.qzeros" from "no-such-weights.safetensors" storage <awq_gemm_qzeros> : tensor<128x1xi4>
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64, name = "w"}
      : tensor<?x128xf16>, tensor<128x128xi4>, tensor<128x1xf16>, zeros tensor<128x1xi4> -> tensor<?x128xf16>
  return %y : tensor<?x128xf16>
}
