#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that start from JSON or a
GGUF tokenizer (fuzz/seeds/NAME/): small valid inputs that reach deep into
each parser, plus a few edge cases. The seeds are committed; this script
says where they came from and rewrites them. The IR and manifest seeds are
copied from the repository's tests and examples by scripts/fuzz.sh
--refresh-seeds (they follow the dialect). Usage: make_seeds.py SEEDS_DIR"""
import json
import os
import sys


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def llama_config(**extra):
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": 64, "intermediate_size": 128,
              "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "vocab_size": 128,
              "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "tie_word_embeddings": False,
              "torch_dtype": "float16"}
    config.update(extra)
    return config


def configs(out):
    write(f"{out}/hf-config/llama.json", json.dumps(llama_config()))
    write(f"{out}/hf-config/llama3-rope.json", json.dumps(llama_config(
        rope_scaling={"rope_type": "llama3", "factor": 8.0,
                      "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 8192})))
    write(f"{out}/hf-config/qwen2.json", json.dumps(llama_config(
        architectures=["Qwen2ForCausalLM"], model_type="qwen2",
        tie_word_embeddings=True, head_dim=16)))
    write(f"{out}/hf-config/autoawq.json", json.dumps(llama_config(
        rope_scaling={"type": "linear", "factor": 2.0},
        quantization_config={"quant_method": "awq", "bits": 4,
                             "group_size": 64, "zero_point": True,
                             "version": "gemm"})))


def shard_indexes(out):
    write(f"{out}/shard-index/two.json", json.dumps({
        "metadata": {"total_size": 1234},
        "weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                       "lm_head.weight": "model-00002-of-00002.safetensors"}}))
    write(f"{out}/shard-index/empty.json", json.dumps({"weight_map": {}}))


def bpe_vocab():
    vocab = {chr(c): c - 33 for c in range(33, 127)}
    vocab["\u0120"] = 94  # byte-level space
    vocab["\u010a"] = 95  # byte-level newline
    merges = [("C", "a"), ("Ca", "l"), ("Cal", "l"), ("\u0120", "m"),
              ("\u0120m", "e"), ("1", "2")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    return vocab, merges


def tokenizer_json(out):
    vocab, merges = bpe_vocab()
    special = [{"id": len(vocab), "content": "<|x|>", "single_word": False,
                "lstrip": False, "rstrip": False, "normalized": False,
                "special": True}]
    doc = {"version": "1.0", "added_tokens": special, "normalizer": None,
           "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
               {"type": "Split", "pattern": {"Regex": "\\p{N}"},
                "behavior": "Isolated", "invert": False},
               {"type": "ByteLevel", "add_prefix_space": False,
                "trim_offsets": True, "use_regex": True}]},
           "post_processor": {"type": "TemplateProcessing",
                              "single": [{"SpecialToken": {"id": "<|x|>", "type_id": 0}},
                                         {"Sequence": {"id": "A", "type_id": 0}}],
                              "pair": [], "special_tokens": {"<|x|>": {
                                  "id": "<|x|>", "ids": [len(vocab)],
                                  "tokens": ["<|x|>"]}}},
           "decoder": {"type": "ByteLevel"},
           "model": {"type": "BPE", "dropout": None, "unk_token": None,
                     "continuing_subword_prefix": None,
                     "end_of_word_suffix": None, "fuse_unk": False,
                     "byte_fallback": False, "vocab": vocab,
                     "merges": [f"{a} {b}" for a, b in merges]}}
    write(f"{out}/tokenizer-json/tiny.json", json.dumps(doc))
    doc["model"]["merges"] = [[a, b] for a, b in merges]  # the newer form
    doc["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": True,
                            "trim_offsets": True, "use_regex": True}
    write(f"{out}/tokenizer-json/pair-merges.json", json.dumps(doc))


def tokenizer_gguf(out):
    import gguf
    vocab, merges = bpe_vocab()
    tokens = sorted(vocab, key=vocab.get) + ["<|endoftext|>"]
    path = f"{out}/tokenizer-gguf/tiny.gguf"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("smollm")
    writer.add_token_list(tokens)
    writer.add_token_types([1] * (len(tokens) - 1) + [3])
    writer.add_token_merges([f"{a} {b}" for a, b in merges])
    writer.add_bos_token_id(len(tokens) - 1)
    writer.add_eos_token_id(len(tokens) - 1)
    writer.add_add_bos_token(True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    configs(out)
    shard_indexes(out)
    tokenizer_json(out)
    tokenizer_gguf(out)


if __name__ == "__main__":
    main()
