//===- KernelLayoutTest.cpp - layouts, 16-bit floats, reference -----------===//

#include "formats/AutoAwq.h"
#include "formats/Half.h"
#include "formats/KernelLayout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace awq;
using namespace awq::formats;

namespace {

TEST(Half, KnownValues) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65519.0f), 0x7bff); // below the rounding midpoint
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // rounds to infinity
  EXPECT_EQ(floatToHalf(0.1f), 0x2e66);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000); // tie to even
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -26)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -14)), 0x0400);
  // 1 + 2^-11 is a tie between 0x3c00 and 0x3c01: even wins.
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(floatToHalf(INFINITY), 0x7c00);
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  EXPECT_TRUE(std::isnan(halfToFloat(0xffff)));
  EXPECT_TRUE(std::isnan(bf16ToFloat(0xffff)));
}

TEST(Half, EveryHalfRoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    float f = halfToFloat(static_cast<uint16_t>(bits));
    if (std::isnan(f))
      continue;
    ASSERT_EQ(floatToHalf(f), bits) << std::hex << bits;
  }
}

TEST(Bf16, EveryBf16RoundTripsAndRoundsToNearestEven) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    float f = bf16ToFloat(static_cast<uint16_t>(bits));
    if (std::isnan(f))
      continue;
    ASSERT_EQ(floatToBf16(f), bits) << std::hex << bits;
  }
  EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);     // tie
  EXPECT_EQ(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82); // tie
  EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.5f, -8)), 0x3f81);
}

QuantizedWeight randomWeights(std::mt19937 &rng, int64_t n, int64_t k,
                               int64_t g, bool zeros, DType dtype) {
  QuantizedWeight w;
  w.n = n;
  w.k = k;
  w.groupSize = g;
  w.bits = 4;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::uniform_real_distribution<float> scale(1e-3f, 2e-2f);
  for (int64_t i = 0; i < n * k; ++i)
    w.q.push_back(static_cast<uint8_t>(nibble(rng)));
  for (int64_t i = 0; i < n * (k / g); ++i) {
    // Representable in the dtype, as in every artifact.
    w.scales.push_back(decodeHalf(encodeHalf(scale(rng), dtype), dtype));
    if (zeros)
      w.zeros.push_back(static_cast<uint8_t>(nibble(rng)));
  }
  return w;
}

void expectSame(const QuantizedWeight &a, const QuantizedWeight &b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.k, b.k);
  EXPECT_EQ(a.groupSize, b.groupSize);
  EXPECT_EQ(a.q, b.q);
  EXPECT_EQ(a.scales, b.scales);
  EXPECT_EQ(a.zeros, b.zeros);
}

TEST(KernelLayout, RoundTripRandom) {
  std::mt19937 rng(1234);
  struct Case {
    int64_t n, k, g;
    bool zeros;
    DType dtype;
  } cases[] = {{8, 32, 32, true, DType::F16},
               {24, 256, 64, false, DType::F16},
               {40, 384, 128, true, DType::BF16},
               {3, 160, 160, true, DType::F16}, // per-channel
               {17, 512, 128, false, DType::BF16}};
  for (const Case &c : cases) {
    QuantizedWeight w = randomWeights(rng, c.n, c.k, c.g, c.zeros, c.dtype);
    llvm::Expected<KernelWeights> packed = packKernelLayout(w, c.dtype);
    ASSERT_TRUE(static_cast<bool>(packed)) << toString(packed.takeError());
    EXPECT_EQ(packed->qweight.size(), size_t(c.n * c.k / 8));
    llvm::Expected<QuantizedWeight> back = unpackKernelLayout(*packed);
    ASSERT_TRUE(static_cast<bool>(back)) << toString(back.takeError());
    expectSame(w, *back);
  }
}

TEST(KernelLayout, NibblePositionsFollowTheFormat) {
  // One non-zero element at a time must land where docs/artifact-format.md
  // puts it: in 32-weight chunk c, word t, nibble p holds
  // q[n, 32c + 8 (p mod 4) + 2t + (p div 4)]. Inverted here: element r of a
  // chunk sits in word (r mod 8) div 2, nibble (r div 8) + 4 ((r mod 8) mod 2).
  QuantizedWeight w;
  w.n = 2;
  w.k = 64;
  w.groupSize = 32;
  w.scales = {0.5f, 0.25f, 2.0f, 1.0f};
  w.zeros = {3, 12, 0, 15};
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t k = 0; k < 64; ++k) {
      w.q.assign(128, 0);
      w.q[n * 64 + k] = 0xb;
      llvm::Expected<KernelWeights> p = packKernelLayout(w, DType::F16);
      ASSERT_TRUE(static_cast<bool>(p));
      int64_t chunk = k / 32, r = k % 32;
      int64_t word = n * 8 + chunk * 4 + (r % 8) / 2;
      int nibble = static_cast<int>(r / 8 + 4 * ((r % 8) % 2));
      for (int64_t i = 0; i < 16; ++i) {
        uint32_t expected = i == word ? 0xbu << (4 * nibble) : 0u;
        EXPECT_EQ(static_cast<uint32_t>(p->qweight[i]), expected)
            << "n=" << n << " k=" << k << " word=" << i;
      }
    }
  }
  llvm::Expected<KernelWeights> p = packKernelLayout(w, DType::F16);
  ASSERT_TRUE(static_cast<bool>(p));
  EXPECT_EQ(p->scales, (std::vector<uint16_t>{0x3800, 0x3400, 0x4000, 0x3c00}));
  EXPECT_EQ(p->zeros, (std::vector<uint16_t>{0x4200, 0x4a00, 0x0000, 0x4b80}));
  llvm::Expected<KernelWeights> b = packKernelLayout(w, DType::BF16);
  ASSERT_TRUE(static_cast<bool>(b));
  EXPECT_EQ(b->zeros, (std::vector<uint16_t>{0x4040, 0x4140, 0x0000, 0x4170}));
}

