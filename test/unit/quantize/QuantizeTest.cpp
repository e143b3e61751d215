//===- QuantizeTest.cpp - RTN quantization and AutoAWQ format tests -------===//

#include "formats/AutoAwq.h"
#include "formats/Half.h"
#include "quantize/Quantize.h"
#include "test/unit/TempDir.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <gtest/gtest.h>
#include <random>

using namespace awq::formats;
using namespace awq::quant;
using namespace llvm;

using awq::testutil::TempDir;

namespace {
std::vector<float> randomWeights(int64_t n, int64_t k, unsigned seed,
                                 float scale = 0.02f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> w(n * k);
  for (float &v : w)
    v = dist(rng);
  return w;
}

std::string errText(Error e) { return toString(std::move(e)); }

} // namespace

TEST(RTN, TiesRoundToEven) {
  // Range 15 over 15 levels: s = 1 exactly, z = 0, so q = round(w).
  std::vector<float> w(32, 0.0f);
  w[0] = 0.0f;
  w[1] = 15.0f;
  w[2] = 2.5f;
  w[3] = 3.5f;
  w[4] = 0.5f;
  w[5] = 1.5f;
  w[6] = 14.5f;
  QuantConfig c;
  c.groupSize = 32;
  auto qw = quantizeRTN(w, 1, 32, c);
  ASSERT_TRUE(bool(qw)) << toString(qw.takeError());
  EXPECT_EQ(qw->scales[0], 1.0f);
  EXPECT_EQ(qw->zeros[0], 0);
  EXPECT_EQ(qw->q[1], 15);
  EXPECT_EQ(qw->q[2], 2);
  EXPECT_EQ(qw->q[3], 4);
  EXPECT_EQ(qw->q[4], 0);
  EXPECT_EQ(qw->q[5], 2);
  EXPECT_EQ(qw->q[6], 14);
}

TEST(RTN, AsymmetricFormula) {
  // Group [-1.0, ..., 2.1]: s = 3.1/15, z = -round(-1/s) = 5.
  std::vector<float> w(32);
  for (int i = 0; i < 32; ++i)
    w[i] = -1.0f + 0.1f * float(i);
  QuantConfig c;
  c.groupSize = 32;
  auto qw = quantizeRTN(w, 1, 32, c);
  ASSERT_TRUE(bool(qw));
  float s = (w[31] - w[0]) / 15.0f;
  EXPECT_EQ(qw->scales[0], s);
  EXPECT_EQ(qw->zeros[0], 5);
  std::vector<float> deq = dequantize(*qw);
  for (int i = 0; i < 32; ++i) {
    float expect = std::min(std::max(std::rint(w[i] / s) + 5.0f, 0.0f), 15.0f);
    EXPECT_EQ(qw->q[i], uint8_t(expect)) << i;
    EXPECT_EQ(deq[i], (expect - 5.0f) * s);
    EXPECT_LE(std::fabs(deq[i] - w[i]), s * 0.5f + 1e-6f);
  }
}

TEST(RTN, ConstantAndZeroGroups) {
  // Group 0 all zero, group 1 constant 3, group 2 constant -3. The 1e-5
  // floor on the range decides the scale (AutoAWQ's behaviour, kept).
  std::vector<float> w(96, 0.0f);
  for (int i = 32; i < 64; ++i)
    w[i] = 3.0f;
  for (int i = 64; i < 96; ++i)
    w[i] = -3.0f;
  QuantConfig c;
  c.groupSize = 32;
  auto qw = quantizeRTN(w, 1, 96, c);
  ASSERT_TRUE(bool(qw));
  float s = 1e-5f / 15.0f;
  for (int g = 0; g < 3; ++g)
    EXPECT_EQ(qw->scales[g], s);
  EXPECT_EQ(qw->zeros[0], 0);
  EXPECT_EQ(qw->zeros[1], 0);
  EXPECT_EQ(qw->zeros[2], 15);
  std::vector<float> deq = dequantize(*qw);
  EXPECT_EQ(deq[0], 0.0f);
  EXPECT_EQ(qw->q[40], 15);
  EXPECT_EQ(qw->q[70], 0);
  EXPECT_EQ(deq[40], 15.0f * s);
}

