//===- TokenizerTest.cpp - AwqTokenizer unit tests ------------------------===//
//
// Tiny hand-made tokenizers (a tokenizer.json string and a GGUF written with
// GgufWriter) whose expected ids can be worked out by hand: merge order,
// byte fallback and unk for bytes missing from the vocabulary, added and
// special tokens, BOS/EOS, decode round trips, the pre-tokenizer scanners,
// and every load error. Agreement with HF on a real vocabulary is checked
// by test/model/tokenizer_oracle.py.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"
#include "tokenizer/PreTokenizer.h"
#include "tokenizer/Unicode.h"

#include "formats/Gguf.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace awq::tok;
using namespace llvm;
using ::testing::HasSubstr;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// A scratch directory removed at the end of the test.
class TempDir {
public:
  TempDir() { EXPECT_FALSE(sys::fs::createUniqueDirectory("awq-tok", path)); }
  ~TempDir() { sys::fs::remove_directories(path); }
  std::string write(StringRef name, StringRef contents) const {
    SmallString<256> p(path);
    sys::path::append(p, name);
    std::error_code ec;
    raw_fd_ostream os(p, ec);
    EXPECT_FALSE(ec);
    os << contents;
    return std::string(p);
  }
  SmallString<256> path;
};

/// The tiny vocabulary: a b c z-fallback, space spelled "Ġ", a few merges.
std::string tinyJson(StringRef merges = R"(["a b", "b c", "ab c", "Ġ ab"])",
                     StringRef extraModel = "",
                     StringRef preTokenizer =
                         R"({"type": "ByteLevel", "add_prefix_space": false,
                             "use_regex": true})",
                     StringRef postProcessor = "null") {
  return (R"({"version": "1.0", "normalizer": null,
  "added_tokens": [
    {"id": 10, "content": "<s>", "special": true, "lstrip": false,
     "rstrip": false, "single_word": false, "normalized": false},
    {"id": 11, "content": "</s>", "special": true},
    {"id": 12, "content": "<s>x", "special": false}],
  "pre_tokenizer": )" +
          preTokenizer + R"(,
  "post_processor": )" +
          postProcessor + R"(,
  "model": {"type": "BPE", "dropout": null, )" +
          extraModel + R"(
    "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 5, "Ġab": 6,
              "bc": 7, "<0x7A>": 8, "<unk>": 9, "1": 13, "2": 14, "ĠĠ": 15},
    "merges": )" +
          merges + "}}")
      .str();
}

const char *kTemplate = R"({"type": "TemplateProcessing",
  "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
             {"Sequence": {"id": "A", "type_id": 0}},
             {"SpecialToken": {"id": "</s>", "type_id": 0}}],
  "special_tokens": {"<s>": {"id": "<s>", "ids": [10], "tokens": ["<s>"]},
                     "</s>": {"id": "</s>", "ids": [11], "tokens": ["</s>"]}}})";

std::unique_ptr<Tokenizer> loadJson(const TempDir &dir, StringRef json) {
  auto tok = Tokenizer::fromHuggingFaceJson(dir.write("tokenizer.json", json));
  if (!tok) {
    ADD_FAILURE() << toString(tok.takeError());
    return nullptr;
  }
  return std::move(*tok);
}

std::string jsonError(const TempDir &dir, StringRef json) {
  auto tok = Tokenizer::fromHuggingFaceJson(dir.write("tokenizer.json", json));
  if (tok) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return toString(tok.takeError());
}

std::vector<std::string> pieces(const PreTokenizerConfig &cfg, StringRef s) {
  std::vector<std::string> out;
  preTokenize(cfg, s, [&](StringRef p) { out.push_back(p.str()); });
  return out;
}

using Ids = std::vector<int32_t>;

//===----------------------------------------------------------------------===//
// Pre-tokenizer and Unicode
//===----------------------------------------------------------------------===//