TEST(KernelLayout, MagicNumberConversionYieldsWeightsInOrder) {
  // The reason for the layout: on the four words of a chunk, mask
  // 0x000F000F | 0x64006400 gives f16 1024 + q for weights 0..7 in order,
  // mask 0x00F000F0 gives 1024 + 16 q for 8..15, and the same on word >> 8
  // gives 16..23 and 24..31.
  QuantizedWeight w;
  w.n = 1;
  w.k = 32;
  w.groupSize = 32;
  std::mt19937 rng(7);
  for (int i = 0; i < 32; ++i)
    w.q.push_back(static_cast<uint8_t>(rng() % 16));
  w.scales = {1.0f};
  llvm::Expected<KernelWeights> p = packKernelLayout(w, DType::F16);
  ASSERT_TRUE(static_cast<bool>(p));
  std::vector<float> decoded(32);
  for (int t = 0; t < 4; ++t) {
    uint32_t word = static_cast<uint32_t>(p->qweight[t]);
    for (int eighth = 0; eighth < 4; ++eighth) {
      uint32_t src = eighth >= 2 ? word >> 8 : word;
      bool high = eighth % 2;
      uint32_t h2 = (src & (high ? 0x00f000f0u : 0x000f000fu)) | 0x64006400u;
      float scale = high ? 16.0f : 1.0f;
      decoded[8 * eighth + 2 * t] =
          (halfToFloat(static_cast<uint16_t>(h2 & 0xffff)) - 1024) / scale;
      decoded[8 * eighth + 2 * t + 1] =
          (halfToFloat(static_cast<uint16_t>(h2 >> 16)) - 1024) / scale;
    }
  }
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(decoded[i], w.q[i]) << "weight " << i;
}

TEST(KernelLayout, KMustBeAMultipleOf32) {
  QuantizedWeight w;
  w.n = 1;
  w.k = 48;
  w.groupSize = 16;
  w.q.assign(48, 1);
  w.scales = {1, 1, 1};
  llvm::Expected<KernelWeights> p = packKernelLayout(w, DType::F16);
  ASSERT_FALSE(static_cast<bool>(p));
  EXPECT_NE(toString(p.takeError()).find("not a multiple of 32"),
            std::string::npos);
}

TEST(KernelLayout, Errors) {
  QuantizedWeight w;
  w.n = 2;
  w.k = 32;
  w.groupSize = 32;
  w.q.assign(64, 0);
  w.scales = {1.0f}; // needs 2
  llvm::Expected<KernelWeights> p = packKernelLayout(w, DType::F16);
  ASSERT_FALSE(static_cast<bool>(p));
  EXPECT_NE(toString(p.takeError()).find("scales has 1 elements"),
            std::string::npos);
  w.scales = {1.0f, 1.0f};
  w.q[5] = 16;
  p = packKernelLayout(w, DType::F16);
  ASSERT_FALSE(static_cast<bool>(p));
  EXPECT_NE(toString(p.takeError()).find("q[5] = 16 exceeds 15"),
            std::string::npos);
  w.q[5] = 0;
  w.groupSize = 12; // does not divide 32
  p = packKernelLayout(w, DType::F16);
  ASSERT_FALSE(static_cast<bool>(p));
  consumeError(p.takeError());

  KernelWeights bad;
  bad.n = 1;
  bad.k = 32;
  bad.groupSize = 32;
  bad.qweight = {0, 0, 0, 0};
  bad.scales = {0x3c00};
  bad.zeros = {floatToHalf(2.5f)};
  llvm::Expected<QuantizedWeight> u = unpackKernelLayout(bad);
  ASSERT_FALSE(static_cast<bool>(u));
  EXPECT_NE(toString(u.takeError()).find("not an integer zero point"),
            std::string::npos);
}