TEST(RTN, SymmetricAndBitWidths) {
  std::vector<float> w = randomWeights(4, 128, 3);
  for (int bits : {3, 4, 8}) {
    QuantConfig c;
    c.bits = bits;
    c.groupSize = 64;
    c.symmetric = true;
    auto qw = quantizeRTN(w, 4, 128, c);
    ASSERT_TRUE(bool(qw));
    int half = 1 << (bits - 1);
    for (int64_t row = 0; row < 4; ++row)
      for (int g = 0; g < 2; ++g) {
        float amax = 0;
        for (int i = 0; i < 64; ++i)
          amax = std::max(amax, std::fabs(w[row * 128 + g * 64 + i]));
        EXPECT_EQ(qw->scales[row * 2 + g], amax / float(half - 1));
        EXPECT_EQ(qw->zeros[row * 2 + g], half);
      }
    for (uint8_t q : qw->q)
      EXPECT_LE(q, (1 << bits) - 1);
    std::vector<float> deq = dequantize(*qw);
    for (size_t i = 0; i < w.size(); ++i)
      EXPECT_LE(std::fabs(deq[i] - w[i]),
                qw->scales[i / 64] * 0.5f * 1.0001f + 1e-7f);
  }
}

TEST(RTN, PerChannelAndTinyK) {
  std::vector<float> w = {0.1f, -0.2f, 0.3f, 0.05f, 1.0f, 2.0f, -1.0f, 0.0f};
  QuantConfig c;
  c.groupSize = 0; // Per-channel: G = K = 4.
  auto qw = quantizeRTN(w, 2, 4, c);
  ASSERT_TRUE(bool(qw)) << toString(qw.takeError());
  EXPECT_EQ(qw->groupSize, 4);
  EXPECT_EQ(qw->scales.size(), 2u);
  EXPECT_EQ(qw->scales[1], 3.0f / 15.0f);
}

TEST(RTN, Errors) {
  std::vector<float> w = randomWeights(2, 64, 1);
  QuantConfig c;
  c.groupSize = 128;
  EXPECT_NE(errText(quantizeRTN(w, 2, 64, c).takeError())
                .find("group size 128 does not divide K=64"),
            std::string::npos);
  c.groupSize = 48;
  EXPECT_NE(errText(quantizeRTN(w, 2, 64, c).takeError())
                .find("unsupported group size 48"),
            std::string::npos);
  c.groupSize = 32;
  c.bits = 5;
  EXPECT_NE(errText(quantizeRTN(w, 2, 64, c).takeError())
                .find("unsupported bit width 5"),
            std::string::npos);
  c.bits = 4;
  EXPECT_NE(errText(quantizeRTN(w, 3, 64, c, "layer.w").takeError())
                .find("tensor 'layer.w': has 128 values, expected"),
            std::string::npos);
  w[70] = NAN;
  std::string e = errText(quantizeRTN(w, 2, 64, c, "layer.w").takeError());
  EXPECT_NE(e.find("non-finite value NaN at row 1, column 6"),
            std::string::npos)
      << e;
  w[70] = INFINITY;
  e = errText(quantizeRTN(w, 2, 64, c).takeError());
  EXPECT_NE(e.find("non-finite value +Inf"), std::string::npos) << e;
  w[70] = 1e6f;
  c.arith = QuantArith::F16;
  e = errText(quantizeRTN(w, 2, 64, c).takeError());
  EXPECT_NE(e.find("overflows f16"), std::string::npos) << e;
}

TEST(RTN, F16ModeGivesHalfScales) {
  std::vector<float> w = randomWeights(8, 256, 5);
  QuantConfig c;
  c.arith = QuantArith::F16;
  auto qw = quantizeRTN(w, 8, 256, c);
  ASSERT_TRUE(bool(qw));
  for (float s : qw->scales)
    EXPECT_EQ(roundToHalf(s), s);
  // F32 mode scales are generally not f16 values.
  c.arith = QuantArith::F32;
  auto q32 = quantizeRTN(w, 8, 256, c);
  int nonHalf = 0;
  for (float s : q32->scales)
    nonHalf += roundToHalf(s) != s;
  EXPECT_GT(nonHalf, 0);
}

TEST(RTN, FakeQuantizeMatchesDequantize) {
  std::vector<float> w = randomWeights(16, 128, 9);
  for (QuantArith arith : {QuantArith::F32, QuantArith::F16}) {
    QuantConfig c;
    c.groupSize = 32;
    c.arith = arith;
    auto qw = quantizeRTN(w, 16, 128, c);
    ASSERT_TRUE(bool(qw));
    std::vector<float> deq = dequantize(*qw);
    std::vector<float> fq = w;
    fakeQuantizeRows(fq.data(), 16, 128, c);
    for (size_t i = 0; i < w.size(); ++i)
      EXPECT_EQ(fq[i], arith == QuantArith::F16 ? roundToHalf(deq[i]) : deq[i]);
  }
}

//===----------------------------------------------------------------------===//
// AutoAWQ GEMM packing
//===----------------------------------------------------------------------===//