TEST(PreTokenizer, Gpt2Split) {
  PreTokenizerConfig cfg;
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces(cfg, "it's  a test\n"),
            (V{"it", "'s", " ", " a", " test", "\n"}));
  EXPECT_EQ(pieces(cfg, "IT'S 12ab!? \t"),
            (V{"IT", "'", "S", " 12", "ab", "!?", " \t"}));
  EXPECT_EQ(pieces(cfg, " x  "), (V{" x", "  "}));
  // Non-ASCII letters, numbers and spaces use the generated tables.
  EXPECT_EQ(pieces(cfg, "é漢字\xE3\x80\x80\xD9\xA3"),
            (V{"é漢字", "\xE3\x80\x80", "\xD9\xA3"}));
}

TEST(PreTokenizer, Llama3AndDigits) {
  PreTokenizerConfig cfg{SplitPattern::Llama3, DigitsSplit::None, false};
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces(cfg, "12345 abc\r\nx'S"),
            (V{"123", "45", " abc", "\r\n", "x", "'S"}));
  cfg.pattern = SplitPattern::Qwen2;
  EXPECT_EQ(pieces(cfg, "123"), (V{"1", "2", "3"}));
  PreTokenizerConfig digits{SplitPattern::Gpt2, DigitsSplit::Individual, false};
  EXPECT_EQ(pieces(digits, "a  12"), (V{"a", "  ", "1", "2"}));
  digits.digits = DigitsSplit::Runs;
  EXPECT_EQ(pieces(digits, "a 12b"), (V{"a", " ", "12", "b"}));
}

TEST(Unicode, InvalidUtf8IsOneCodePointPerByte) {
  std::vector<CodePoint> cps = decodeUtf8("a\xFF\xE2\x82");
  ASSERT_EQ(cps.size(), 4u);
  EXPECT_EQ(cps[1].cp, 0xFFFDu);
  EXPECT_TRUE(isWhiteSpace(0x3000));
  EXPECT_FALSE(isWhiteSpace(0x1C)); // Python's isspace() says yes; \s no.
  EXPECT_TRUE(isNumber(0x0663));
  EXPECT_EQ(byteOfCodePoint(byteToCodePoint()[' ']), ' ');
  EXPECT_EQ(byteToCodePoint()[' '], 0x120u); // "Ġ"
}

//===----------------------------------------------------------------------===//
// HF tokenizer.json
//===----------------------------------------------------------------------===//

TEST(TokenizerJson, MergesApplyByRank) {
  TempDir dir;
  auto tok = loadJson(dir, tinyJson());
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("abc"), (Ids{5}));
  EXPECT_EQ(tok->encode("abc ab"), (Ids{5, 6}));
  // With "b c" ranked first, "abc" becomes a + bc and nothing merges those.
  auto swapped = loadJson(dir, tinyJson(R"(["b c", "a b", "ab c"])"));
  ASSERT_TRUE(swapped);
  EXPECT_EQ(swapped->encode("abc"), (Ids{0, 7}));
  EXPECT_EQ(tok->vocabSize(), 16);
  EXPECT_EQ(tok->tokenText(6), "Ġab");
  EXPECT_EQ(tok->tokenText(99), "");
}

TEST(TokenizerJson, UnseenBytes) {
  TempDir dir;
  // Without byte_fallback or unk, bytes missing from the vocab vanish (and
  // their neighbours then merge, as in HF).
  auto plain = loadJson(dir, tinyJson());
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->encode("azb"), (Ids{4}));
  // byte_fallback: "z" has <0x7A>; "!" has no fallback token, so unk,
  // fused over the run "!!".
  auto fb = loadJson(dir, tinyJson(R"(["a b"])",
                                   R"("byte_fallback": true, "fuse_unk": true,
                                      "unk_token": "<unk>",)"));
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->encode("azb"), (Ids{0, 8, 1}));
  EXPECT_EQ(fb->encode("a!!b"), (Ids{0, 9, 1}));
  auto unfused =
      loadJson(dir, tinyJson(R"(["a b"])", R"("unk_token": "<unk>",)"));
  ASSERT_TRUE(unfused);
  EXPECT_EQ(unfused->encode("!!ab"), (Ids{9, 9, 4}));
}

