//===- Tokenizer.h - byte-level BPE tokenizer -------------------*- C++ -*-===//
//
// The model's own tokenizer: GPT-2 style byte-level BPE as HF `tokenizers`
// defines it (pre-tokenizer split, bytes -> printable code points, BPE
// merges by rank, added/special tokens matched literally in the text,
// template post-processing for BOS/EOS), loaded from a HF tokenizer.json or
// from the tokenizer.ggml.* metadata of a GGUF file. See docs/tokenizer.md.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_TOKENIZER_TOKENIZER_H
#define AWQ_TOKENIZER_TOKENIZER_H

#include "tokenizer/PreTokenizer.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace awq::formats {
class GgufFile;
} // namespace awq::formats

namespace awq::tok {

/// A token matched literally in the text before pre-tokenization.
struct AddedToken {
  int32_t id = 0;
  std::string content;
  /// Special tokens are dropped by decode(skipSpecial=true).
  bool special = false;
};

/// Everything a byte-level BPE tokenizer is made of, as the loaders read it.
/// Tokenizer::create validates it.
struct TokenizerConfig {
  /// Token text (byte-level spelling, e.g. "Ġthe") and id.
  std::vector<std::pair<std::string, int32_t>> vocab;
  /// Merges, highest priority first.
  std::vector<std::pair<std::string, std::string>> merges;
  std::vector<AddedToken> addedTokens;
  PreTokenizerConfig preTokenizer;
  /// HF BPE options: a code point missing from the vocab becomes its
  /// <0xXX> byte tokens (byteFallback), else `unkToken` (consecutive ones
  /// fused into one if fuseUnk), else nothing.
  std::optional<std::string> unkToken;
  bool byteFallback = false;
  bool fuseUnk = false;
  /// Llama-3's BPE option: a word that is itself a token is not merged.
  bool ignoreMerges = false;
  /// Ids that encode(addSpecial=true) puts around the text.
  std::vector<int32_t> prefixIds;
  std::vector<int32_t> suffixIds;
  std::optional<int32_t> bosId;
  std::optional<int32_t> eosId;
};

/// How fromGguf reads a GGUF whose conventions differ between runtimes.
enum class GgufConvention {
  /// What transformers 4.51.3's GGUF loader builds (the perplexity
  /// reference): e.g. a "llama" architecture with a gpt2 tokenizer gets the
  /// plain GPT-2 split (tokenizer.ggml.pre ignored) and always a BOS.
  Transformers,
  /// What llama.cpp does: split chosen by tokenizer.ggml.pre, BOS/EOS by
  /// tokenizer.ggml.add_bos_token / add_eos_token.
  LlamaCpp,
};

/// The tokenizer.ggml.* metadata of an open GGUF file (model "gpt2") as a
/// TokenizerConfig, read under `convention`; not yet validated (create()).
llvm::Expected<TokenizerConfig>
readGgufTokenizerConfig(const awq::formats::GgufFile &file,
                        GgufConvention convention);

/// readGgufTokenizerConfig, then checked as Tokenizer::create checks it: the
/// config that Hugging Face files are written from (nothing is written for a
/// tokenizer that would not load).
llvm::Expected<TokenizerConfig>
readCheckedGgufTokenizerConfig(const awq::formats::GgufFile &file,
                               GgufConvention convention);

/// What a tokenizer_config.json holds beyond the tokenizer itself.
struct HuggingFaceTokenizerExtras {
  /// Jinja chat template (GGUF tokenizer.chat_template), if any.
  std::optional<std::string> chatTemplate;
  /// Longest sequence the model takes (model_max_length), if known.
  std::optional<int64_t> maxLength;
};

/// The chat template and context length a GGUF's metadata records.
HuggingFaceTokenizerExtras
ggufTokenizerExtras(const awq::formats::GgufFile &file);

/// Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json
/// into `dir`, such that HF `tokenizers` / transformers' fast tokenizer
/// encode as a Tokenizer created from `config` does (BOS/EOS added as
/// prefixIds/suffixIds say). Fails, naming the option, where `config` holds
/// something tokenizer.json cannot say (docs/tokenizer.md).
llvm::Error writeHuggingFaceTokenizer(const TokenizerConfig &config,
                                      const HuggingFaceTokenizerExtras &extras,
                                      llvm::StringRef dir);

class Tokenizer {
public:
  /// Validates `config` (merge parts and results in the vocab, ids unique
  /// and non-negative); `origin` names the source in errors.
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  create(TokenizerConfig config, llvm::StringRef origin);
  /// A HF tokenizer.json file (model.type "BPE", byte-level). BOS/EOS ids
  /// come from a tokenizer_config.json beside it, else from the template
  /// post-processor.
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  fromHuggingFaceJson(llvm::StringRef path);
  /// The text of a tokenizer.json (no tokenizer_config.json: BOS/EOS from
  /// the template); `origin` names it in errors.
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  fromHuggingFaceJsonText(llvm::StringRef text, llvm::StringRef origin);
  /// The tokenizer.ggml.* metadata of an open GGUF file (model "gpt2").
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  fromGguf(const awq::formats::GgufFile &file,
           GgufConvention convention = GgufConvention::Transformers);
  /// A .gguf file, a tokenizer.json, or a directory holding tokenizer.json.
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  open(llvm::StringRef path,
       GgufConvention convention = GgufConvention::Transformers);

