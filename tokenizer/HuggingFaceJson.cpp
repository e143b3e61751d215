//===- HuggingFaceJson.cpp - tokenizer.json loader ------------------------===//
//
// Reads the subset of HF `tokenizers`' serialization that byte-level BPE
// models use: model (BPE), normalizer (none), pre_tokenizer (ByteLevel,
// Split with a known pattern, Digits, Sequence of those), post_processor
// (ByteLevel, TemplateProcessing, Sequence) and added_tokens. Anything else
// is rejected with an error naming the field, rather than tokenizing
// differently from HF without notice.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"
#include "formats/Json.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace awq::tok;
using namespace llvm;

namespace {

/// Error helper carrying the file name.
struct JsonSource {
  StringRef path;
  Error err(const Twine &msg) const {
    return createStringError(inconvertibleErrorCode(),
                             "tokenizer.json '" + path + "': " + msg);
  }
  Error unsupported(StringRef field, StringRef value) const {
    return err(field + " '" + value + "' is not supported");
  }
};

Expected<json::Value> readJson(StringRef path, const JsonSource &src) {
  auto buf = MemoryBuffer::getFile(path);
  if (!buf)
    return src.err("cannot read: " + buf.getError().message());
  Expected<json::Value> v = json::parse((*buf)->getBuffer());
  if (!v)
    return src.err("malformed JSON: " + toString(v.takeError()));
  return v;
}

Error readVocab(const json::Object &model, const JsonSource &src,
                TokenizerConfig &cfg) {
  const json::Object *vocab = model.getObject("vocab");
  if (!vocab)
    return src.err("missing object 'model.vocab'");
  for (const auto &[text, idValue] : *vocab) {
    std::optional<int64_t> id = awq::formats::jsonInteger(idValue);
    if (!id)
      return src.err("model.vocab['" + text.str() + "'] is not an integer");
    cfg.vocab.emplace_back(text.str(), int32_t(*id));
    if (*id != int64_t(cfg.vocab.back().second))
      return src.err(formatv("model.vocab id {0} out of range", *id));
  }
  return Error::success();
}

/// One merge: "a b" (older files) or ["a", "b"] (tokenizers >= 0.20).
Error readMerge(const json::Value &v, size_t index, const JsonSource &src,
                TokenizerConfig &cfg) {
  if (std::optional<StringRef> s = v.getAsString()) {
    auto [a, b] = s->split(' ');
    if (a.empty() || b.empty() || b.contains(' '))
      return src.err(formatv("model.merges[{0}] '{1}' is not two tokens "
                             "separated by one space",
                             index, *s));
    cfg.merges.emplace_back(a.str(), b.str());
    return Error::success();
  }
  const json::Array *pair = v.getAsArray();
  if (!pair || pair->size() != 2 || !(*pair)[0].getAsString() ||
      !(*pair)[1].getAsString())
    return src.err(
        formatv("model.merges[{0}] is neither \"a b\" nor [a, b]", index));
  cfg.merges.emplace_back((*pair)[0].getAsString()->str(),
                          (*pair)[1].getAsString()->str());
  return Error::success();
}

Error readModel(const json::Object &root, const JsonSource &src,
                TokenizerConfig &cfg) {
  const json::Object *model = root.getObject("model");
  if (!model)
    return src.err("missing object 'model'");
  std::optional<StringRef> type = model->getString("type");
  if (!type)
    return src.err("missing string 'model.type'");
  if (*type != "BPE")
    return src.unsupported("model.type", *type);
  if (Error e = readVocab(*model, src, cfg))
    return e;
  const json::Array *merges = model->getArray("merges");
  if (!merges)
    return src.err("missing array 'model.merges'");
  for (size_t i = 0; i < merges->size(); ++i)
    if (Error e = readMerge((*merges)[i], i, src, cfg))
      return e;
  for (StringRef key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (std::optional<StringRef> s = model->getString(key); s && !s->empty())
      return src.unsupported(("model." + key).str(), *s);
  if (const json::Value *d = model->get("dropout"); d && !d->getAsNull())
    return src.err("model.dropout is not supported (ids would be random)");
  if (std::optional<StringRef> unk = model->getString("unk_token"))
    cfg.unkToken = unk->str();
  cfg.byteFallback = model->getBoolean("byte_fallback").value_or(false);
  cfg.fuseUnk = model->getBoolean("fuse_unk").value_or(false);
  cfg.ignoreMerges = model->getBoolean("ignore_merges").value_or(false);
  return Error::success();
}

Error readNormalizer(const json::Object &root, const JsonSource &src) {
  const json::Object *n = root.getObject("normalizer");
  if (!n)
    return Error::success();
  StringRef type = n->getString("type").value_or("");
  const json::Array *list = n->getArray("normalizers");
  if (type == "Sequence" && list && list->empty())
    return Error::success();
  return src.unsupported("normalizer.type", type);
}

/// Tracks what a pre_tokenizer Sequence has set so far.
struct PreState {
  bool split = false;
  bool byteLevel = false;
};

Error readPreStep(const json::Object &p, const JsonSource &src,
                  TokenizerConfig &cfg, PreState &st);

Error readSplit(const json::Object &p, const JsonSource &src,
                TokenizerConfig &cfg, PreState &st) {
  const json::Object *pat = p.getObject("pattern");
  std::optional<StringRef> regex = pat ? pat->getString("Regex") : std::nullopt;
  if (!regex)
    return src.err("pre_tokenizer Split needs pattern.Regex");
  if (p.getString("behavior").value_or("") != "Isolated" ||
      p.getBoolean("invert").value_or(false))
    return src.err("pre_tokenizer Split must be behavior Isolated, invert "
                   "false");
  for (SplitPattern k :
       {SplitPattern::Gpt2, SplitPattern::Llama3, SplitPattern::Qwen2})
    if (*regex == splitPatternRegex(k)) {
      cfg.preTokenizer.pattern = k;
      st.split = true;
      return Error::success();
    }
  return src.unsupported("pre_tokenizer Split pattern", *regex);
}

Error readByteLevel(const json::Object &p, const JsonSource &src,
                    TokenizerConfig &cfg, PreState &st) {
  bool prefix = p.getBoolean("add_prefix_space").value_or(true);
  bool useRegex = p.getBoolean("use_regex").value_or(true);
  // Our prefix space is added before the split, which is what HF does
  // only when ByteLevel itself splits.
  if (prefix && st.split)
    return src.err("ByteLevel add_prefix_space after a Split is not "
                   "supported");
  if (useRegex) {
    if (st.split)
      return src.err("pre_tokenizer splits twice (Split and ByteLevel "
                     "use_regex)");
    cfg.preTokenizer.pattern = SplitPattern::Gpt2;
    st.split = true;
  }
  cfg.preTokenizer.addPrefixSpace = prefix;
  st.byteLevel = true;
  return Error::success();
}

Error readPreStep(const json::Object &p, const JsonSource &src,
                  TokenizerConfig &cfg, PreState &st) {
  StringRef type = p.getString("type").value_or("");
  if (type == "ByteLevel")
    return readByteLevel(p, src, cfg, st);
  if (type == "Split")
    return readSplit(p, src, cfg, st);
  if (type == "Digits") {
    if (st.split)
      return src.err("pre_tokenizer Digits after the split is not "
                     "supported");
    cfg.preTokenizer.digits = p.getBoolean("individual_digits").value_or(false)
                                  ? DigitsSplit::Individual
                                  : DigitsSplit::Runs;
    return Error::success();
  }
  if (type == "Sequence") {
    const json::Array *list = p.getArray("pretokenizers");
    if (!list)
      return src.err("pre_tokenizer Sequence needs 'pretokenizers'");
    for (const json::Value &v : *list) {
      const json::Object *step = v.getAsObject();
      if (!step)
        return src.err("pre_tokenizer Sequence entry is not an object");
      if (Error e = readPreStep(*step, src, cfg, st))
        return e;
    }
    return Error::success();
  }
  return src.unsupported("pre_tokenizer.type", type);
}

Error readPreTokenizer(const json::Object &root, const JsonSource &src,
                       TokenizerConfig &cfg) {
  const json::Object *p = root.getObject("pre_tokenizer");
  if (!p)
    return src.err("missing object 'pre_tokenizer' (byte-level BPE needs "
                   "ByteLevel)");
  PreState st;
  if (Error e = readPreStep(*p, src, cfg, st))
    return e;
  if (!st.byteLevel || !st.split)
    return src.err("pre_tokenizer is not byte-level (needs ByteLevel and a "
                   "split regex)");
  return Error::success();
}

/// The ids of a TemplateProcessing "SpecialToken" entry.
Error templateIds(const json::Object &proc, StringRef name,
                  const JsonSource &src, std::vector<int32_t> &out) {
  const json::Object *specials = proc.getObject("special_tokens");
  const json::Object *tok = specials ? specials->getObject(name) : nullptr;
  const json::Array *ids = tok ? tok->getArray("ids") : nullptr;
  if (!ids)
    return src.err("post_processor special token '" + name + "' has no ids");
  for (const json::Value &v : *ids) {
    std::optional<int64_t> id = awq::formats::jsonInteger(v);
    if (!id)
      return src.err("post_processor special token '" + name +
                     "' has a non-integer id");
    out.push_back(int32_t(*id));
  }
  return Error::success();
}

Error readTemplate(const json::Object &proc, const JsonSource &src,
                   TokenizerConfig &cfg) {
  const json::Array *single = proc.getArray("single");
  if (!single)
    return src.err("post_processor TemplateProcessing needs 'single'");
  bool afterText = false;
  for (const json::Value &item : *single) {
    const json::Object *obj = item.getAsObject();
    if (obj && obj->getObject("Sequence")) {
      afterText = true;
      continue;
    }
    const json::Object *sp = obj ? obj->getObject("SpecialToken") : nullptr;
    std::optional<StringRef> name = sp ? sp->getString("id") : std::nullopt;
    if (!name)
      return src.err("post_processor template item is neither Sequence nor "
                     "SpecialToken");
    if (Error e = templateIds(proc, *name, src,
                              afterText ? cfg.suffixIds : cfg.prefixIds))
      return e;
  }
  return Error::success();
}

Error readPostProcessor(const json::Object *proc, const JsonSource &src,
                        TokenizerConfig &cfg) {
  if (!proc)
    return Error::success();
  StringRef type = proc->getString("type").value_or("");
  if (type == "ByteLevel")
    return Error::success();
  if (type == "TemplateProcessing")
    return readTemplate(*proc, src, cfg);
  if (type == "Sequence") {
    const json::Array *list = proc->getArray("processors");
    for (const json::Value &v : list ? *list : json::Array())
      if (Error e = readPostProcessor(v.getAsObject(), src, cfg))
        return e;
    return Error::success();
  }
  return src.unsupported("post_processor.type", type);
}

Error readAddedTokens(const json::Object &root, const JsonSource &src,
                      TokenizerConfig &cfg) {
  const json::Array *list = root.getArray("added_tokens");
  if (!list)
    return Error::success();
  for (const json::Value &v : *list) {
    const json::Object *t = v.getAsObject();
    std::optional<int64_t> id = t ? awq::formats::jsonInteger(*t, "id") : std::nullopt;
    std::optional<StringRef> content =
        t ? t->getString("content") : std::nullopt;
    if (!id || !content)
      return src.err("added_tokens entry needs integer 'id' and string "
                     "'content'");
    for (StringRef flag : {"lstrip", "rstrip", "single_word"})
      if (t->getBoolean(flag).value_or(false))
        return src.err("added token '" + *content + "': " + flag +
                       " is not supported");
    cfg.addedTokens.push_back({int32_t(*id), content->str(),
                               t->getBoolean("special").value_or(false)});
  }
  return Error::success();
}

/// The id of a token written as text (vocab or added token).
std::optional<int32_t> findId(const TokenizerConfig &cfg, StringRef text) {
  for (const AddedToken &t : cfg.addedTokens)
    if (t.content == text)
      return t.id;
  for (const auto &[t, id] : cfg.vocab)
    if (t == text)
      return id;
  return std::nullopt;
}

/// tokenizer_config.json beside `path`, parsed; std::nullopt if it is
/// absent or not JSON (it is optional).
std::optional<json::Value> readTokenizerConfig(StringRef path) {
  SmallString<256> configPath = sys::path::parent_path(path);
  sys::path::append(configPath, "tokenizer_config.json");
  auto buf = MemoryBuffer::getFile(configPath);
  if (!buf)
    return std::nullopt;
  Expected<json::Value> v = json::parse((*buf)->getBuffer());
  if (!v) {
    consumeError(v.takeError());
    return std::nullopt;
  }
  return std::move(*v);
}

/// BOS/EOS: the tokenizer_config.json object `obj` (null if none) names
/// them; without it, the template's first prefix / suffix token stands in.
void readBosEos(const json::Object *obj, TokenizerConfig &cfg) {
  auto tokenField = [&](StringRef key) -> std::optional<int32_t> {
    if (!obj)
      return std::nullopt;
    if (std::optional<StringRef> s = obj->getString(key))
      return findId(cfg, *s);
    if (const json::Object *o = obj->getObject(key))
      if (std::optional<StringRef> s = o->getString("content"))
        return findId(cfg, *s);
    return std::nullopt;
  };
  cfg.bosId = tokenField("bos_token");
  cfg.eosId = tokenField("eos_token");
  if (!cfg.bosId && !cfg.prefixIds.empty())
    cfg.bosId = cfg.prefixIds.front();
  if (!cfg.eosId && !cfg.suffixIds.empty())
    cfg.eosId = cfg.suffixIds.front();
}

} // namespace

namespace {
/// Every section of a parsed tokenizer.json, BOS/EOS from its template.
Expected<TokenizerConfig> readConfig(const json::Value &doc,
                                     const JsonSource &src) {
  const json::Object *root = doc.getAsObject();
  if (!root)
    return src.err("top level is not an object");
  TokenizerConfig cfg;
  if (Error e = readModel(*root, src, cfg))
    return std::move(e);
  if (Error e = readNormalizer(*root, src))
    return std::move(e);
  if (Error e = readPreTokenizer(*root, src, cfg))
    return std::move(e);
  if (Error e = readPostProcessor(root->getObject("post_processor"), src, cfg))
    return std::move(e);
  if (Error e = readAddedTokens(*root, src, cfg))
    return std::move(e);
  return std::move(cfg);
}
} // namespace

Expected<std::unique_ptr<Tokenizer>>
Tokenizer::fromHuggingFaceJson(StringRef path) {
  JsonSource src{path};
  Expected<json::Value> doc = readJson(path, src);
  if (!doc)
    return doc.takeError();
  Expected<TokenizerConfig> cfg = readConfig(*doc, src);
  if (!cfg)
    return cfg.takeError();
  std::optional<json::Value> tokenizerConfig = readTokenizerConfig(path);
  readBosEos(tokenizerConfig ? tokenizerConfig->getAsObject() : nullptr, *cfg);
  return create(std::move(*cfg), path);
}

Expected<std::unique_ptr<Tokenizer>>
Tokenizer::fromHuggingFaceJsonText(StringRef text, StringRef origin) {
  JsonSource src{origin};
  Expected<json::Value> doc = json::parse(text);
  if (!doc)
    return src.err("malformed JSON: " + toString(doc.takeError()));
  Expected<TokenizerConfig> cfg = readConfig(*doc, src);
  if (!cfg)
    return cfg.takeError();
  readBosEos(/*obj=*/nullptr, *cfg);
  return create(std::move(*cfg), origin);
}
