//===- Tokenizer.cpp - byte-level BPE tokenizer ---------------------------===//
//
// Validation of a TokenizerConfig into lookup tables, and encode/decode.
// The algorithms follow HF `tokenizers` (models/bpe, added_vocabulary,
// decoders/byte_level) so that ids agree token for token:
//  - added tokens are found first, leftmost-longest, and never pre-tokenized;
//  - each pre-token is spelled in GPT-2's byte alphabet, one symbol per
//    byte, and merged pair by pair, lowest merge rank first and leftmost
//    first among equal ranks (a binary heap, as `Word::merge_all` does);
//  - results are cached per pre-token for the duration of one encode call
//    (natural text repeats its words; the cache being local keeps encode
//    const and thread-safe without locks).
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"
#include "tokenizer/Unicode.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <functional>
#include <queue>

using namespace awq::tok;
using namespace llvm;

/// Ids beyond this are rejected: a corrupt file must not make us allocate
/// gigabytes for the id -> text table.
static constexpr int64_t kMaxTokenId = 1 << 24;

static Error configError(StringRef origin, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           "tokenizer '" + origin + "': " + msg);
}

static uint64_t pairKey(int32_t left, int32_t right) {
  return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
}

static std::string byteLevelSpelling(uint8_t byte) {
  std::string s;
  appendUtf8(byteToCodePoint()[byte], s);
  return s;
}

//===----------------------------------------------------------------------===//
// Construction
//===----------------------------------------------------------------------===//

Expected<std::unique_ptr<Tokenizer>> Tokenizer::create(TokenizerConfig config,
                                                       StringRef origin) {
  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  if (Error e = tok->build(config, origin))
    return std::move(e);
  return std::move(tok);
}

Error Tokenizer::build(TokenizerConfig &config, StringRef origin) {
  // Merges and byte symbols resolve against the BPE model's vocabulary
  // only, so added tokens are registered last.
  if (Error e = buildVocab(config, origin))
    return e;
  if (Error e = buildMerges(config, origin))
    return e;
  if (Error e = buildByteSymbols(config, origin))
    return e;
  if (Error e = buildAdded(config, origin))
    return e;
  auto checkId = [&](int32_t id, StringRef what) -> Error {
    if (id < 0 || id >= vocabSize() || idToText[id].empty())
      return configError(origin,
                         formatv("{0} id {1} is not a token", what, id));
    return Error::success();
  };
  for (int32_t id : config.prefixIds)
    if (Error e = checkId(id, "post-processor"))
      return e;
  for (int32_t id : config.suffixIds)
    if (Error e = checkId(id, "post-processor"))
      return e;
  if (config.bosId)
    if (Error e = checkId(*config.bosId, "BOS"))
      return e;
  if (config.eosId)
    if (Error e = checkId(*config.eosId, "EOS"))
      return e;
  prefix = std::move(config.prefixIds);
  suffix = std::move(config.suffixIds);
  bos = config.bosId;
  eos = config.eosId;
  preConfig = config.preTokenizer;
  ignoreMerges = config.ignoreMerges;
  return Error::success();
}

/// Grows the id tables to hold `id`.
static Error reserveId(int64_t id, std::vector<std::string> &idToText,
                       std::vector<bool> &isSpecial, StringRef origin) {
  if (id < 0 || id >= kMaxTokenId)
    return configError(
        origin, formatv("token id {0} out of range [0, {1})", id, kMaxTokenId));
  if (id >= int64_t(idToText.size())) {
    idToText.resize(id + 1);
    isSpecial.resize(id + 1, false);
  }
  return Error::success();
}

Error Tokenizer::buildVocab(TokenizerConfig &config, StringRef origin) {
  if (config.vocab.empty())
    return configError(origin, "empty vocabulary");
  for (auto &[text, id] : config.vocab) {
    if (Error e = reserveId(id, idToText, isSpecial, origin))
      return e;
    if (text.empty())
      return configError(origin, formatv("token {0} is empty", id));
    if (!idToText[id].empty())
      return configError(origin, formatv("token id {0} used twice ('{1}' "
                                         "and '{2}')",
                                         id, idToText[id], text));
    idToText[id] = text;
    // A repeated text keeps its last id, as a Python dict built from the
    // list would (transformers' GGUF converter does exactly that).
    textToId[text] = id;
  }
  return Error::success();
}

Error Tokenizer::buildMerges(TokenizerConfig &config, StringRef origin) {
  mergeRanks.reserve(config.merges.size());
  for (auto [rank, merge] : llvm::enumerate(config.merges)) {
    auto lookup = [&](const std::string &text) -> std::optional<int32_t> {
      auto it = textToId.find(text);
      return it == textToId.end() ? std::nullopt
                                  : std::optional<int32_t>(it->second);
    };
    std::string joined = merge.first + merge.second;
    std::optional<int32_t> left = lookup(merge.first),
                           right = lookup(merge.second), out = lookup(joined);
    if (!left || !right || !out)
      return configError(origin,
                         formatv("merge {0} ('{1} {2}'): '{3}' is not in the "
                                 "vocabulary",
                                 rank, merge.first, merge.second,
                                 !left    ? merge.first
                                 : !right ? merge.second
                                          : joined));
    // A repeated pair takes its later rank, as HF's hash map build does.
    mergeRanks[pairKey(*left, *right)] = {int32_t(rank), *out};
  }
  return Error::success();
}

