// Clear errors, each naming the problem and where it is, for inputs the
// whole-model tools cannot take (see also import-errors.mlir).
// REQUIRES: awq-import, awq-eval
// Steps that write GGUF run on `python3` (import-errors.mlir says why).
// RUN: rm -rf %t && mkdir -p %t

// A GGUF tensor of a type awq cannot dequantize.
// RUN: python3 %S/Inputs/make_tiny_llama.py %t/m --variant llama-gqa --gguf %t/q5.gguf \
// RUN:   --gguf-raw-type blk.0.ffn_down.weight=Q5_0
// RUN: not awq-import %t/q5.gguf -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: tensor 'blk.0.ffn_down.weight' in '{{.+}}q5.gguf' has GGUF type Q5_0, which awq cannot dequantize

// A model without tokenizer data (an HF directory with no tokenizer.json).
// RUN: printf 'some text\n' > %t/short.txt
// RUN: not awq-eval %t/m --text %t/short.txt 2>&1 | FileCheck %s --check-prefix=NOTOK
// NOTOK: awq-eval: error: the model names no tokenizer; pass --tokenizer

// A tokenizer file that holds no tokenizer.
// RUN: printf '{"model": {"type": "WordPiece"}}' > %t/tokenizer.json
// RUN: not awq-eval %t/m --text %t/short.txt --tokenizer %t/tokenizer.json 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADTOK
// BADTOK: awq-eval: error: {{.*}}tokenizer.json

// A text shorter than one window.
// RUN: %python -c "import json; json.dump({'model': {'type': 'BPE', 'vocab': {chr(c): c - 32 for c in range(33, 127)} | {'\u0120': 95}, 'merges': []}, 'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'use_regex': True}, 'added_tokens': []}, open('%t/tok.json', 'w'))"
// RUN: not awq-eval %t/m --text %t/short.txt --tokenizer %t/tok.json 2>&1 \
// RUN:   | FileCheck %s --check-prefix=SHORT
// SHORT: awq-eval: error: '{{.+}}short.txt' (slice 0:1) has {{[0-9]+}} tokens, fewer than one window of 512

// A slice that is not a range.
// RUN: not awq-eval %t/m --text %t/short.txt --slice 0.9:0.2 --tokenizer %t/tok.json 2>&1 \
// RUN:   | FileCheck %s --check-prefix=SLICE
// SLICE: awq-eval: error: --slice expects START:END with 0 <= START < END <= 1, got '0.9:0.2'