  /// Like HF `tokenizer(text, add_special_tokens=addSpecial).input_ids`:
  /// added/special tokens written literally in the text are matched as such.
  std::vector<int32_t> encode(llvm::StringRef text,
                              bool addSpecial = false) const;
  /// Like HF `tokenizers` decode (no clean-up of spaces): byte-level tokens
  /// back to bytes, added tokens verbatim, invalid UTF-8 as U+FFFD. Unknown
  /// ids are skipped.
  std::string decode(llvm::ArrayRef<int32_t> ids,
                     bool skipSpecial = false) const;

  std::optional<int32_t> bosId() const { return bos; }
  std::optional<int32_t> eosId() const { return eos; }
  /// One past the largest id.
  int64_t vocabSize() const { return int64_t(idToText.size()); }
  /// The token's text as stored (byte-level spelling); "" if unknown.
  std::string tokenText(int32_t id) const;
  const PreTokenizerConfig &preTokenizerConfig() const { return preConfig; }
  /// Ids encode(addSpecial=true) adds before / after the text.
  llvm::ArrayRef<int32_t> prefixIds() const { return prefix; }
  llvm::ArrayRef<int32_t> suffixIds() const { return suffix; }

private:
  Tokenizer() = default;
  llvm::Error build(TokenizerConfig &config, llvm::StringRef origin);
  llvm::Error buildVocab(TokenizerConfig &config, llvm::StringRef origin);
  llvm::Error buildMerges(TokenizerConfig &config, llvm::StringRef origin);
  llvm::Error buildAdded(TokenizerConfig &config, llvm::StringRef origin);
  llvm::Error buildByteSymbols(TokenizerConfig &config, llvm::StringRef origin);

  void encodeText(llvm::StringRef text, std::vector<int32_t> &out,
                  llvm::StringMap<std::vector<int32_t>> &cache) const;
  void encodeWord(llvm::StringRef word, std::vector<int32_t> &out) const;
  void initialSymbols(llvm::StringRef word,
                      std::vector<int32_t> &symbols) const;
  void mergeSymbols(std::vector<int32_t> &symbols) const;
  /// Length of the added token at `text[pos...]` (longest), 0 if none.
  const AddedToken *matchAdded(llvm::StringRef text, size_t pos) const;

  llvm::StringMap<int32_t> textToId;
  std::vector<std::string> idToText;
  std::vector<bool> isSpecial;
  /// (left id << 32 | right id) -> (rank, merged id).
  llvm::DenseMap<uint64_t, std::pair<int32_t, int32_t>> mergeRanks;
  std::vector<AddedToken> added;
  /// Added tokens bucketed by first byte, longest first.
  std::array<std::vector<size_t>, 256> addedByFirstByte;
  /// Per input byte: the ids of its byte-level spelling (one token, or its
  /// byte-fallback tokens, or unk; empty if it is dropped).
  std::array<std::vector<int32_t>, 256> byteSymbols;
  std::array<bool, 256> byteIsUnk{};
  std::optional<int32_t> unkId;
  bool fuseUnk = false;
  bool ignoreMerges = false;
  PreTokenizerConfig preConfig;
  std::vector<int32_t> prefix, suffix;
  std::optional<int32_t> bos, eos;
};

} // namespace awq::tok

#endif // AWQ_TOKENIZER_TOKENIZER_H
