//===- SafeTensorsTest.cpp - safetensors reader/writer tests --------------===//

#include "formats/Half.h"
#include "formats/SafeTensors.h"
#include "test/unit/TempDir.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace awq::formats;
using namespace llvm;

using awq::testutil::TempDir;

namespace {

/// Builds a raw file from a header and a data section.
std::string rawFile(StringRef header, size_t dataBytes, uint64_t lenOverride = 0) {
  std::string s;
  uint64_t len = lenOverride ? lenOverride : header.size();
  s.append(reinterpret_cast<const char *>(&len), 8);
  s += header.str();
  s.append(dataBytes, '\x01');
  return s;
}

/// Parses `contents`; returns the error text ("" on success).
std::string parseError(const std::string &contents) {
  auto f = SafeTensorsFile::fromBuffer(
      MemoryBuffer::getMemBufferCopy(contents, "t"), "bad.safetensors");
  if (f)
    return "";
  return toString(f.takeError());
}

} // namespace

TEST(Half, RoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = halfToFloat(uint16_t(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(f))));
      continue;
    }
    ASSERT_EQ(floatToHalf(f), h) << "half bits " << h;
  }
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1).
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3·2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9: rounds up.
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65519.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // Rounds to Inf.
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000); // Tie to even 0.
  EXPECT_EQ(floatToHalf(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  // bf16: 1 + 2^-8 is a tie between 1 and 1 + 2^-7: to even.
  EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_EQ(bf16ToFloat(0x3f80), 1.0f);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(NAN))));
}

TEST(SafeTensors, WriteReadRoundTrip) {
  TempDir dir;
  SafeTensorsWriter w;
  std::vector<float> a = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  std::vector<int32_t> b = {1, -2, 3};
  std::vector<uint16_t> c = {floatToHalf(0.5f), floatToHalf(-1.0f)};
  ASSERT_FALSE(errorToBool(w.addF32("a", {2, 3}, a)));
  ASSERT_FALSE(errorToBool(w.addI32("b.weight", {3}, b)));
  ASSERT_FALSE(errorToBool(w.addF16Bits("c", {1, 2}, c)));
  std::vector<uint8_t> u = {1, 2, 3};
  ASSERT_FALSE(errorToBool(w.add("u", DType::U8, {3}, u)));
  ASSERT_FALSE(errorToBool(w.add("empty", DType::F32, {0, 4}, {})));
  w.setMetadata("format", "pt");
  std::string path = dir.file("x.safetensors");
  ASSERT_FALSE(errorToBool(w.write(path)));

  auto f = SafeTensorsFile::open(path);
  ASSERT_TRUE(bool(f)) << toString(f.takeError());
  EXPECT_EQ((*f)->tensors().size(), 5u);
  EXPECT_EQ((*f)->metadata().at("format"), "pt");
  const TensorView *ta = (*f)->lookup("a");
  ASSERT_TRUE(ta);
  EXPECT_EQ(ta->dtype, DType::F32);
  EXPECT_EQ(ta->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(ta->toFloat(), a);
  EXPECT_EQ((*f)->lookup("b.weight")->toFloat(),
            (std::vector<float>{1, -2, 3}));
  EXPECT_EQ((*f)->lookup("c")->toFloat(), (std::vector<float>{0.5f, -1.0f}));
  EXPECT_EQ((*f)->lookup("u")->toFloat(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ((*f)->lookup("empty")->numElements(), 0);
  // Elements are aligned to their size (4-byte tensors first).
  for (const TensorView &t : (*f)->tensors())
    EXPECT_EQ((t.bytes.data() - reinterpret_cast<const uint8_t *>(
                                     ta->bytes.data())) %
                  dtypeSize(t.dtype),
              0);

  // Re-serialising what was read gives identical bytes.
  SafeTensorsWriter w2;
  for (const TensorView &t : (*f)->tensors())
    ASSERT_FALSE(errorToBool(w2.addView(t)));
  w2.setMetadata("format", "pt");
  auto orig = MemoryBuffer::getFile(path);
  ASSERT_TRUE(bool(orig));
  EXPECT_EQ(w2.serialize(), (*orig)->getBuffer().str());
}

TEST(SafeTensors, WriterRejectsBadTensors) {
  SafeTensorsWriter w;
  std::vector<float> a = {1, 2, 3};
  ASSERT_FALSE(errorToBool(w.addF32("a", {3}, a)));
  std::string dup = toString(w.addF32("a", {3}, a));
  EXPECT_NE(dup.find("duplicate tensor 'a'"), std::string::npos) << dup;
  std::string size = toString(w.addF32("b", {2, 2}, a));
  EXPECT_NE(size.find("'b'"), std::string::npos) << size;
}

TEST(SafeTensors, FailedWriteLeavesNothing) {
  TempDir dir;
  SafeTensorsWriter w;
  std::vector<float> a = {1, 2};
  ASSERT_FALSE(errorToBool(w.addF32("a", {2}, a)));
  std::string path = dir.file("missing-subdir/x.safetensors");
  Error err = w.write(path);
  ASSERT_TRUE(errorToBool(std::move(err)));
  EXPECT_FALSE(sys::fs::exists(path));
  // A successful write leaves no temporary file behind.
  ASSERT_FALSE(errorToBool(w.write(dir.file("ok.safetensors"))));
  std::error_code ec;
  int count = 0;
  for (sys::fs::directory_iterator it(dir.path, ec), end; it != end && !ec;
       it.increment(ec))
    ++count;
  EXPECT_EQ(count, 1);
}

TEST(SafeTensors, MalformedFilesGiveTheirOwnErrors) {
  // Valid baseline.
  std::string good =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  EXPECT_EQ(parseError(rawFile(good, 8)), "");

  auto expectErr = [](const std::string &contents, StringRef needle) {
    std::string e = parseError(contents);
    EXPECT_NE(e.find("bad.safetensors"), std::string::npos) << e;
    EXPECT_NE(e.find(needle.str()), std::string::npos)
        << "expected '" << needle.str() << "' in: " << e;
  };
  // Shorter than the length field.
  expectErr("abc", "truncated: 3 bytes");
  // Header longer than the file.
  expectErr(rawFile(good, 8, 4096), "truncated: header length 4096");
  // Oversized header length.
  expectErr(rawFile(good, 8, 1ull << 40), "exceeds the limit");
  // Data cut short.
  expectErr(rawFile(good, 4), "extend past the end of the data section");
  // Not JSON / not an object.
  expectErr(rawFile("{\"a\":", 0), "not valid JSON");
  expectErr(rawFile("[1,2]", 0), "not a JSON object");
  // Overlapping tensors.
  expectErr(rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                    12),
            "overlap");
  // Gap and trailing bytes.
  expectErr(rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                    8),
            "gap in data section");
  expectErr(rawFile(good, 12), "trailing bytes");
  // dtype x shape != byte length (wrong dtype for the bytes).
  expectErr(rawFile(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}})",
                    8),
            "tensor 'a': byte length 8 does not match dtype F16");
  // Unknown dtype.
  expectErr(rawFile(R"({"a":{"dtype":"F8_E9","shape":[2],"data_offsets":[0,8]}})",
                    8),
            "unsupported dtype 'F8_E9'");
  // Negative / non-integer shapes, reversed offsets, missing fields.
  expectErr(rawFile(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                    8),
            "non-negative integers");
  expectErr(rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})",
                    8),
            "reversed");
  expectErr(rawFile(R"({"a":{"dtype":"F32","shape":[2]}})", 0),
            "'data_offsets' must be");
  expectErr(rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})",
                    8),
            "unknown header field 'x'");
  // Shape overflow.
  expectErr(rawFile(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                    8),
            "overflows");
  expectErr(rawFile(R"({"__metadata__":{"k":1}})", 0), "not a string");
}