TEST(AutoAwq, RoundTripRandom) {
  std::mt19937 rng(99);
  for (auto [n, k, g] : {std::tuple<int64_t, int64_t, int64_t>{8, 32, 32},
                         {64, 256, 128},
                         {24, 192, 64},
                         {16, 96, 96}}) {
    QuantizedWeight w = randomWeights(rng, n, k, g, true, DType::F16);
    llvm::Expected<AwqGemmWeights> a = packAwqGemm(w);
    ASSERT_TRUE(static_cast<bool>(a)) << toString(a.takeError());
    llvm::Expected<QuantizedWeight> back = unpackAwqGemm(*a);
    ASSERT_TRUE(static_cast<bool>(back)) << toString(back.takeError());
    expectSame(w, *back);
    // And on to the kernel layout and back, the path awq-compile takes.
    llvm::Expected<KernelWeights> kw = packKernelLayout(*back, DType::F16);
    ASSERT_TRUE(static_cast<bool>(kw));
    llvm::Expected<QuantizedWeight> again = unpackKernelLayout(*kw);
    ASSERT_TRUE(static_cast<bool>(again));
    expectSame(w, *again);
  }
}

TEST(AutoAwq, NibbleOrderOverN) {
  // Word (k, c), nibble i holds output channel 8c + [0,2,4,6,1,3,5,7][i].
  AwqGemmWeights a;
  a.n = 16;
  a.k = 4;
  a.groupSize = 4;
  a.qweight.assign(4 * 2, 0);
  a.qzeros.assign(2, 0);
  a.scales.assign(16, 0x3c00);
  // k = 2, c = 1, nibble 1 -> channel 8 + 2 = 10.
  a.qweight[2 * 2 + 1] = 0x9 << 4;
  // zeros: c = 0, nibble 4 -> channel 1.
  a.qzeros[0] = 0x7 << 16;
  a.scales[5] = 0x3800; // channel 5 scale 0.5
  llvm::Expected<QuantizedWeight> w = unpackAwqGemm(a);
  ASSERT_TRUE(static_cast<bool>(w));
  for (int64_t n = 0; n < 16; ++n)
    for (int64_t k = 0; k < 4; ++k)
      EXPECT_EQ(w->q[n * 4 + k], (n == 10 && k == 2) ? 9 : 0);
  for (int64_t n = 0; n < 16; ++n) {
    EXPECT_EQ(w->zeros[n], n == 1 ? 7 : 0);
    EXPECT_EQ(w->scales[n], n == 5 ? 0.5f : 1.0f);
  }
}

TEST(AutoAwq, ShapeErrors) {
  AwqGemmWeights a;
  a.n = 12; // not a multiple of 8
  a.k = 4;
  a.groupSize = 4;
  llvm::Expected<QuantizedWeight> w = unpackAwqGemm(a);
  ASSERT_FALSE(static_cast<bool>(w));
  EXPECT_NE(toString(w.takeError()).find("multiple of 8"), std::string::npos);
  a.n = 8;
  a.qweight.assign(3, 0);
  w = unpackAwqGemm(a);
  ASSERT_FALSE(static_cast<bool>(w));
  EXPECT_NE(toString(w.takeError()).find("qweight has 3 words"),
            std::string::npos);
}

TEST(Reference, SmallExampleByHand) {
  // W row 0 = (q - z) * s over two groups of 2: q = [3, 5, 0, 15], z = [4, 8],
  // s = [0.5, 0.25] -> [-0.5, 0.5, -2, 1.75]; row 1 has zeros 0.
  QuantizedWeight w;
  w.n = 2;
  w.k = 4;
  w.groupSize = 2;
  w.q = {3, 5, 0, 15, 1, 2, 3, 4};
  w.scales = {0.5f, 0.25f, 1.0f, 2.0f};
  w.zeros = {4, 8, 0, 0};
  std::vector<uint16_t> x = {floatToHalf(1), floatToHalf(2),
                             floatToHalf(-1), floatToHalf(0.5f),
                             floatToHalf(0), floatToHalf(0),
                             floatToHalf(0), floatToHalf(1)};
  std::vector<uint16_t> bias = {floatToHalf(0.25f), floatToHalf(-1)};
  std::vector<double> y(4);
  referenceLinear({0, 1}, x.data(), DType::F16, w, bias.data(), y.data(), 2);
  // Row 0: 1*-0.5 + 2*0.5 + -1*-2 + 0.5*1.75 + 0.25 = 3.625
  EXPECT_DOUBLE_EQ(y[0], 3.625);
  // W row 1 = [1, 2, 6, 8]: 1 + 4 - 6 + 4 - 1 = 2
  EXPECT_DOUBLE_EQ(y[1], 2.0);
  // x row 1 = [0, 0, 0, 1] picks column 3 of each W row.
  EXPECT_DOUBLE_EQ(y[2], 1.75 + 0.25);
  EXPECT_DOUBLE_EQ(y[3], 8.0 - 1);
  // Symmetric: z = 8 for 4-bit.
  w.zeros.clear();
  std::vector<double> ys(2);
  referenceLinear({1}, x.data(), DType::F16, w, nullptr, ys.data(), 1);
  EXPECT_DOUBLE_EQ(ys[0], (15 - 8) * 0.25);
  EXPECT_DOUBLE_EQ(ys[1], (4 - 8) * 2.0);
}

} // namespace
