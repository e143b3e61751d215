// awq-build from a GGUF writes the tokenizer files an AutoAWQ checkpoint
// needs (transformers and vLLM load tokenizer.json from the checkpoint's
// directory), built from the GGUF's vocabulary, merges and pre-tokenizer:
// HF `tokenizers` on the written tokenizer.json must give the ids of the
// GGUF read as llama.cpp reads it (awq-tokenize --llama-cpp), and our own
// reader of the checkpoint directory too.
// REQUIRES: smollm2, awq-build, awq-tokenize
// RUN: rm -rf %t && mkdir -p %t
// RUN: awq-build %smollm2_gguf --method=rtn --group-size 64 --arch=none -o %t/out > /dev/null 2>&1
// RUN: ls %t/out/checkpoint | FileCheck %s --check-prefix=FILES
// RUN: awq-tokenize %smollm2_gguf --llama-cpp --text-file %awq_src_root/examples/data/loomings.txt --out %t/gguf.ids
// RUN: python3 %S/Inputs/check_hf_tokenizer.py %t/out/checkpoint %t/gguf.ids \
// RUN:   %awq_src_root/examples/data/loomings.txt | FileCheck %s --check-prefix=HF
// RUN: awq-tokenize %t/out/checkpoint --text-file %awq_src_root/examples/data/loomings.txt --out %t/ckpt.ids
// RUN: cmp %t/gguf.ids %t/ckpt.ids
// RUN: FileCheck %s --check-prefix=CONFIG --input-file %t/out/checkpoint/tokenizer_config.json

// FILES: config.json
// FILES: model.safetensors
// FILES: special_tokens_map.json
// FILES: tokenizer.json
// FILES: tokenizer_config.json
// HF: {{[0-9]+}} ids identical
// HF: bos_token <|im_start|> = id 1
// HF: eos_token <|im_end|> = id 2
// HF: PASS
// CONFIG: "chat_template": "{{.+}}im_start
// CONFIG: "model_max_length": 8192
// CONFIG: "tokenizer_class": "PreTrainedTokenizerFast"