TEST(SafeTensors, ShardedModel) {
  TempDir dir;
  std::vector<std::vector<float>> data;
  std::vector<TensorView> views;
  for (int i = 0; i < 5; ++i)
    data.push_back(std::vector<float>(10, float(i)));
  for (int i = 0; i < 5; ++i) {
    TensorView v;
    v.name = "t" + std::to_string(i);
    v.dtype = DType::F32;
    v.shape = {10};
    v.bytes = ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(data[i].data()), 40);
    views.push_back(v);
  }
  // 100-byte shards: two tensors each -> 3 shards + index.
  ASSERT_FALSE(errorToBool(writeShardedModel(dir.path, views, 100, {})));
  EXPECT_TRUE(sys::fs::exists(dir.file("model.safetensors.index.json")));
  EXPECT_TRUE(sys::fs::exists(dir.file("model-00003-of-00003.safetensors")));
  auto m = SafeTensorsModel::open(dir.path);
  ASSERT_TRUE(bool(m)) << toString(m.takeError());
  EXPECT_EQ((*m)->files().size(), 3u);
  EXPECT_EQ((*m)->tensorNames().size(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ((*m)->lookup("t" + std::to_string(i))->toFloat(), data[i]);

  // An index naming a tensor that its shard lacks is an error.
  std::string idx = R"({"weight_map":{"t0":"model-00001-of-00003.safetensors",)"
                    R"("zz":"model-00001-of-00003.safetensors"}})";
  std::string idxPath = dir.file("model.safetensors.index.json");
  ASSERT_FALSE(errorToBool(writeFileAtomically(idxPath, idx)));
  auto bad = SafeTensorsModel::open(dir.path);
  ASSERT_FALSE(bool(bad));
  std::string e = toString(bad.takeError());
  EXPECT_NE(e.find("'zz'"), std::string::npos) << e;
}
