//===- GgufTokenizer.cpp - tokenizer.ggml.* loader and open() -------------===//
//
// A GGUF stores a BPE tokenizer as parallel arrays (tokenizer.ggml.tokens,
// token_type, merges "a b") plus scalars (bos/eos ids, add_bos_token, pre).
// Two runtimes read them differently (docs/tokenizer.md):
//  - transformers 4.51.3 (the perplexity reference) converts a "llama"
//    architecture through GGUFLlamaConverter: since tokenizer.ggml.model is
//    not "llama" it takes the Llama-3 branch, whose pre-tokenizer is plain
//    ByteLevel (GPT-2 split, tokenizer.ggml.pre ignored), BPE with
//    unk = tokens[unknown_token_id], byte_fallback and fuse_unk, control
//    tokens (type 3) as special tokens, and LlamaTokenizerFast's default
//    add_bos_token=True (tokenizer.ggml.add_bos_token is never read);
//  - llama.cpp picks the split from tokenizer.ggml.pre and BOS/EOS from
//    add_bos_token / add_eos_token, and also matches user-defined tokens
//    (type 4) literally.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"
#include "formats/Json.h"

#include "formats/Gguf.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace awq::tok;
using namespace llvm;

namespace {

/// GGUF token types (llama.cpp's llama_token_type).
enum GgufTokenType : int64_t {
  kNormal = 1,
  kControl = 3,
  kUserDefined = 4,
};

/// Typed access to the metadata with errors naming key and file.
struct GgufMeta {
  const json::Object &meta;
  StringRef path;

