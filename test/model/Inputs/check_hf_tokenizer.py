#!/usr/bin/env python3
# ===- check_hf_tokenizer.py - a checkpoint's tokenizer vs the GGUF's ------===#
#
#   check_hf_tokenizer.py CHECKPOINT_DIR IDS_FILE TEXT_FILE
#
# Loads CHECKPOINT_DIR/tokenizer.json with HF `tokenizers` (what
# transformers' fast tokenizer and vLLM run), encodes TEXT_FILE without
# special tokens and compares the ids with IDS_FILE (raw int32, written by
# `awq-tokenize MODEL.gguf --llama-cpp --out`); checks that
# tokenizer_config.json and special_tokens_map.json name the same BOS/EOS
# tokens as tokenizer.json holds. Prints PASS or the first difference.
#
# ===---------------------------------------------------------------------===#
import array
import json
import os
import sys

import tokenizers


def main():
    ckpt, ids_file, text_file = sys.argv[1:4]
    tok = tokenizers.Tokenizer.from_file(os.path.join(ckpt, "tokenizer.json"))
    with open(text_file, encoding="utf-8") as f:
        text = f.read()
    want = array.array("i")
    with open(ids_file, "rb") as f:
        want.frombytes(f.read())
    got = tok.encode(text, add_special_tokens=False).ids
    if got != list(want):
        i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                 min(len(got), len(want)))
        print(f"FAIL: ids differ at {i} (HF {got[i:i + 5]}, "
              f"GGUF {list(want[i:i + 5])}; lengths {len(got)}/{len(want)})")
        return 1
    print(f"{len(got)} ids identical")
    with open(os.path.join(ckpt, "tokenizer_config.json")) as f:
        config = json.load(f)
    with open(os.path.join(ckpt, "special_tokens_map.json")) as f:
        special = json.load(f)
    for name in ("bos_token", "eos_token"):
        text = config.get(name)
        if text is None or tok.token_to_id(text) is None or \
                special.get(name, {}).get("content") != text:
            print(f"FAIL: {name} {text!r} is not a token of both files")
            return 1
        print(f"{name} {text} = id {tok.token_to_id(text)}")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