TEST(TokenizerJson, AddedAndSpecialTokens) {
  TempDir dir;
  auto tok = loadJson(dir, tinyJson(R"(["a b", "b c", "ab c", "Ġ ab"])", "",
                                    R"({"type": "ByteLevel",
                                        "add_prefix_space": false})",
                                    kTemplate));
  ASSERT_TRUE(tok);
  // Leftmost-longest: "<s>x" wins over "<s>"; added tokens split words.
  EXPECT_EQ(tok->encode("ab<s>c</s><s>x"), (Ids{4, 10, 2, 11, 12}));
  EXPECT_EQ(tok->encode("ab", /*addSpecial=*/true), (Ids{10, 4, 11}));
  EXPECT_EQ(tok->bosId(), 10);
  EXPECT_EQ(tok->eosId(), 11);
  EXPECT_EQ(tok->decode({10, 4, 3, 2, 11}), "<s>ab c</s>");
  EXPECT_EQ(tok->decode({10, 4, 3, 2, 11, 12}, /*skipSpecial=*/true),
            "ab c<s>x");
  EXPECT_EQ(tok->decode({4, -1, 1000}), "ab");
}

TEST(TokenizerJson, TokenizerConfigNamesBosEos) {
  TempDir dir;
  dir.write("tokenizer_config.json",
            R"({"bos_token": {"content": "</s>"}, "eos_token": "<s>"})");
  auto tok = loadJson(dir, tinyJson());
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->bosId(), 11);
  EXPECT_EQ(tok->eosId(), 10);
  auto opened = Tokenizer::open(dir.path);
  ASSERT_TRUE(bool(opened)) << toString(opened.takeError());
  EXPECT_EQ((*opened)->encode("abc"), (Ids{5}));
}

TEST(TokenizerJson, DecodeRoundTripAndInvalidUtf8) {
  TempDir dir;
  auto tok = loadJson(dir, tinyJson());
  ASSERT_TRUE(tok);
  for (StringRef s : {"abc ab  c", " a", "ab<s>c"})
    EXPECT_EQ(tok->decode(tok->encode(s)), s.str());
  // "â" spells byte 0xE2, a lone UTF-8 lead byte: decodes to U+FFFD.
  std::string json = tinyJson();
  std::string key = "\"ĠĠ\": 15";
  json.replace(json.find(key), key.size(), key + ", \"â\": 16");
  auto bytes = loadJson(dir, json);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->decode({16, 0}), "\xEF\xBF\xBD"
                                    "a");
}

TEST(TokenizerJson, PreTokenizerSequences) {
  TempDir dir;
  auto digits =
      loadJson(dir, tinyJson(R"(["Ġ Ġ"])", "",
                             R"({"type": "Sequence", "pretokenizers": [
                         {"type": "Digits", "individual_digits": true},
                         {"type": "ByteLevel", "add_prefix_space": false,
                          "use_regex": true}]})"));
  ASSERT_TRUE(digits);
  // Digits isolates "  " from "12", so the two spaces merge into "ĠĠ".
  EXPECT_EQ(digits->encode("  12"), (Ids{15, 13, 14}));
  auto gpt2 = loadJson(dir, tinyJson(R"(["Ġ Ġ"])"));
  ASSERT_TRUE(gpt2);
  EXPECT_EQ(gpt2->encode("  12"), (Ids{3, 3, 13, 14}));
  std::string llama3 = R"({"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"Regex": ")" +
                       std::string(splitPatternRegex(SplitPattern::Llama3)) +
                       R"("}, "behavior": "Isolated", "invert": false},
      {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]})";
  // JSON needs the regex's backslashes escaped.
  std::string escaped;
  for (char c : llama3) {
    if (c == '\\')
      escaped += '\\';
    escaped += c;
  }
  auto l3 = loadJson(dir, tinyJson(R"(["a b"])", "", escaped));
  ASSERT_TRUE(l3);
  EXPECT_EQ(l3->preTokenizerConfig().pattern, SplitPattern::Llama3);
}