Error Tokenizer::buildByteSymbols(TokenizerConfig &config, StringRef origin) {
  if (config.unkToken) {
    auto it = textToId.find(*config.unkToken);
    if (it == textToId.end())
      return configError(origin, "unk_token '" + *config.unkToken +
                                     "' is not in the vocabulary");
    unkId = it->second;
  }
  fuseUnk = config.fuseUnk;
  for (unsigned b = 0; b < 256; ++b) {
    std::string spelling = byteLevelSpelling(uint8_t(b));
    auto it = textToId.find(spelling);
    if (it != textToId.end()) {
      byteSymbols[b] = {it->second};
      continue;
    }
    std::vector<int32_t> fallback;
    for (unsigned char c : spelling) {
      auto fb = textToId.find(formatv("<0x{0:X-2}>", unsigned(c)).str());
      if (fb != textToId.end())
        fallback.push_back(fb->second);
    }
    if (config.byteFallback && fallback.size() == spelling.size()) {
      byteSymbols[b] = std::move(fallback);
    } else if (unkId) {
      byteSymbols[b] = {*unkId};
      byteIsUnk[b] = true;
    }
  }
  return Error::success();
}

Error Tokenizer::buildAdded(TokenizerConfig &config, StringRef origin) {
  for (AddedToken &t : config.addedTokens) {
    if (Error e = reserveId(t.id, idToText, isSpecial, origin))
      return e;
    if (t.content.empty())
      return configError(origin, formatv("added token {0} is empty", t.id));
    if (!idToText[t.id].empty() && idToText[t.id] != t.content)
      return configError(origin,
                         formatv("added token {0} '{1}' clashes with token "
                                 "'{2}' of the same id",
                                 t.id, t.content, idToText[t.id]));
    idToText[t.id] = t.content;
    textToId.try_emplace(t.content, t.id);
    isSpecial[t.id] = t.special;
    added.push_back(t);
  }
  // Longest first within a bucket gives leftmost-longest matching.
  for (size_t i = 0; i < added.size(); ++i)
    addedByFirstByte[uint8_t(added[i].content[0])].push_back(i);
  for (auto &bucket : addedByFirstByte)
    std::sort(bucket.begin(), bucket.end(), [&](size_t a, size_t b) {
      size_t la = added[a].content.size(), lb = added[b].content.size();
      return la != lb ? la > lb : a < b;
    });
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

const AddedToken *Tokenizer::matchAdded(StringRef text, size_t pos) const {
  for (size_t i : addedByFirstByte[uint8_t(text[pos])])
    if (text.substr(pos).starts_with(added[i].content))
      return &added[i];
  return nullptr;
}

std::vector<int32_t> Tokenizer::encode(StringRef text, bool addSpecial) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + prefix.size() + suffix.size());
  if (addSpecial)
    out.insert(out.end(), prefix.begin(), prefix.end());
  StringMap<std::vector<int32_t>> cache;
  size_t start = 0;
  for (size_t pos = 0; pos < text.size();) {
    const AddedToken *tok = matchAdded(text, pos);
    if (!tok) {
      ++pos;
      continue;
    }
    encodeText(text.slice(start, pos), out, cache);
    out.push_back(tok->id);
    pos += tok->content.size();
    start = pos;
  }
  encodeText(text.substr(start), out, cache);
  if (addSpecial)
    out.insert(out.end(), suffix.begin(), suffix.end());
  return out;
}

void Tokenizer::encodeText(StringRef text, std::vector<int32_t> &out,
                           StringMap<std::vector<int32_t>> &cache) const {
  if (text.empty())
    return;
  preTokenize(preConfig, text, [&](StringRef word) {
    auto [it, inserted] = cache.try_emplace(word);
    if (inserted)
      encodeWord(word, it->second);
    out.insert(out.end(), it->second.begin(), it->second.end());
  });
}

void Tokenizer::encodeWord(StringRef word, std::vector<int32_t> &out) const {
  if (ignoreMerges) {
    std::string spelled;
    for (unsigned char c : word)
      appendUtf8(byteToCodePoint()[c], spelled);
    auto it = textToId.find(spelled);
    if (it != textToId.end()) {
      out.push_back(it->second);
      return;
    }
  }
  initialSymbols(word, out);
  mergeSymbols(out);
}