  Error err(const Twine &msg) const {
    return createStringError(inconvertibleErrorCode(),
                             "GGUF '" + path + "': " + msg);
  }
  Expected<const json::Array *> stringArray(StringRef key) const {
    const json::Array *a = meta.getArray(key);
    if (!a)
      return err("missing array '" + key + "' (no tokenizer data)");
    for (const json::Value &v : *a)
      if (!v.getAsString())
        return err("'" + key + "' is not an array of strings");
    return a;
  }
  std::optional<StringRef> string(StringRef key) const {
    return meta.getString(key);
  }
  std::optional<int64_t> integer(StringRef key) const {
    return awq::formats::jsonInteger(meta, key);
  }
  bool boolean(StringRef key, bool dflt) const {
    return meta.getBoolean(key).value_or(dflt);
  }
};

Error readTokens(const GgufMeta &m, TokenizerConfig &cfg,
                 std::vector<int64_t> &types) {
  Expected<const json::Array *> tokens = m.stringArray("tokenizer.ggml.tokens");
  if (!tokens)
    return tokens.takeError();
  for (size_t i = 0; i < (*tokens)->size(); ++i)
    cfg.vocab.emplace_back((**tokens)[i].getAsString()->str(), int32_t(i));
  types.assign(cfg.vocab.size(), kNormal);
  const json::Array *tt = m.meta.getArray("tokenizer.ggml.token_type");
  if (!tt)
    return Error::success();
  if (tt->size() != cfg.vocab.size())
    return m.err(formatv("'tokenizer.ggml.token_type' has {0} entries for {1} "
                         "tokens",
                         tt->size(), cfg.vocab.size()));
  for (size_t i = 0; i < tt->size(); ++i)
    types[i] = awq::formats::jsonInteger((*tt)[i]).value_or(kNormal);
  return Error::success();
}

Error readMerges(const GgufMeta &m, TokenizerConfig &cfg) {
  Expected<const json::Array *> merges = m.stringArray("tokenizer.ggml.merges");
  if (!merges)
    return merges.takeError();
  for (size_t i = 0; i < (*merges)->size(); ++i) {
    StringRef s = *(**merges)[i].getAsString();
    auto [a, b] = s.split(' ');
    if (a.empty() || b.empty() || b.contains(' '))
      return m.err(formatv("tokenizer.ggml.merges[{0}] '{1}' is not two "
                           "tokens separated by one space",
                           i, s));
    cfg.merges.emplace_back(a.str(), b.str());
  }
  return Error::success();
}

/// Added tokens from token types: control tokens are special; user-defined
/// ones are matched literally too, except in transformers' conversion.
void addTypedTokens(const std::vector<int64_t> &types, GgufConvention conv,
                    TokenizerConfig &cfg) {
  for (size_t i = 0; i < types.size(); ++i) {
    bool control = types[i] == kControl;
    bool user = types[i] == kUserDefined && conv == GgufConvention::LlamaCpp;
    if (control || user)
      cfg.addedTokens.push_back({int32_t(i), cfg.vocab[i].first, control});
  }
}

/// tokenizer.ggml.pre -> split (llama.cpp's llama-vocab.cpp definitions).
Error readPre(const GgufMeta &m, TokenizerConfig &cfg) {
  StringRef pre = m.string("tokenizer.ggml.pre").value_or("gpt2");
  PreTokenizerConfig &p = cfg.preTokenizer;
  if (pre == "gpt2" || pre == "default") {
    p.pattern = SplitPattern::Gpt2;
  } else if (pre == "smollm") {
    // llama.cpp: "\p{N}" then the GPT-2 regex.
    p.pattern = SplitPattern::Gpt2;
    p.digits = DigitsSplit::Individual;
  } else if (pre == "llama-bpe" || pre == "llama3") {
    p.pattern = SplitPattern::Llama3;
    cfg.ignoreMerges = true;
  } else if (pre == "qwen2") {
    p.pattern = SplitPattern::Qwen2;
  } else {
    return m.err("tokenizer.ggml.pre '" + pre +
                 "' is not supported (gpt2, smollm, llama-bpe, qwen2)");
  }
  return Error::success();
}

Expected<std::optional<int32_t>> tokenId(const GgufMeta &m, StringRef key,
                                         size_t vocabSize) {
  std::optional<int64_t> id = m.integer(key);
  if (!id)
    return std::nullopt;
  if (*id < 0 || *id >= int64_t(vocabSize))
    return m.err(formatv("'{0}' = {1} is not a token id", key, *id));
  return std::optional<int32_t>(int32_t(*id));
}

/// transformers' GGUFLlamaConverter (Llama-3 branch) + LlamaTokenizerFast.
Error applyTransformers(const GgufMeta &m, TokenizerConfig &cfg) {
  StringRef arch = m.string("general.architecture").value_or("");
  if (arch == "qwen2" || arch == "qwen2moe") {
    cfg.preTokenizer = {SplitPattern::Qwen2, DigitsSplit::None, false};
    return Error::success();
  }
  cfg.preTokenizer = {SplitPattern::Gpt2, DigitsSplit::None, false};
  if (arch != "llama") {
    // GGUFGPTConverter: ByteLevel(add_prefix_space = add_space_prefix).
    cfg.preTokenizer.addPrefixSpace =
        m.boolean("tokenizer.ggml.add_space_prefix", false);
    return Error::success();
  }
  Expected<std::optional<int32_t>> unk =
      tokenId(m, "tokenizer.ggml.unknown_token_id", cfg.vocab.size());
  if (!unk)
    return unk.takeError();
  if (*unk)
    cfg.unkToken = cfg.vocab[**unk].first;
  cfg.byteFallback = true;
  cfg.fuseUnk = true;
  if (cfg.bosId)
    cfg.prefixIds = {*cfg.bosId};
  return Error::success();
}

Error applyLlamaCpp(const GgufMeta &m, TokenizerConfig &cfg) {
  if (Error e = readPre(m, cfg))
    return e;
  if (cfg.bosId && m.boolean("tokenizer.ggml.add_bos_token", false))
    cfg.prefixIds = {*cfg.bosId};
  if (cfg.eosId && m.boolean("tokenizer.ggml.add_eos_token", false))
    cfg.suffixIds = {*cfg.eosId};
  return Error::success();
}

} // namespace