TEST(TokenizerJson, Errors) {
  TempDir dir;
  EXPECT_THAT(jsonError(dir, "{not json"), HasSubstr("malformed JSON"));
  EXPECT_THAT(jsonError(dir, "[]"), HasSubstr("top level is not an object"));
  EXPECT_THAT(jsonError(dir, "{}"), HasSubstr("missing object 'model'"));
  EXPECT_THAT(jsonError(dir, R"({"model": {"type": "WordPiece"}})"),
              HasSubstr("model.type 'WordPiece' is not supported"));
  EXPECT_THAT(jsonError(dir, R"({"model": {"vocab": {}}})"),
              HasSubstr("missing string 'model.type'"));
  EXPECT_THAT(
      jsonError(dir, R"({"model": {"type": "BPE", "vocab": {"a": 0}}})"),
      HasSubstr("missing array 'model.merges'"));
  EXPECT_THAT(jsonError(dir, R"({"model": {"type": "BPE", "merges": []}})"),
              HasSubstr("missing object 'model.vocab'"));
  EXPECT_THAT(jsonError(dir, tinyJson(R"(["a q"])")),
              HasSubstr("merge 0 ('a q'): 'q' is not in the vocabulary"));
  EXPECT_THAT(jsonError(dir, tinyJson(R"(["abc"])")),
              HasSubstr("model.merges[0] 'abc' is not two tokens"));
  EXPECT_THAT(jsonError(dir, tinyJson(R"([], "x": 1)", "",
                                      R"({"type": "Whitespace"})")),
              HasSubstr("pre_tokenizer.type 'Whitespace' is not supported"));
  EXPECT_THAT(jsonError(dir, tinyJson(R"([])", "", "null")),
              HasSubstr("missing object 'pre_tokenizer'"));
  EXPECT_THAT(jsonError(dir, tinyJson(R"([])", "",
                                      R"({"type": "Split", "pattern":
                                          {"Regex": "\\w+"},
                                          "behavior": "Isolated"})")),
              HasSubstr("Split pattern '\\w+' is not supported"));
  EXPECT_THAT(jsonError(dir, tinyJson(R"([])", "", R"({"type": "ByteLevel"})",
                                      R"({"type": "BertProcessing"})")),
              HasSubstr("post_processor.type 'BertProcessing'"));
  EXPECT_THAT(jsonError(dir, tinyJson(R"([])", R"("unk_token": "<?>",)")),
              HasSubstr("unk_token '<?>' is not in the vocabulary"));
  EXPECT_THAT(jsonError(dir, tinyJson(R"([])", R"("dropout": 0.1,)")),
              HasSubstr("dropout"));
  std::string norm = tinyJson();
  norm.replace(norm.find("\"normalizer\": null"), 18,
               R"("normalizer": {"type": "NFC"})");
  EXPECT_THAT(jsonError(dir, norm), HasSubstr("normalizer.type 'NFC'"));
  std::string lstrip = tinyJson();
  lstrip.replace(lstrip.find("\"lstrip\": false"), 15, "\"lstrip\": true");
  EXPECT_THAT(jsonError(dir, lstrip), HasSubstr("lstrip is not supported"));
  auto missing = Tokenizer::fromHuggingFaceJson("/nonexistent/tokenizer.json");
  ASSERT_FALSE(bool(missing));
  EXPECT_THAT(toString(missing.takeError()),
              HasSubstr("'/nonexistent/tokenizer.json': cannot read"));
  TempDir empty;
  auto emptyDir = Tokenizer::open(empty.path);
  ASSERT_FALSE(bool(emptyDir));
  EXPECT_THAT(toString(emptyDir.takeError()), HasSubstr("no tokenizer.json"));
}

//===----------------------------------------------------------------------===//
// GGUF
//===----------------------------------------------------------------------===//

