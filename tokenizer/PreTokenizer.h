//===- PreTokenizer.h - regex-equivalent pre-token splitting ----*- C++ -*-===//
//
// Splits text into the "words" BPE runs on, as HF `tokenizers` pre-tokenizers
// do: an optional Digits step, an optional prefix space (ByteLevel
// add_prefix_space), then one of the split regexes below, implemented as
// hand-written scanners over code points (no regex engine). Each scanner
// tries the regex's alternatives in order at the current position, exactly
// as a backtracking engine would, and returns where the match ends.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_TOKENIZER_PRETOKENIZER_H
#define AWQ_TOKENIZER_PRETOKENIZER_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

namespace awq::tok {

/// The split regex.
enum class SplitPattern {
  /// GPT-2 / HF ByteLevel(use_regex=true):
  /// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Gpt2,
  /// Llama-3 (llama.cpp "llama-bpe"):
  /// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
  ///  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Llama3,
  /// Qwen2: the Llama-3 pattern with \p{N} instead of \p{N}{1,3}.
  Qwen2,
};

/// HF's Digits pre-tokenizer, applied before the split regex.
enum class DigitsSplit {
  None,
  /// Digits(individual_digits=true): every \p{N} is its own piece.
  Individual,
  /// Digits(individual_digits=false): runs of \p{N} are pieces.
  Runs,
};

struct PreTokenizerConfig {
  SplitPattern pattern = SplitPattern::Gpt2;
  DigitsSplit digits = DigitsSplit::None;
  /// ByteLevel add_prefix_space: a piece not starting with ' ' gets one.
  bool addPrefixSpace = false;
};

/// Calls `emit` with each pre-token of `text`, in order. The pieces cover
/// the text (plus any added prefix spaces) without gaps.
void preTokenize(const PreTokenizerConfig &config, llvm::StringRef text,
                 llvm::function_ref<void(llvm::StringRef)> emit);

/// The canonical regex string of a pattern, as HF tokenizer.json spells it.
llvm::StringRef splitPatternRegex(SplitPattern pattern);

} // namespace awq::tok

#endif // AWQ_TOKENIZER_PRETOKENIZER_H
