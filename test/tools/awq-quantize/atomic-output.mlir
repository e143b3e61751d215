// `--out DIR` is built under a temporary name beside DIR and replaces it
// only on success: a rerun leaves no shard of the earlier run, a failure
// leaves nothing behind, and a model without config.json is an error (its
// output could not be loaded).
// REQUIRES: awq-quantize
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %awq_src_root/examples/make_tiny_model.py %t/m > /dev/null

// A stale shard and index from an earlier run are gone after a rerun.
// RUN: awq-quantize rtn --model %t/m --out %t/q > /dev/null
// RUN: touch %t/q/model-00001-of-00002.safetensors %t/q/model.safetensors.index.json
// RUN: awq-quantize rtn --model %t/m --out %t/q | FileCheck %s --check-prefix=WROTE -DOUT=%t/q
// RUN: ls %t/q | FileCheck %s --check-prefix=AGAIN --implicit-check-not=model-0 --implicit-check-not=index
// RUN: ls %t | FileCheck %s --check-prefix=NOTEMP --implicit-check-not=partial
// WROTE: wrote [[OUT]]: 7 linears quantized
// AGAIN: config.json
// AGAIN: model.safetensors
// NOTEMP: m
// NOTEMP: q

// No config.json: an error naming the file; nothing is written.
// RUN: mkdir -p %t/noconfig && cp %t/m/model.safetensors %t/noconfig/
// RUN: not awq-quantize rtn --model %t/noconfig --out %t/q2 2>&1 | FileCheck %s --check-prefix=NOCONFIG -DDIR=%t/noconfig
// RUN: not ls %t/q2
// NOCONFIG: awq-quantize: error: '[[DIR]]{{/|\\}}config.json' does not exist: the output checkpoint needs the model's config.json
// RUN: not awq-quantize rtn --model %t/noconfig/model.safetensors --out %t/q2 2>&1 | FileCheck %s --check-prefix=NOCONFIG -DDIR=%t/noconfig

// A failure after some work (bad activations) leaves no output and keeps
// the earlier one.
// RUN: not awq-quantize awq --model %t/m --activations %t/m/config.json --out %t/q 2>&1 | FileCheck %s --check-prefix=BADACTS
// RUN: ls %t/q | FileCheck %s --check-prefix=AGAIN --implicit-check-not=model-0 --implicit-check-not=index
// BADACTS: awq-quantize: error:

// A non-empty directory that is not a checkpoint is not replaced.
// RUN: mkdir -p %t/mine && touch %t/mine/notes.txt
// RUN: not awq-quantize rtn --model %t/m --out %t/mine 2>&1 | FileCheck %s --check-prefix=FOREIGN
// RUN: ls %t/mine | FileCheck %s --check-prefix=KEPT
// FOREIGN: awq-quantize: error: '{{.*}}mine' exists and is not an earlier output (no config.json): not replacing it
// KEPT: notes.txt
