//===- CheckpointTest.cpp - the checkpoint entry point and llama.cpp names ===//

#include "formats/Checkpoint.h"
#include "test/unit/TempDir.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace awq::formats;

using awq::testutil::TempDir;

namespace {

void writeText(const std::string &path, StringRef text) {
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  ASSERT_FALSE(ec) << ec.message();
  os << text;
}

} // namespace

TEST(GgufNames, MapBothWays) {
  for (auto [hf, gguf] :
       {std::pair<const char *, const char *>{"model.embed_tokens.weight",
                                              "token_embd.weight"},
        {"model.norm.weight", "output_norm.weight"},
        {"lm_head.weight", "output.weight"},
        {"model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight"},
        {"model.layers.12.self_attn.q_proj.bias", "blk.12.attn_q.bias"},
        {"model.layers.3.self_attn.o_proj.weight", "blk.3.attn_output.weight"},
        {"model.layers.7.mlp.down_proj.weight", "blk.7.ffn_down.weight"}}) {
    EXPECT_EQ(ggufTensorName(hf), gguf);
    EXPECT_EQ(hfTensorName(gguf).value_or(""), hf);
  }
  // No counterpart: unchanged one way, none the other.
  EXPECT_EQ(ggufTensorName("model.rotary.inv_freq"), "model.rotary.inv_freq");
  EXPECT_FALSE(hfTensorName("rope_freqs.weight"));
  // A module name must end at a dot: attn_q is not attn_qk.
  EXPECT_FALSE(hfTensorName("blk.0.attn_qk.weight"));
}

TEST(GgufNames, UnpermuteRopeRows) {
  // One head of 4 rows, 1 column: stored rows (2j + i) hold logical rows
  // i * 2 + j, so stored [a, b, c, d] is logical [a, c, b, d].
  std::vector<float> rows = {0, 1, 2, 3};
  unpermuteRopeRows(rows, 4, 1, 4);
  EXPECT_EQ(rows, (std::vector<float>{0, 2, 1, 3}));
  EXPECT_TRUE(ggufPermutesRopeRows("llama"));
  EXPECT_FALSE(ggufPermutesRopeRows("qwen2"));
}

TEST(Checkpoint, OpensAHuggingFaceDirectory) {
  TempDir dir;
  writeText(dir.file("config.json"),
            R"({"model_type": "llama", "hidden_size": 8,
                "intermediate_size": 16, "num_attention_heads": 2,
                "num_hidden_layers": 1, "vocab_size": 4,
                "rms_norm_eps": 1e-5})");
  SafeTensorsWriter w;
  std::vector<float> norm(8, 1.0f);
  ASSERT_FALSE(errorToBool(w.addF32("model.norm.weight", {8}, norm)));
  ASSERT_FALSE(errorToBool(w.write(dir.file("model.safetensors"))));

  auto ckpt = Checkpoint::open(dir.path);
  ASSERT_TRUE(bool(ckpt)) << toString(ckpt.takeError());
  EXPECT_EQ((*ckpt)->format(), CheckpointFormat::HF);
  EXPECT_EQ((*ckpt)->formatName(), "hf");
  EXPECT_EQ((*ckpt)->config().hiddenSize, 8);
  EXPECT_FALSE((*ckpt)->quantization());
  std::optional<CheckpointTensor> t = (*ckpt)->lookup("model.norm.weight");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->shape, std::vector<int64_t>{8});
  ASSERT_NE(t->view, nullptr);
  EXPECT_EQ(t->view->toFloat(), norm);
  EXPECT_FALSE((*ckpt)->lookup("lm_head.weight"));
}

TEST(Checkpoint, OpensAGgufFileUnderHuggingFaceNames) {
  TempDir dir;
  GgufWriter w;
  w.addString("general.architecture", "llama");
  w.addU32("llama.embedding_length", 8);
  w.addU32("llama.feed_forward_length", 16);
  w.addU32("llama.attention.head_count", 2);
  w.addU32("llama.block_count", 1);
  w.addF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  std::vector<float> embed(4 * 8, 0.5f);
  ASSERT_FALSE(errorToBool(w.addTensor(
      "token_embd.weight", {8, 4}, GgmlType::F32,
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(embed.data()),
                        embed.size() * 4))));
  std::string path = dir.file("model.gguf");
  writeText(path, w.serialize());

  auto ckpt = Checkpoint::open(path);
  ASSERT_TRUE(bool(ckpt)) << toString(ckpt.takeError());
  EXPECT_EQ((*ckpt)->format(), CheckpointFormat::Gguf);
  EXPECT_EQ((*ckpt)->config().vocabSize, 4);
  EXPECT_TRUE((*ckpt)->config().tieWordEmbeddings);
  EXPECT_TRUE((*ckpt)->ropeRowsPermuted());
  std::optional<CheckpointTensor> t =
      (*ckpt)->lookup("model.embed_tokens.weight");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->storedName, "token_embd.weight");
  EXPECT_EQ(t->shape, (std::vector<int64_t>{4, 8}));
  ASSERT_NE(t->gguf, nullptr);
}

TEST(Checkpoint, Errors) {
  TempDir dir;
  auto missing = Checkpoint::open(dir.file("nope"));
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(toString(missing.takeError()).find("no such file or directory"),
            std::string::npos);
  auto noConfig = Checkpoint::open(dir.path);
  ASSERT_FALSE(bool(noConfig));
  EXPECT_NE(toString(noConfig.takeError()).find("has no config.json"),
            std::string::npos);
}
