#!/usr/bin/env python3
"""Writes a byte-level BPE tokenizer.json for the tiny test models (vocab
128: the printable ASCII characters, space and newline as byte-level
symbols, no merges), so that the whole-model tools can tokenize text for
them. Usage: tiny_tokenizer.py OUT.json"""
import json
import sys

vocab = {chr(c): c - 33 for c in range(33, 127)}
vocab["\u0120"] = 94  # space
vocab["\u010a"] = 95  # newline
json.dump({"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [], "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                             "trim_offsets": True, "use_regex": True},
           "post_processor": None, "decoder": None,
           "model": {"type": "BPE", "dropout": None, "unk_token": None,
                     "continuing_subword_prefix": None,
                     "end_of_word_suffix": None, "fuse_unk": False,
                     "byte_fallback": False, "vocab": vocab, "merges": []}},
          open(sys.argv[1], "w"))