/// A GGUF with the tiny vocabulary; `edit` may change the metadata.
struct TinyGguf {
  std::vector<std::string> tokens = {"a",   "b",    "c",   "Ġ",       "ab",
                                     "abc", "Ġab",  "1",   "2",       "ĠĠ",
                                     "<s>", "</s>", "<u>", "<|user|>"};
  std::vector<int32_t> types = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 2, 4};
  std::vector<std::string> merges = {"a b", "ab c", "Ġ ab", "Ġ Ġ"};
  std::string model = "gpt2";
  std::string pre = "smollm";
  std::string arch = "llama";
  bool withTokens = true, withMerges = true;
  uint32_t bos = 10;

  std::string write(const TempDir &dir) const {
    awq::formats::GgufWriter w;
    w.addString("general.architecture", arch);
    if (!model.empty())
      w.addString("tokenizer.ggml.model", model);
    w.addString("tokenizer.ggml.pre", pre);
    if (withTokens)
      w.addStringArray("tokenizer.ggml.tokens", tokens);
    w.addI32Array("tokenizer.ggml.token_type", types);
    if (withMerges)
      w.addStringArray("tokenizer.ggml.merges", merges);
    w.addU32("tokenizer.ggml.bos_token_id", bos);
    w.addU32("tokenizer.ggml.eos_token_id", 11);
    w.addU32("tokenizer.ggml.unknown_token_id", 12);
    w.addBool("tokenizer.ggml.add_bos_token", false);
    w.addBool("tokenizer.ggml.add_eos_token", true);
    return dir.write("tiny.gguf", w.serialize());
  }
};

Expected<std::unique_ptr<Tokenizer>>
openGguf(const TinyGguf &g,
         GgufConvention conv = GgufConvention::Transformers) {
  TempDir dir;
  return Tokenizer::open(g.write(dir), conv);
}

std::string ggufError(const TinyGguf &g,
                      GgufConvention conv = GgufConvention::Transformers) {
  auto tok = openGguf(g, conv);
  if (tok) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return toString(tok.takeError());
}

TEST(TokenizerGguf, TransformersConvention) {
  auto tok = openGguf(TinyGguf());
  ASSERT_TRUE(bool(tok)) << toString(tok.takeError());
  Tokenizer &t = **tok;
  // GPT-2 split (pre "smollm" ignored): " 12" is one word, "Ġ" stays alone.
  EXPECT_EQ(t.encode("  12"), (Ids{3, 3, 7, 8}));
  // Always BOS (LlamaTokenizerFast default), never EOS; unknown bytes fuse
  // into the unk token; control tokens match, user-defined ones do not.
  EXPECT_EQ(t.encode("abc!!<s>", true), (Ids{10, 5, 12, 10}));
  EXPECT_EQ(t.encode("<|user|>"), (Ids{12, 12, 12})); // "<|" "user" "|>"
  EXPECT_EQ(t.bosId(), 10);
  EXPECT_EQ(t.eosId(), 11);
  EXPECT_EQ(t.decode(t.encode("ab abc")), "ab abc");
}

TEST(TokenizerGguf, LlamaCppConvention) {
  auto tok = openGguf(TinyGguf(), GgufConvention::LlamaCpp);
  ASSERT_TRUE(bool(tok)) << toString(tok.takeError());
  Tokenizer &t = **tok;
  // smollm: digits split first, so "  " is its own word and merges.
  EXPECT_EQ(t.encode("  12"), (Ids{9, 7, 8}));
  // add_bos_token=false, add_eos_token=true; user-defined tokens match.
  EXPECT_EQ(t.encode("<|user|>ab", true), (Ids{13, 4, 11}));
}

TEST(TokenizerGguf, Errors) {
  TinyGguf g;
  g.withTokens = false;
  EXPECT_THAT(ggufError(g), HasSubstr("missing array 'tokenizer.ggml.tokens'"));
  g = TinyGguf();
  g.withMerges = false;
  EXPECT_THAT(ggufError(g), HasSubstr("missing array 'tokenizer.ggml.merges'"));
  g = TinyGguf();
  g.model = "llama";
  EXPECT_THAT(ggufError(g),
              HasSubstr("tokenizer.ggml.model 'llama' is not supported"));
  g.model = "";
  EXPECT_THAT(ggufError(g), HasSubstr("missing string 'tokenizer.ggml.model'"));
  g = TinyGguf();
  g.pre = "falcon3";
  std::string e = ggufError(g);
  EXPECT_THAT(e, HasSubstr("tokenizer.ggml.pre 'falcon3' is not supported"));
  EXPECT_THAT(e, HasSubstr("tiny.gguf"));
  g = TinyGguf();
  g.bos = 99;
  EXPECT_THAT(ggufError(g), HasSubstr("'tokenizer.ggml.bos_token_id' = 99"));
  g = TinyGguf();
  g.types.pop_back();
  EXPECT_THAT(ggufError(g), HasSubstr("has 13 entries for 14 tokens"));
  g = TinyGguf();
  g.merges.push_back("c c");
  EXPECT_THAT(ggufError(g), HasSubstr("'cc' is not in the vocabulary"));
  g = TinyGguf();
  g.merges.push_back("abc");
  EXPECT_THAT(ggufError(g), HasSubstr("tokenizer.ggml.merges[4] 'abc'"));
  TempDir dir;
  std::string bad = dir.write("bad.gguf", "GGUF\x03");
  auto tok = Tokenizer::open(bad);
  ASSERT_FALSE(bool(tok));
  EXPECT_THAT(toString(tok.takeError()), HasSubstr("bad.gguf"));
}