TEST(AutoAwq, PackOrder) {
  // N = 8, K = 32, G = 32: q[n, k] = n (so each nibble names its channel),
  // zeros[n] = 15 - n.
  QuantizedWeight qw;
  qw.n = 8;
  qw.k = 32;
  qw.groupSize = 32;
  qw.q.resize(8 * 32);
  for (int n = 0; n < 8; ++n)
    for (int k = 0; k < 32; ++k)
      qw.q[n * 32 + k] = uint8_t(n);
  for (int n = 0; n < 8; ++n) {
    qw.scales.push_back(0.5f);
    qw.zeros.push_back(uint8_t(15 - n));
  }
  auto p = packAwqGemm(qw);
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  // Nibble i holds channel order[i] = 0,2,4,6,1,3,5,7 -> 0x75316420.
  for (int k = 0; k < 32; ++k)
    EXPECT_EQ(uint32_t(p->qweight[k]), 0x75316420u);
  // Zeros 15-n in the same order: 8,a,c,e,9,b,d,f from high to low.
  EXPECT_EQ(uint32_t(p->qzeros[0]), 0x8ace9bdfu);
  EXPECT_EQ(p->scales[0], floatToHalf(0.5f));
}

TEST(AutoAwq, PackUnpackRoundTrip) {
  int64_t n = 64, k = 256;
  std::vector<float> w = randomWeights(n, k, 11);
  QuantConfig c;
  c.arith = QuantArith::F16;
  auto qw = quantizeRTN(w, n, k, c);
  ASSERT_TRUE(bool(qw));
  auto p = packAwqGemm(*qw, "x");
  ASSERT_TRUE(bool(p));
  auto view = [](std::string name, DType dt, std::vector<int64_t> shape,
                 const void *data, size_t bytes) {
    TensorView v;
    v.name = std::move(name);
    v.dtype = dt;
    v.shape = std::move(shape);
    v.bytes = ArrayRef<uint8_t>(static_cast<const uint8_t *>(data), bytes);
    return v;
  };
  TensorView qwv = view("x.qweight", DType::I32, {k, n / 8}, p->qweight.data(),
                        p->qweight.size() * 4);
  TensorView qzv = view("x.qzeros", DType::I32, {k / 128, n / 8},
                        p->qzeros.data(), p->qzeros.size() * 4);
  TensorView scv = view("x.scales", DType::F16, {k / 128, n}, p->scales.data(),
                        p->scales.size() * 2);
  auto u = unpackAwqGemm(qwv, qzv, scv, "x");
  ASSERT_TRUE(bool(u)) << toString(u.takeError());
  EXPECT_EQ(u->q, qw->q);
  EXPECT_EQ(u->zeros, qw->zeros);
  EXPECT_EQ(u->scales, qw->scales);
  EXPECT_EQ(u->groupSize, 128);
  EXPECT_EQ(dequantize(*u), dequantize(*qw));

  // Mismatched shapes are reported with the tensor name.
  TensorView badz = qzv;
  badz.shape = {3, n / 8};
  std::string e = errText(unpackAwqGemm(qwv, badz, scv, "x").takeError());
  EXPECT_NE(e.find("x.qzeros"), std::string::npos) << e;
  TensorView bads = scv;
  bads.dtype = DType::F32;
  e = errText(unpackAwqGemm(qwv, qzv, bads, "x").takeError());
  EXPECT_NE(e.find("F16"), std::string::npos) << e;

  // F32-mode scales are refused: the checkpoint could not represent them.
  c.arith = QuantArith::F32;
  auto q32 = quantizeRTN(w, n, k, c);
  e = errText(packAwqGemm(*q32, "x").takeError());
  EXPECT_NE(e.find("not an f16 value"), std::string::npos) << e;
}

