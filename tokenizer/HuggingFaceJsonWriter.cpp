//===- HuggingFaceJsonWriter.cpp - TokenizerConfig -> HF tokenizer files ---===//
//
// The inverse of HuggingFaceJson.cpp: a TokenizerConfig (from a GGUF, say)
// written as the tokenizer.json, tokenizer_config.json and
// special_tokens_map.json that transformers and vLLM load next to an
// AutoAWQ checkpoint. Every choice below is one HuggingFaceJson.cpp reads
// back to the same config, so a round trip through our own reader is a
// test; test/model/Inputs/check_hf_tokenizer.py checks the files against
// HF `tokenizers` itself.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace awq::tok;
using namespace llvm;

namespace {

Error unsupported(const Twine &what) {
  return createStringError(inconvertibleErrorCode(),
                           "cannot write tokenizer.json: " + what);
}

/// Token text by id; ids without a token map to "".
std::vector<std::string> textsById(const TokenizerConfig &cfg) {
  std::vector<std::string> texts;
  for (const auto &[text, id] : cfg.vocab) {
    if (size_t(id) >= texts.size())
      texts.resize(size_t(id) + 1);
    texts[size_t(id)] = text;
  }
  return texts;
}

/// The pre_tokenizer section: ByteLevel splits with the GPT-2 regex itself
/// (and only then may add a prefix space, as HuggingFaceJson.cpp reads it);
/// the other patterns are an isolated Split followed by a non-splitting
/// ByteLevel (checkExpressible refuses a prefix space with those).
void writePreTokenizer(json::OStream &j, const PreTokenizerConfig &pre) {
  bool byteLevelSplits = pre.pattern == SplitPattern::Gpt2;
  j.attributeObject("pre_tokenizer", [&] {
    j.attribute("type", "Sequence");
    j.attributeArray("pretokenizers", [&] {
      if (pre.digits != DigitsSplit::None)
        j.object([&] {
          j.attribute("type", "Digits");
          j.attribute("individual_digits",
                      pre.digits == DigitsSplit::Individual);
        });
      if (!byteLevelSplits)
        j.object([&] {
          j.attribute("type", "Split");
          j.attributeObject("pattern", [&] {
            j.attribute("Regex", splitPatternRegex(pre.pattern));
          });
          j.attribute("behavior", "Isolated");
          j.attribute("invert", false);
        });
      j.object([&] {
        j.attribute("type", "ByteLevel");
        j.attribute("add_prefix_space", pre.addPrefixSpace);
        j.attribute("trim_offsets", true);
        j.attribute("use_regex", byteLevelSplits);
      });
    });
  });
}

/// One "SpecialToken" template item per id, in order.
void writeTemplateItems(json::OStream &j, ArrayRef<int32_t> ids,
                        ArrayRef<std::string> texts) {
  for (int32_t id : ids)
    j.object([&] {
      j.attributeObject("SpecialToken", [&] {
        j.attribute("id", texts[size_t(id)]);
        j.attribute("type_id", 0);
      });
    });
}

/// TemplateProcessing when BOS/EOS are added, else the plain ByteLevel
/// post-processor (offsets only).
void writePostProcessor(json::OStream &j, const TokenizerConfig &cfg,
                        ArrayRef<std::string> texts) {
  if (cfg.prefixIds.empty() && cfg.suffixIds.empty()) {
    j.attributeObject("post_processor", [&] {
      j.attribute("type", "ByteLevel");
      j.attribute("add_prefix_space", true);
      j.attribute("trim_offsets", false);
      j.attribute("use_regex", true);
    });
    return;
  }
  auto sequence = [&](StringRef id) {
    j.object([&] {
      j.attributeObject("Sequence", [&] {
        j.attribute("id", id);
        j.attribute("type_id", 0);
      });
    });
  };
  j.attributeObject("post_processor", [&] {
    j.attribute("type", "TemplateProcessing");
    j.attributeArray("single", [&] {
      writeTemplateItems(j, cfg.prefixIds, texts);
      sequence("A");
      writeTemplateItems(j, cfg.suffixIds, texts);
    });
    j.attributeArray("pair", [&] {
      writeTemplateItems(j, cfg.prefixIds, texts);
      sequence("A");
      writeTemplateItems(j, cfg.suffixIds, texts);
      writeTemplateItems(j, cfg.prefixIds, texts);
      sequence("B");
      writeTemplateItems(j, cfg.suffixIds, texts);
    });
    j.attributeObject("special_tokens", [&] {
      std::vector<int32_t> ids(cfg.prefixIds.begin(), cfg.prefixIds.end());
      llvm::append_range(ids, cfg.suffixIds);
      llvm::sort(ids);
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (int32_t id : ids)
        j.attributeObject(texts[size_t(id)], [&] {
          j.attribute("id", texts[size_t(id)]);
          j.attributeArray("ids", [&] { j.value(id); });
          j.attributeArray("tokens", [&] { j.value(texts[size_t(id)]); });
        });
    });
  });
}

void writeAddedToken(json::OStream &j, const AddedToken &t, bool withId) {
  if (withId)
    j.attribute("id", t.id);
  j.attribute("content", t.content);
  j.attribute("single_word", false);
  j.attribute("lstrip", false);
  j.attribute("rstrip", false);
  j.attribute("normalized", false);
  j.attribute("special", t.special);
}

/// The BPE model: vocab in id order, merges as [a, b] pairs.
void writeModel(json::OStream &j, const TokenizerConfig &cfg,
                ArrayRef<std::string> texts) {
  j.attributeObject("model", [&] {
    j.attribute("type", "BPE");
    j.attribute("dropout", nullptr);
    if (cfg.unkToken)
      j.attribute("unk_token", *cfg.unkToken);
    else
      j.attribute("unk_token", nullptr);
    j.attribute("continuing_subword_prefix", nullptr);
    j.attribute("end_of_word_suffix", nullptr);
    j.attribute("fuse_unk", cfg.fuseUnk);
    j.attribute("byte_fallback", cfg.byteFallback);
    j.attribute("ignore_merges", cfg.ignoreMerges);
    j.attributeObject("vocab", [&] {
      for (size_t id = 0; id < texts.size(); ++id)
        if (!texts[id].empty())
          j.attribute(texts[id], int64_t(id));
    });
    j.attributeArray("merges", [&] {
      for (const std::pair<std::string, std::string> &merge : cfg.merges)
        j.array([&] {
          j.value(merge.first);
          j.value(merge.second);
        });
    });
  });
}

void writeTokenizerJson(raw_ostream &os, const TokenizerConfig &cfg,
                        ArrayRef<std::string> texts) {
  json::OStream j(os, /*IndentSize=*/2);
  j.object([&] {
    j.attribute("version", "1.0");
    j.attribute("truncation", nullptr);
    j.attribute("padding", nullptr);
    j.attributeArray("added_tokens", [&] {
      for (const AddedToken &t : cfg.addedTokens)
        j.object([&] { writeAddedToken(j, t, /*withId=*/true); });
    });
    j.attribute("normalizer", nullptr);
    writePreTokenizer(j, cfg.preTokenizer);
    writePostProcessor(j, cfg, texts);
    j.attributeObject("decoder", [&] {
      j.attribute("type", "ByteLevel");
      j.attribute("add_prefix_space", true);
      j.attribute("trim_offsets", true);
      j.attribute("use_regex", true);
    });
    writeModel(j, cfg, texts);
  });
  os << "\n";
}

/// bos/eos/unk as transformers names them, with their token texts.
std::vector<std::pair<StringRef, std::string>>
namedSpecials(const TokenizerConfig &cfg, ArrayRef<std::string> texts) {
  std::vector<std::pair<StringRef, std::string>> named;
  if (cfg.bosId)
    named.emplace_back("bos_token", texts[size_t(*cfg.bosId)]);
  if (cfg.eosId)
    named.emplace_back("eos_token", texts[size_t(*cfg.eosId)]);
  if (cfg.unkToken)
    named.emplace_back("unk_token", *cfg.unkToken);
  return named;
}

void writeTokenizerConfigJson(raw_ostream &os, const TokenizerConfig &cfg,
                              const HuggingFaceTokenizerExtras &extras,
                              ArrayRef<std::string> texts) {
  json::OStream j(os, /*IndentSize=*/2);
  j.object([&] {
    j.attribute("add_bos_token", !cfg.prefixIds.empty());
    j.attribute("add_eos_token", !cfg.suffixIds.empty());
    j.attributeObject("added_tokens_decoder", [&] {
      for (const AddedToken &t : cfg.addedTokens)
        j.attributeObject(std::to_string(t.id), [&] {
          writeAddedToken(j, t, /*withId=*/false);
        });
    });
    for (const auto &[name, text] : namedSpecials(cfg, texts))
      j.attribute(name, text);
    if (extras.chatTemplate)
      j.attribute("chat_template", *extras.chatTemplate);
    j.attribute("clean_up_tokenization_spaces", false);
    if (extras.maxLength)
      j.attribute("model_max_length", *extras.maxLength);
    j.attribute("tokenizer_class", "PreTrainedTokenizerFast");
  });
  os << "\n";
}

void writeSpecialTokensMap(raw_ostream &os, const TokenizerConfig &cfg,
                           ArrayRef<std::string> texts) {
  json::OStream j(os, /*IndentSize=*/2);
  j.object([&] {
    for (const std::pair<StringRef, std::string> &named :
         namedSpecials(cfg, texts))
      j.attributeObject(named.first, [&] {
        j.attribute("content", named.second);
        j.attribute("lstrip", false);
        j.attribute("normalized", false);
        j.attribute("rstrip", false);
        j.attribute("single_word", false);
      });
  });
  os << "\n";
}

/// Why `cfg` cannot be written as tokenizer.json, or success: checked
/// before any file is written.
Error checkExpressible(const TokenizerConfig &cfg,
                       ArrayRef<std::string> texts) {
  const PreTokenizerConfig &pre = cfg.preTokenizer;
  if (pre.addPrefixSpace && pre.pattern != SplitPattern::Gpt2)
    return unsupported("a prefix space with a split other than GPT-2's");
  std::vector<int32_t> named(cfg.prefixIds.begin(), cfg.prefixIds.end());
  llvm::append_range(named, cfg.suffixIds);
  for (std::optional<int32_t> id : {cfg.bosId, cfg.eosId})
    if (id)
      named.push_back(*id);
  for (int32_t id : named)
    if (id < 0 || size_t(id) >= texts.size() || texts[size_t(id)].empty())
      return unsupported(formatv("BOS/EOS id {0} is not a token", id));
  return Error::success();
}

/// Writes file `name` in `dir` through LLVM's temporary file + rename
/// (llvm::writeToOutput), so that a failure leaves no half-written file.
Error writeAtomically(StringRef dir, StringRef name,
                      function_ref<void(raw_ostream &)> write) {
  SmallString<256> path(dir);
  sys::path::append(path, name);
  return writeToOutput(path, [&](raw_ostream &os) {
    write(os);
    return Error::success();
  });
}

} // namespace

Error awq::tok::writeHuggingFaceTokenizer(
    const TokenizerConfig &config, const HuggingFaceTokenizerExtras &extras,
    StringRef dir) {
  std::vector<std::string> texts = textsById(config);
  if (Error e = checkExpressible(config, texts))
    return e;
  if (Error e = writeAtomically(dir, "tokenizer.json", [&](raw_ostream &os) {
        writeTokenizerJson(os, config, texts);
      }))
    return e;
  if (Error e =
          writeAtomically(dir, "tokenizer_config.json", [&](raw_ostream &os) {
            writeTokenizerConfigJson(os, config, extras, texts);
          }))
    return e;
  return writeAtomically(dir, "special_tokens_map.json", [&](raw_ostream &os) {
    writeSpecialTokensMap(os, config, texts);
  });
}
