//===- PreTokenizer.cpp - regex-equivalent pre-token splitting ------------===//
//
// Every scanner returns the end (in code points) of the match starting at
// `i`. Every code point is a letter, a number, white space or "other", and
// each pattern has an alternative for each class, so a match always makes
// progress.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/PreTokenizer.h"
#include "tokenizer/Unicode.h"

#include <algorithm>
#include <string>
#include <vector>

using namespace awq::tok;
using llvm::StringRef;

namespace {

/// Code points of one piece with class queries that are false past the end.
class Scanner {
public:
  explicit Scanner(StringRef text) : cps(decodeUtf8(text)) {}

  size_t size() const { return cps.size(); }
  uint32_t at(size_t i) const { return i < cps.size() ? cps[i].cp : 0; }
  uint32_t byteOffset(size_t i) const {
    return i < cps.size() ? cps[i].begin : (cps.empty() ? 0 : cps.back().end);
  }
  bool letter(size_t i) const { return i < size() && isLetter(at(i)); }
  bool number(size_t i) const { return i < size() && isNumber(at(i)); }
  bool space(size_t i) const { return i < size() && isWhiteSpace(at(i)); }
  bool other(size_t i) const {
    return i < size() && !letter(i) && !number(i) && !space(i);
  }
  bool newline(size_t i) const { return at(i) == '\r' || at(i) == '\n'; }

  /// End of the run of code points starting at `i` that satisfy `pred`.
  template <typename Pred> size_t runWhile(size_t i, Pred pred) const {
    while (i < size() && (this->*pred)(i))
      ++i;
    return i;
  }

private:
  std::vector<CodePoint> cps;
};

/// Lower-cases the few letters the contractions use. U+017F LATIN SMALL
/// LETTER LONG S case-folds to 's', which (?i:...) honours.
uint32_t foldContractionLetter(uint32_t cp) {
  if (cp == 0x17F)
    return 's';
  return cp < 0x80 && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}

/// 's|'t|'re|'ve|'m|'ll|'d (case-insensitive if `ignoreCase`); 0 if none.
size_t matchContraction(const Scanner &s, size_t i, bool ignoreCase) {
  if (s.at(i) != '\'' || i + 1 >= s.size())
    return 0;
  auto letterAt = [&](size_t k) {
    return ignoreCase ? foldContractionLetter(s.at(k)) : s.at(k);
  };
  uint32_t c1 = letterAt(i + 1);
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd')
    return i + 2;
  if (i + 2 >= s.size())
    return 0;
  uint32_t c2 = letterAt(i + 2);
  bool two = (c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') ||
             (c1 == 'l' && c2 == 'l');
  return two ? i + 3 : 0;
}

/// \s+(?!\S)|\s+ at a white-space code point: the whole run if it ends the
/// text, else the run minus its last code point (which then prefixes the
/// next word), but at least one code point.
size_t matchTrailingSpace(const Scanner &s, size_t i) {
  size_t end = s.runWhile(i, &Scanner::space);
  if (end == s.size() || end - i == 1)
    return end;
  return end - 1;
}

size_t matchGpt2(const Scanner &s, size_t i) {
  if (size_t end = matchContraction(s, i, /*ignoreCase=*/false))
    return end;
  size_t j = s.at(i) == ' ' ? i + 1 : i;
  if (s.letter(j))
    return s.runWhile(j, &Scanner::letter);
  if (s.number(j))
    return s.runWhile(j, &Scanner::number);
  if (s.other(j))
    return s.runWhile(j, &Scanner::other);
  return matchTrailingSpace(s, i);
}

/// \s*[\r\n]+ at a white-space code point: up to and including the last
/// newline of the white-space run; 0 if the run has none.
size_t matchSpaceToNewline(const Scanner &s, size_t i) {
  size_t end = s.runWhile(i, &Scanner::space);
  for (size_t k = end; k > i; --k)
    if (s.newline(k - 1))
      return k;
  return 0;
}

size_t matchLlama3(const Scanner &s, size_t i, size_t maxDigits) {
  if (size_t end = matchContraction(s, i, /*ignoreCase=*/true))
    return end;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  bool prefixable = !s.letter(i) && !s.number(i) && !s.newline(i);
  if (prefixable && s.letter(i + 1))
    return s.runWhile(i + 1, &Scanner::letter);
  if (s.letter(i))
    return s.runWhile(i, &Scanner::letter);
  if (s.number(i))
    return std::min(s.runWhile(i, &Scanner::number), i + maxDigits);
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  size_t j = s.at(i) == ' ' ? i + 1 : i;
  if (s.other(j))
    return s.runWhile(s.runWhile(j, &Scanner::other), &Scanner::newline);
  if (size_t end = matchSpaceToNewline(s, i))
    return end;
  return matchTrailingSpace(s, i);
}

void splitWithPattern(SplitPattern pattern, StringRef text,
                      llvm::function_ref<void(StringRef)> emit) {
  Scanner s(text);
  size_t i = 0;
  while (i < s.size()) {
    size_t end;
    switch (pattern) {
    case SplitPattern::Gpt2:
      end = matchGpt2(s, i);
      break;
    case SplitPattern::Llama3:
      end = matchLlama3(s, i, 3);
      break;
    case SplitPattern::Qwen2:
      end = matchLlama3(s, i, 1);
      break;
    }
    end = std::max(end, i + 1);
    uint32_t b = s.byteOffset(i), e = s.byteOffset(end);
    emit(text.substr(b, e - b));
    i = end;
  }
}

/// HF Digits: numbers isolated (each, or as runs), the rest in between.
void splitDigits(DigitsSplit mode, StringRef text,
                 llvm::function_ref<void(StringRef)> emit) {
  if (mode == DigitsSplit::None) {
    emit(text);
    return;
  }
  std::vector<CodePoint> cps = decodeUtf8(text);
  size_t start = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    bool num = isNumber(cps[i].cp);
    bool nextNum = i + 1 < cps.size() && isNumber(cps[i + 1].cp);
    bool boundary = i + 1 == cps.size() || num != nextNum ||
                    (num && mode == DigitsSplit::Individual);
    if (!boundary)
      continue;
    emit(text.slice(cps[start].begin, cps[i].end));
    start = i + 1;
  }
}

} // namespace

void awq::tok::preTokenize(const PreTokenizerConfig &config, StringRef text,
                           llvm::function_ref<void(StringRef)> emit) {
  splitDigits(config.digits, text, [&](StringRef piece) {
    if (!config.addPrefixSpace || piece.starts_with(" ")) {
      splitWithPattern(config.pattern, piece, emit);
      return;
    }
    std::string spaced = " " + piece.str();
    splitWithPattern(config.pattern, spaced, emit);
  });
}

StringRef awq::tok::splitPatternRegex(SplitPattern pattern) {
  switch (pattern) {
  case SplitPattern::Gpt2:
    return "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|"
           "\\s+(?!\\S)|\\s+";
  case SplitPattern::Llama3:
    return "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
           "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
           "\\s+(?!\\S)|\\s+";
  case SplitPattern::Qwen2:
    return "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
           "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|"
           "\\s+";
  }
  return "";
}