TEST(AutoAwq, CheckpointRoundTripIsByteExact) {
  TempDir a, b;
  AwqCheckpoint ckpt;
  ckpt.config = json::Object{{"model_type", "llama"}, {"hidden_size", 256}};
  QuantConfig c;
  c.arith = QuantArith::F16;
  std::vector<std::vector<float>> ws;
  for (int i = 0; i < 2; ++i) {
    ws.push_back(randomWeights(64, 256, 20 + i));
    auto qw = quantizeRTN(ws.back(), 64, 256, c);
    ASSERT_TRUE(bool(qw));
    auto p = packAwqGemm(*qw);
    ASSERT_TRUE(bool(p));
    ckpt.linears["model.layers." + std::to_string(i) + ".mlp.up_proj"] =
        std::move(*p);
  }
  OwnedTensor norm;
  norm.name = "model.norm.weight";
  norm.dtype = DType::F16;
  norm.shape = {256};
  norm.bytes.assign(512, 0x3c);
  ckpt.others.push_back(norm);
  ASSERT_FALSE(errorToBool(writeAwqCheckpoint(a.path, ckpt)));

  auto back = readAwqCheckpoint(a.path);
  ASSERT_TRUE(bool(back)) << toString(back.takeError());
  EXPECT_EQ(back->linears.size(), 2u);
  EXPECT_EQ(back->others.size(), 1u);
  EXPECT_EQ(back->quant.groupSize, 128);
  ASSERT_FALSE(errorToBool(writeAwqCheckpoint(b.path, *back)));
  for (StringRef f : {"config.json", "model.safetensors"}) {
    auto fa = MemoryBuffer::getFile(a.file(f));
    auto fb = MemoryBuffer::getFile(b.file(f));
    ASSERT_TRUE(fa && fb);
    EXPECT_EQ((*fa)->getBuffer(), (*fb)->getBuffer()) << f.str();
  }
  auto cfg = readJsonFile(a.file("config.json"));
  ASSERT_TRUE(bool(cfg));
  const json::Object *qc = cfg->getAsObject()->getObject("quantization_config");
  ASSERT_TRUE(qc);
  EXPECT_EQ(qc->getString("quant_method"), "awq");
  EXPECT_EQ(qc->getString("version"), "gemm");
  EXPECT_EQ(qc->getBoolean("zero_point"), true);
  EXPECT_EQ(qc->getInteger("bits"), 4);
  EXPECT_EQ(qc->getInteger("group_size"), 128);
  EXPECT_TRUE(qc->get("modules_to_not_convert")->getAsNull());
}

TEST(AutoAwq, CheckpointErrors) {
  TempDir d;
  ASSERT_FALSE(errorToBool(writeFileAtomically(
      d.file("config.json"), R"({"quantization_config":{"quant_method":"gptq"}})")));
  std::string e = errText(readAwqCheckpoint(d.path).takeError());
  EXPECT_NE(e.find("not \"awq\""), std::string::npos) << e;
}

TEST(HFConfig, ParsesLlamaFamily) {
  auto v = json::parse(R"({"model_type":"llama","hidden_size":576,
    "intermediate_size":1536,"num_attention_heads":9,"num_key_value_heads":3,
    "num_hidden_layers":30,"rms_norm_eps":1e-05,"vocab_size":49152,
    "tie_word_embeddings":true,"torch_dtype":"bfloat16","rope_theta":100000})");
  ASSERT_TRUE(bool(v));
  auto c = parseHFConfig(*v, "config.json");
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(c->hiddenSize, 576);
  EXPECT_EQ(c->numKeyValueHeads, 3);
  EXPECT_EQ(c->headDim, 64);
  EXPECT_TRUE(c->tieWordEmbeddings);
  EXPECT_EQ(c->torchDtype, "bfloat16");
  EXPECT_EQ(c->rmsNormEps, 1e-5);

  auto missing = json::parse(R"({"model_type":"qwen2","hidden_size":8})");
  std::string e = errText(parseHFConfig(*missing, "cfg.json").takeError());
  EXPECT_NE(e.find("cfg.json"), std::string::npos);
  EXPECT_NE(e.find("missing field 'intermediate_size'"), std::string::npos)
      << e;
  auto bad = json::parse(R"({"model_type":"gpt2"})");
  e = errText(parseHFConfig(*bad, "cfg.json").takeError());
  EXPECT_NE(e.find("unsupported model_type 'gpt2'"), std::string::npos) << e;

  // Found by the config fuzzer (fuzz/seeds/hf-config/regress-*): a number
  // too large for int64 was converted anyway.
  auto huge = json::parse(R"({"model_type":"llama","hidden_size":64,
    "intermediate_size":2,"num_hidden_layers":2,"num_attention_heads":4,
    "vocab_size":128,"rms_norm_eps":1e-5,"rope_scaling":{"rope_type":"llama3",
    "factor":8.0,
    "low_freq_factor":1.0,"high_freq_factor":4.0,
    "original_max_position_embeddings":8.2e71}})");
  ASSERT_TRUE(bool(huge));
  e = errText(parseHFConfig(*huge, "cfg.json").takeError());
  EXPECT_NE(e.find("original_max_position_embeddings must be an integer"),
            std::string::npos)
      << e;
}

TEST(HFConfig, LinearNames) {
  EXPECT_TRUE(isQuantizableLinear("model.layers.0.self_attn.q_proj.weight"));
  EXPECT_TRUE(isQuantizableLinear("model.layers.12.mlp.down_proj.weight"));
  EXPECT_FALSE(isQuantizableLinear("model.layers.0.input_layernorm.weight"));
  EXPECT_FALSE(isQuantizableLinear("model.embed_tokens.weight"));
  EXPECT_FALSE(isQuantizableLinear("model.layers.0.self_attn.q_proj.bias"));
}