Expected<TokenizerConfig>
awq::tok::readGgufTokenizerConfig(const awq::formats::GgufFile &file,
                                  GgufConvention conv) {
  GgufMeta m{file.metadata(), file.path()};
  std::optional<StringRef> model = m.string("tokenizer.ggml.model");
  if (!model)
    return m.err("missing string 'tokenizer.ggml.model' (no tokenizer data)");
  if (*model != "gpt2")
    return m.err("tokenizer.ggml.model '" + *model +
                 "' is not supported (only byte-level BPE 'gpt2')");
  TokenizerConfig cfg;
  std::vector<int64_t> types;
  if (Error e = readTokens(m, cfg, types))
    return std::move(e);
  if (Error e = readMerges(m, cfg))
    return std::move(e);
  // tokenizer.ggml.pre is validated under both conventions.
  if (Error e = readPre(m, cfg))
    return std::move(e);
  for (auto [key, slot] :
       {std::pair("tokenizer.ggml.bos_token_id", &cfg.bosId),
        std::pair("tokenizer.ggml.eos_token_id", &cfg.eosId)}) {
    Expected<std::optional<int32_t>> id = tokenId(m, key, cfg.vocab.size());
    if (!id)
      return id.takeError();
    *slot = *id;
  }
  addTypedTokens(types, conv, cfg);
  Error e = conv == GgufConvention::Transformers ? applyTransformers(m, cfg)
                                                 : applyLlamaCpp(m, cfg);
  if (e)
    return std::move(e);
  return std::move(cfg);
}

Expected<std::unique_ptr<Tokenizer>>
Tokenizer::fromGguf(const awq::formats::GgufFile &file, GgufConvention conv) {
  Expected<TokenizerConfig> cfg = readGgufTokenizerConfig(file, conv);
  if (!cfg)
    return cfg.takeError();
  return create(std::move(*cfg), file.path());
}

Expected<TokenizerConfig>
awq::tok::readCheckedGgufTokenizerConfig(const awq::formats::GgufFile &file,
                                         GgufConvention conv) {
  Expected<TokenizerConfig> cfg = readGgufTokenizerConfig(file, conv);
  if (!cfg)
    return cfg.takeError();
  if (auto tok = Tokenizer::create(*cfg, file.path()); !tok)
    return tok.takeError();
  return cfg;
}

HuggingFaceTokenizerExtras
awq::tok::ggufTokenizerExtras(const awq::formats::GgufFile &file) {
  GgufMeta m{file.metadata(), file.path()};
  HuggingFaceTokenizerExtras extras;
  if (std::optional<StringRef> chat = m.string("tokenizer.chat_template"))
    extras.chatTemplate = chat->str();
  StringRef arch = m.string("general.architecture").value_or("");
  if (std::optional<int64_t> n = m.integer((arch + ".context_length").str());
      n && *n > 0)
    extras.maxLength = *n;
  return extras;
}

/// Whether `path` starts with the GGUF magic.
static bool looksLikeGguf(StringRef path) {
  if (path.ends_with(".gguf"))
    return true;
  auto buf = MemoryBuffer::getFileSlice(path, 4, 0);
  return buf && (*buf)->getBuffer() == "GGUF";
}

Expected<std::unique_ptr<Tokenizer>> Tokenizer::open(StringRef path,
                                                     GgufConvention conv) {
  if (sys::fs::is_directory(path)) {
    SmallString<256> json(path);
    sys::path::append(json, "tokenizer.json");
    if (!sys::fs::exists(json))
      return createStringError(inconvertibleErrorCode(),
                               "directory '" + path +
                                   "' holds no tokenizer.json");
    return fromHuggingFaceJson(json);
  }
  if (!looksLikeGguf(path))
    return fromHuggingFaceJson(path);
  Expected<std::unique_ptr<awq::formats::GgufFile>> file =
      awq::formats::GgufFile::open(path);
  if (!file)
    return file.takeError();
  return fromGguf(**file, conv);
}