//===----------------------------------------------------------------------===//
// Hugging Face files written from a GGUF (HuggingFaceJsonWriter.cpp)
//===----------------------------------------------------------------------===//

/// Writes `g`'s tokenizer under `conv` as HF files and checks that our
/// reader of those files encodes as the GGUF reading does.
void expectHuggingFaceRoundTrip(const TinyGguf &g, GgufConvention conv) {
  TempDir dir;
  auto file = awq::formats::GgufFile::open(g.write(dir));
  ASSERT_TRUE(bool(file)) << toString(file.takeError());
  auto config = readGgufTokenizerConfig(**file, conv);
  ASSERT_TRUE(bool(config)) << toString(config.takeError());
  auto fromGguf = Tokenizer::create(*config, "tiny.gguf");
  ASSERT_TRUE(bool(fromGguf)) << toString(fromGguf.takeError());
  TempDir out;
  ASSERT_FALSE(bool(writeHuggingFaceTokenizer(*config, {}, out.path)));
  auto fromJson = Tokenizer::open(out.path);
  ASSERT_TRUE(bool(fromJson)) << toString(fromJson.takeError());
  for (StringRef text : {"  12", "abc!!<s>", "<|user|>ab", "ab abc  a\n1"})
    for (bool special : {false, true})
      EXPECT_EQ((*fromJson)->encode(text, special),
                (*fromGguf)->encode(text, special))
          << text.str() << " add_special=" << special;
  EXPECT_EQ((*fromJson)->bosId(), (*fromGguf)->bosId());
  EXPECT_EQ((*fromJson)->eosId(), (*fromGguf)->eosId());
  EXPECT_TRUE(sys::fs::exists(out.path + "/tokenizer_config.json"));
  EXPECT_TRUE(sys::fs::exists(out.path + "/special_tokens_map.json"));
}

TEST(TokenizerHuggingFaceWriter, RoundTripsEveryConvention) {
  // Transformers: BOS template, byte fallback, unk; llama.cpp: digits
  // split, EOS template, user-defined tokens; llama-bpe: a Split regex and
  // ignore_merges.
  expectHuggingFaceRoundTrip(TinyGguf(), GgufConvention::Transformers);
  expectHuggingFaceRoundTrip(TinyGguf(), GgufConvention::LlamaCpp);
  TinyGguf llama3;
  llama3.pre = "llama-bpe";
  expectHuggingFaceRoundTrip(llama3, GgufConvention::LlamaCpp);
}

TEST(TokenizerHuggingFaceWriter, RefusesWhatTokenizerJsonCannotSay) {
  TokenizerConfig cfg;
  cfg.vocab = {{"a", 0}};
  cfg.preTokenizer.pattern = SplitPattern::Llama3;
  cfg.preTokenizer.addPrefixSpace = true;
  TempDir out;
  Error e = writeHuggingFaceTokenizer(cfg, {}, out.path);
  ASSERT_TRUE(bool(e));
  EXPECT_THAT(toString(std::move(e)), HasSubstr("a prefix space"));
  EXPECT_FALSE(sys::fs::exists(out.path + "/tokenizer.json"));
  cfg.preTokenizer.addPrefixSpace = false;
  cfg.prefixIds = {7};
  e = writeHuggingFaceTokenizer(cfg, {}, out.path);
  ASSERT_TRUE(bool(e));
  EXPECT_THAT(toString(std::move(e)), HasSubstr("id 7 is not a token"));
}

} // namespace