void Tokenizer::initialSymbols(StringRef word,
                               std::vector<int32_t> &symbols) const {
  bool pendingUnk = false;
  for (unsigned char c : word) {
    if (byteIsUnk[c]) {
      // fuse_unk: a run of unknown symbols becomes one unk.
      if (pendingUnk && !fuseUnk)
        symbols.push_back(*unkId);
      pendingUnk = true;
      continue;
    }
    if (pendingUnk && !byteSymbols[c].empty()) {
      symbols.push_back(*unkId);
      pendingUnk = false;
    }
    symbols.insert(symbols.end(), byteSymbols[c].begin(), byteSymbols[c].end());
  }
  if (pendingUnk)
    symbols.push_back(*unkId);
}

namespace {
/// A merge that may apply at a symbol: lowest rank first, then leftmost.
struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t mergedId;
  bool operator>(const Candidate &o) const {
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};
} // namespace

void Tokenizer::mergeSymbols(std::vector<int32_t> &symbols) const {
  int32_t n = int32_t(symbols.size());
  if (n < 2)
    return;
  // Doubly linked list over `symbols`; a merged-away symbol gets id -1.
  std::vector<int32_t> prev(n), next(n);
  for (int32_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto lookup = [&](int32_t pos) -> const std::pair<int32_t, int32_t> * {
    if (pos < 0 || next[pos] < 0)
      return nullptr;
    auto it = mergeRanks.find(pairKey(symbols[pos], symbols[next[pos]]));
    return it == mergeRanks.end() ? nullptr : &it->second;
  };
  auto push = [&](int32_t pos) {
    if (const auto *m = lookup(pos))
      heap.push({m->first, pos, m->second});
  };
  for (int32_t i = 0; i + 1 < n; ++i)
    push(i);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    // Stale: the symbol was merged away or its right neighbour changed.
    const auto *m = symbols[c.pos] < 0 ? nullptr : lookup(c.pos);
    if (!m || m->first != c.rank || m->second != c.mergedId)
      continue;
    int32_t right = next[c.pos];
    symbols[c.pos] = c.mergedId;
    symbols[right] = -1;
    next[c.pos] = next[right];
    if (next[right] >= 0)
      prev[next[right]] = c.pos;
    push(prev[c.pos]);
    push(c.pos);
  }
  llvm::erase(symbols, -1);
}

//===----------------------------------------------------------------------===//
// Decoding
//===----------------------------------------------------------------------===//

/// HF's ByteLevel decoder on one token: its code points mapped back to
/// bytes, or the token's own UTF-8 if any code point is not a byte spelling
/// (added tokens such as "<|im_start|>" are plain ASCII and map to
/// themselves either way).
static void appendTokenBytes(StringRef text, std::string &out) {
  std::vector<CodePoint> cps = decodeUtf8(text);
  std::string bytes;
  for (const CodePoint &cp : cps) {
    int b = byteOfCodePoint(cp.cp);
    if (b < 0) {
      out += text;
      return;
    }
    bytes.push_back(char(b));
  }
  out += bytes;
}

/// Length of the maximal prefix of an ill-formed UTF-8 sequence at `p`
/// (Unicode's "maximal subpart" rule, as Rust's from_utf8_lossy and
/// Python's errors="replace" use): the lead byte plus the continuation
/// bytes that could still have led to a valid sequence.
static size_t maximalSubpart(const unsigned char *p, size_t avail) {
  unsigned char b = p[0];
  size_t len = b >= 0xC2 && b <= 0xDF   ? 2
               : b >= 0xE0 && b <= 0xEF ? 3
               : b >= 0xF0 && b <= 0xF4 ? 4
                                        : 0;
  if (len == 0)
    return 1;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b == 0xE0)
    lo = 0xA0;
  else if (b == 0xED)
    hi = 0x9F;
  else if (b == 0xF0)
    lo = 0x90;
  else if (b == 0xF4)
    hi = 0x8F;
  size_t i = 1;
  for (; i < len && i < avail; ++i) {
    unsigned char c = p[i];
    if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xBF))
      break;
  }
  return i;
}

/// Replaces each maximal ill-formed subsequence by U+FFFD.
static std::string sanitizeUtf8(StringRef bytes) {
  std::string out;
  out.reserve(bytes.size());
  auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
  size_t i = 0;
  while (i < bytes.size()) {
    // decodeUtf8 reports a bad byte as a one-byte U+FFFD; a real U+FFFD in
    // the text is three bytes long.
    CodePoint cp = decodeUtf8(bytes.substr(i, 4)).front();
    bool valid = cp.cp != 0xFFFD || cp.end == 3;
    size_t len = valid ? cp.end : maximalSubpart(p + i, bytes.size() - i);
    if (valid)
      out.append(bytes.data() + i, len);
    else
      out += "\xEF\xBF\xBD";
    i += len;
  }
  return out;
}

std::string Tokenizer::decode(ArrayRef<int32_t> ids, bool skipSpecial) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocabSize() || idToText[id].empty())
      continue;
    if (skipSpecial && isSpecial[id])
      continue;
    appendTokenBytes(idToText[id], bytes);
  }
  return sanitizeUtf8(bytes);
}

std::string Tokenizer::tokenText(int32_t id) const {
  if (id < 0 || id >= vocabSize())
    return "";
  return idToText[id];
}
