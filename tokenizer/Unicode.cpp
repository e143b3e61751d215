//===- Unicode.cpp - UTF-8 and code point classes for the tokenizer -------===//
//
// Class lookups binary-search the generated range tables; ASCII, which is
// most of any English text, takes a direct path.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Unicode.h"

#include <algorithm>

using namespace awq::tok;

namespace {
struct CodePointRange {
  uint32_t first;
  uint32_t last;
};
#include "tokenizer/UnicodeTables.inc"

template <size_t N>
bool inRanges(const CodePointRange (&table)[N], uint32_t cp) {
  const CodePointRange *it =
      std::upper_bound(table, table + N, cp,
                       [](uint32_t v, const auto &r) { return v < r.first; });
  return it != table && cp <= (it - 1)->last;
}

/// Length of the UTF-8 sequence starting at `p` (at most `avail` bytes) and
/// its code point, or 0 when the bytes are not valid shortest-form UTF-8.
unsigned decodeOne(const unsigned char *p, size_t avail, uint32_t &cp) {
  unsigned char b = p[0];
  unsigned len = b < 0x80         ? 1
                 : (b >> 5) == 6  ? 2
                 : (b >> 4) == 14 ? 3
                 : (b >> 3) == 30 ? 4
                                  : 0;
  if (len == 0 || len > avail)
    return 0;
  if (len == 1) {
    cp = b;
    return 1;
  }
  cp = b & (0x7F >> len);
  for (unsigned i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static const uint32_t minForLen[5] = {0, 0, 0x80, 0x800, 0x10000};
  bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (cp < minForLen[len] || cp > 0x10FFFF || surrogate)
    return 0;
  return len;
}
} // namespace

std::vector<CodePoint> awq::tok::decodeUtf8(llvm::StringRef text) {
  std::vector<CodePoint> out;
  out.reserve(text.size());
  auto *p = reinterpret_cast<const unsigned char *>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    unsigned len = decodeOne(p + i, text.size() - i, cp);
    if (len == 0) {
      cp = 0xFFFD;
      len = 1;
    }
    out.push_back({cp, uint32_t(i), uint32_t(i + len)});
    i += len;
  }
  return out;
}

void awq::tok::appendUtf8(uint32_t cp, std::string &out) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

bool awq::tok::isLetter(uint32_t cp) {
  if (cp < 0x80)
    return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return inRanges(kLetterRanges, cp);
}

bool awq::tok::isNumber(uint32_t cp) {
  if (cp < 0x80)
    return cp >= '0' && cp <= '9';
  return inRanges(kNumberRanges, cp);
}

bool awq::tok::isWhiteSpace(uint32_t cp) {
  if (cp < 0x80)
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
  return inRanges(kWhiteSpaceRanges, cp);
}

const std::array<uint32_t, 256> &awq::tok::byteToCodePoint() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                       (b >= 0xAE && b <= 0xFF);
      t[b] = printable ? b : next++;
    }
    return t;
  }();
  return table;
}

int awq::tok::byteOfCodePoint(uint32_t cp) {
  static const std::vector<int> inverse = [] {
    std::vector<int> inv(324, -1);
    const auto &fwd = byteToCodePoint();
    for (int b = 0; b < 256; ++b)
      inv[fwd[b]] = b;
    return inv;
  }();
  return cp < inverse.size() ? inverse[cp] : -1;
}
