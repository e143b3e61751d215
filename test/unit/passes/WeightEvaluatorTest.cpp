//===- WeightEvaluatorTest.cpp - host evaluation of weight expressions ----===//
//
// WeightEvaluator on IR parsed from strings, with weights written to a
// temporary directory by the formats/ library's safetensors writer: every
// producer, every awq.weight storage kind (the AutoAWQ GEMM unpacking both
// on a hand-packed word and against formats/' packer), the rounding of
// each element type, and the errors.
//
//===----------------------------------------------------------------------===//

#include "passes/WeightEvaluator.h"

#include "dialects/Awq/AwqDialect.h"
#include "dialects/Awq/AwqOps.h"
#include "formats/AutoAwq.h"
#include "formats/Half.h"
#include "formats/SafeTensors.h"
#include "quantize/Quantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::awq;
namespace formats = ::awq::formats;
namespace quant = ::awq::quant;

namespace {

class WeightEvaluatorTest : public ::testing::Test {
protected:
  void SetUp() override {
    context.loadDialect<AwqDialect, arith::ArithDialect, func::FuncDialect,
                        linalg::LinalgDialect, math::MathDialect,
                        tensor::TensorDialect>();
    SmallString<128> path;
    ASSERT_FALSE(
        llvm::sys::fs::createUniqueDirectory("awq-weight-evaluator", path));
    dir = std::string(path);
    handler = std::make_unique<ScopedDiagnosticHandler>(
        &context, [this](Diagnostic &diag) {
          errors.push_back(diag.str());
          return success();
        });
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  /// Writes `writer` as `<dir>/<name>`.
  void write(const formats::SafeTensorsWriter &writer, StringRef name) {
    SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    llvm::Error err = writer.write(path);
    ASSERT_FALSE(err) << llvm::toString(std::move(err));
  }

  /// Parses `body` as the body of `func.func @f() -> (types)` and returns
  /// the operands of its return. The module stays alive in `module`.
  SmallVector<Value> parse(StringRef types, StringRef body,
                           StringRef sourceName = "test.mlir") {
    std::string text = ("func.func @f() -> (" + types + ") {\n" + body +
                        "\n}\n")
                           .str();
    module = parseSourceString<ModuleOp>(text, ParserConfig(&context),
                                         sourceName);
    EXPECT_TRUE(module) << "parse failed: " << text;
    if (!module)
      return {};
    auto func = cast<func::FuncOp>(module->getBody()->front());
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    return SmallVector<Value>(ret.getOperands());
  }

  /// Evaluates the single returned value of `body`.
  FailureOr<HostTensor> eval(StringRef type, StringRef body,
                             WeightEvaluator *evaluator = nullptr) {
    SmallVector<Value> values = parse(type, body);
    if (values.size() != 1)
      return failure();
    WeightEvaluator own(dir);
    return (evaluator ? *evaluator : own).evaluate(values.front());
  }

  std::string lastError() const {
    return errors.empty() ? std::string() : errors.back();
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  std::string dir;
  std::vector<std::string> errors;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
};

std::vector<uint16_t> halfBits(ArrayRef<float> values) {
  std::vector<uint16_t> bits;
  for (float v : values)
    bits.push_back(formats::floatToHalf(v));
  return bits;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

TEST_F(WeightEvaluatorTest, DenseFloatConstantIsExact) {
  auto t = eval("tensor<2x2xf16>",
                "%c = arith.constant dense<[[0.1, -2.5], [65504.0, 1.0e-7]]> "
                ": tensor<2x2xf16>\nreturn %c : tensor<2x2xf16>");
  ASSERT_TRUE(succeeded(t)) << lastError();
  EXPECT_EQ(t->shape, (SmallVector<int64_t>{2, 2}));
  EXPECT_TRUE(t->elementType.isF16());
  ASSERT_EQ(t->floats.size(), 4u);
  EXPECT_EQ(t->floats[0], formats::roundToHalf(0.1f));
  EXPECT_EQ(t->floats[1], -2.5f);
  EXPECT_EQ(t->floats[2], 65504.0f);
  EXPECT_EQ(t->floats[3], formats::roundToHalf(1.0e-7f)); // subnormal f16
  EXPECT_TRUE(t->ints.empty());
}

TEST_F(WeightEvaluatorTest, SplatConstant) {
  auto t = eval("tensor<3x4xbf16>", "%c = arith.constant dense<0.1> : "
                                    "tensor<3x4xbf16>\nreturn %c : "
                                    "tensor<3x4xbf16>");
  ASSERT_TRUE(succeeded(t)) << lastError();
  ASSERT_EQ(t->floats.size(), 12u);
  for (float v : t->floats)
    EXPECT_EQ(v, formats::bf16ToFloat(formats::floatToBf16(0.1f)));
}

TEST_F(WeightEvaluatorTest, NarrowIntegersAreUnsignedWideOnesSigned) {
  // dense<-8> : i4 is the bit pattern 0b1000: q = 8.
  auto q = eval("tensor<2xi4>", "%c = arith.constant dense<[-8, 7]> : "
                                "tensor<2xi4>\nreturn %c : tensor<2xi4>");
  ASSERT_TRUE(succeeded(q)) << lastError();
  EXPECT_EQ(q->ints, (std::vector<int64_t>{8, 7}));
  auto b = eval("tensor<2xi8>", "%c = arith.constant dense<[-1, 3]> : "
                                "tensor<2xi8>\nreturn %c : tensor<2xi8>");
  ASSERT_TRUE(succeeded(b)) << lastError();
  EXPECT_EQ(b->ints, (std::vector<int64_t>{255, 3}));
  auto w = eval("tensor<2xi32>", "%c = arith.constant dense<[-8, 7]> : "
                                 "tensor<2xi32>\nreturn %c : tensor<2xi32>");
  ASSERT_TRUE(succeeded(w)) << lastError();
  EXPECT_EQ(w->ints, (std::vector<int64_t>{-8, 7}));
}

//===----------------------------------------------------------------------===//
// awq.weight
//===----------------------------------------------------------------------===//

TEST_F(WeightEvaluatorTest, PlainWeightOfEveryFloatType) {
  formats::SafeTensorsWriter writer;
  std::vector<float> values = {0.1f, -1.5f, 3.25f, 1000.0f, -0.0f, 7.0f};
  ASSERT_FALSE(writer.addF16Bits("h", {2, 3}, halfBits(values)));
  ASSERT_FALSE(writer.addF32("f", {2, 3}, values));
  std::vector<uint8_t> bf;
  for (float v : values) {
    uint16_t b = formats::floatToBf16(v);
    bf.push_back(b & 0xff);
    bf.push_back(b >> 8);
  }
  ASSERT_FALSE(writer.add("b", formats::DType::BF16, {2, 3}, bf));
  write(writer, "w.safetensors");

  auto h = eval("tensor<2x3xf16>", R"(
    %w = awq.weight "h" from "w.safetensors" : tensor<2x3xf16>
    return %w : tensor<2x3xf16>)");
  ASSERT_TRUE(succeeded(h)) << lastError();
  auto f = eval("tensor<2x3xf32>", R"(
    %w = awq.weight "f" from "w.safetensors" : tensor<2x3xf32>
    return %w : tensor<2x3xf32>)");
  ASSERT_TRUE(succeeded(f)) << lastError();
  auto b = eval("tensor<2x3xbf16>", R"(
    %w = awq.weight "b" from "w.safetensors" : tensor<2x3xbf16>
    return %w : tensor<2x3xbf16>)");
  ASSERT_TRUE(succeeded(b)) << lastError();
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(h->floats[i], formats::roundToHalf(values[i]));
    EXPECT_EQ(f->floats[i], values[i]);
    EXPECT_EQ(b->floats[i],
              formats::bf16ToFloat(formats::floatToBf16(values[i])));
  }
}

TEST_F(WeightEvaluatorTest, PlainIntegerWeights) {
  formats::SafeTensorsWriter writer;
  ASSERT_FALSE(writer.addI32("i", {3}, {-5, 0, 1 << 30}));
  ASSERT_FALSE(writer.add("u", formats::DType::U8, {3}, {0, 15, 255}));
  write(writer, "w.safetensors");
  auto i = eval("tensor<3xi32>", R"(
    %w = awq.weight "i" from "w.safetensors" : tensor<3xi32>
    return %w : tensor<3xi32>)");
  ASSERT_TRUE(succeeded(i)) << lastError();
  EXPECT_EQ(i->ints, (std::vector<int64_t>{-5, 0, 1 << 30}));
  auto u = eval("tensor<3xi8>", R"(
    %w = awq.weight "u" from "w.safetensors" : tensor<3xi8>
    return %w : tensor<3xi8>)");
  ASSERT_TRUE(succeeded(u)) << lastError();
  EXPECT_EQ(u->ints, (std::vector<int64_t>{0, 15, 255}));
}

TEST_F(WeightEvaluatorTest, TransposedWeight) {
  // Stored [3, 2] = [[1, 2], [3, 4], [5, 6]]; logical [2, 3].
  formats::SafeTensorsWriter writer;
  ASSERT_FALSE(writer.addF32("t", {3, 2}, {1, 2, 3, 4, 5, 6}));
  write(writer, "w.safetensors");
  auto t = eval("tensor<2x3xf32>", R"(
    %w = awq.weight "t" from "w.safetensors" storage <transposed> : tensor<2x3xf32>
    return %w : tensor<2x3xf32>)");
  ASSERT_TRUE(succeeded(t)) << lastError();
  EXPECT_EQ(t->floats, (std::vector<float>{1, 3, 5, 2, 4, 6}));
}

TEST_F(WeightEvaluatorTest, AwqGemmNibbleOrderByHand) {
  // One word, nibble i = i. Nibble i holds channel order[i] with
  // order = [0, 2, 4, 6, 1, 3, 5, 7], so channels 0..7 hold
  // [0, 4, 1, 5, 2, 6, 3, 7]. Second word (k = 1): nibble i = 15 - i.
  formats::SafeTensorsWriter writer;
  ASSERT_FALSE(writer.addI32("qw", {2, 1},
                             {0x76543210, int32_t(0x89ABCDEFu)}));
  write(writer, "w.safetensors");
  auto q = eval("tensor<8x2xi4>", R"(
    %w = awq.weight "qw" from "w.safetensors" storage <awq_gemm_qweight> : tensor<8x2xi4>
    return %w : tensor<8x2xi4>)");
  ASSERT_TRUE(succeeded(q)) << lastError();
  std::vector<int64_t> want = {0, 15, 4, 11, 1, 14, 5, 10,
                               2, 13, 6, 9,  3, 12, 7, 8};
  EXPECT_EQ(q->ints, want);
}

TEST_F(WeightEvaluatorTest, AwqGemmMatchesQuantizePacker) {
  // A real quantized weight, packed by formats/' AutoAWQ writer, unpacks
  // to the same q and zero points.
  const int64_t n = 16, k = 256, g = 128;
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> w(n * k);
  for (float &v : w)
    v = dist(rng);
  quant::QuantConfig config;
  config.groupSize = g;
  config.arith = quant::QuantArith::F16;
  auto qw = quant::quantizeRTN(w, n, k, config);
  ASSERT_TRUE(bool(qw)) << llvm::toString(qw.takeError());
  auto packed = formats::packAwqGemm(*qw);
  ASSERT_TRUE(bool(packed)) << llvm::toString(packed.takeError());
  formats::SafeTensorsWriter writer;
  ASSERT_FALSE(writer.addI32("l.qweight", {k, n / 8}, packed->qweight));
  ASSERT_FALSE(writer.addI32("l.qzeros", {k / g, n / 8}, packed->qzeros));
  write(writer, "q.safetensors");

  SmallVector<Value> values = parse("tensor<16x256xi4>, tensor<16x2xi4>", R"(
    %q = awq.weight "l.qweight" from "q.safetensors" storage <awq_gemm_qweight> : tensor<16x256xi4>
    %z = awq.weight "l.qzeros" from "q.safetensors" storage <awq_gemm_qzeros> : tensor<16x2xi4>
    return %q, %z : tensor<16x256xi4>, tensor<16x2xi4>)");
  ASSERT_EQ(values.size(), 2u);
  WeightEvaluator evaluator(dir);
  auto q = evaluator.evaluate(values[0]);
  auto z = evaluator.evaluate(values[1]);
  ASSERT_TRUE(succeeded(q) && succeeded(z)) << lastError();
  EXPECT_EQ(q->ints, std::vector<int64_t>(qw->q.begin(), qw->q.end()));
  EXPECT_EQ(z->ints, std::vector<int64_t>(qw->zeros.begin(), qw->zeros.end()));
}

TEST_F(WeightEvaluatorTest, RelativePathsResolveAgainstTheIRFile) {
  formats::SafeTensorsWriter writer;
  ASSERT_FALSE(writer.addF32("v", {2}, {1.5f, 2.5f}));
  write(writer, "w.safetensors");
  SmallString<128> irFile(dir);
  llvm::sys::path::append(irFile, "model.mlir");
  SmallVector<Value> values = parse("tensor<2xf32>", R"(
    %w = awq.weight "v" from "w.safetensors" : tensor<2xf32>
    return %w : tensor<2xf32>)",
                                    irFile);
  ASSERT_EQ(values.size(), 1u);
  WeightEvaluator noBase; // no base directory: the IR file's
  auto t = noBase.evaluate(values[0]);
  ASSERT_TRUE(succeeded(t)) << lastError();
  EXPECT_EQ(t->floats, (std::vector<float>{1.5f, 2.5f}));
  // An explicit base directory wins.
  WeightEvaluator elsewhere("/nonexistent-awq-dir");
  EXPECT_TRUE(failed(elsewhere.evaluate(values[0])));
  EXPECT_NE(lastError().find("/nonexistent-awq-dir/w.safetensors"),
            std::string::npos)
      << lastError();
  // Absolute names are used as they are.
  EXPECT_EQ(elsewhere.resolvePath(values[0].getDefiningOp(), "/a/b.st"),
            "/a/b.st");
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

TEST_F(WeightEvaluatorTest, ScaleOnEachAxisRoundsOnce) {
  const char *body = R"(
    %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf16>
    %r = arith.constant dense<[3.0, 7.0]> : tensor<2xf32>
    %c = arith.constant dense<[3.0, 1.0, 0.1]> : tensor<3xf32>
    %a = awq.scale %w, %r {axis = 0 : i64} : tensor<2x3xf16>, tensor<2xf32>
    %b = awq.scale %w, %c : tensor<2x3xf16>, tensor<3xf32>
    return %a, %b : tensor<2x3xf16>, tensor<2x3xf16>)";
  SmallVector<Value> values = parse("tensor<2x3xf16>, tensor<2x3xf16>", body);
  ASSERT_EQ(values.size(), 2u);
  WeightEvaluator evaluator(dir);
  auto a = evaluator.evaluate(values[0]);
  auto b = evaluator.evaluate(values[1]);
  ASSERT_TRUE(succeeded(a) && succeeded(b)) << lastError();
  float w[6] = {1, 2, 3, 4, 5, 6};
  float rows[2] = {3.0f, 7.0f}, cols[3] = {3.0f, 1.0f, 0.1f};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(a->floats[i], formats::roundToHalf(w[i] / rows[i / 3])) << i;
    EXPECT_EQ(b->floats[i], formats::roundToHalf(w[i] / cols[i % 3])) << i;
  }
  // 1 / 3 in f16 is 0.333251953125 (0x3555).
  EXPECT_EQ(a->floats[0], 0.333251953125f);
}

TEST_F(WeightEvaluatorTest, ScaleOfRankOneBf16) {
  auto t = eval("tensor<2xbf16>", R"(
    %w = arith.constant dense<[1.0, 1.0]> : tensor<2xbf16>
    %s = arith.constant dense<[3.0, 0.5]> : tensor<2xf32>
    %y = awq.scale %w, %s : tensor<2xbf16>, tensor<2xf32>
    return %y : tensor<2xbf16>)");
  ASSERT_TRUE(succeeded(t)) << lastError();
  EXPECT_EQ(t->floats[0], formats::bf16ToFloat(formats::floatToBf16(1.0f / 3)));
  EXPECT_EQ(t->floats[1], 2.0f);
}

TEST_F(WeightEvaluatorTest, ArithOnTensors) {
  auto t = eval("tensor<3xf16>", R"(
    %a = arith.constant dense<[1.0, 3.0, 1000.0]> : tensor<3xf16>
    %b = arith.constant dense<[3.0, 7.0, 0.001]> : tensor<3xf16>
    %d = arith.divf %a, %b : tensor<3xf16>
    %m = arith.mulf %d, %b : tensor<3xf16>
    %e = arith.extf %m : tensor<3xf16> to tensor<3xf32>
    %c = arith.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
    %s = arith.addf %e, %c : tensor<3xf32>
    %n = arith.negf %s : tensor<3xf32>
    %u = arith.subf %n, %c : tensor<3xf32>
    %t = arith.truncf %u : tensor<3xf32> to tensor<3xf16>
    return %t : tensor<3xf16>)");
  ASSERT_TRUE(succeeded(t)) << lastError();
  float a[3] = {1, 3, 1000}, b[3] = {3, 7, formats::roundToHalf(0.001f)};
  float c[3] = {0.1f, 0.2f, 0.3f};
  for (int i = 0; i < 3; ++i) {
    float d = formats::roundToHalf(a[i] / b[i]);
    float m = formats::roundToHalf(d * b[i]);
    float u = -(m + c[i]) - c[i];
    EXPECT_EQ(t->floats[i], formats::roundToHalf(u)) << i;
  }
}

TEST_F(WeightEvaluatorTest, ApplyScalesExpression) {
  // What awq-apply-scales builds: truncf(extf(W) * broadcast(s)).
  auto t = eval("tensor<2x3xf16>", R"(
    %w = arith.constant dense<[[1.0, 2.0, 3.0], [0.1, 0.2, 0.3]]> : tensor<2x3xf16>
    %s = arith.constant dense<[1.5, 0.7, 3.0]> : tensor<3xf32>
    %we = arith.extf %w : tensor<2x3xf16> to tensor<2x3xf32>
    %e = tensor.empty() : tensor<2x3xf32>
    %b = linalg.broadcast ins(%s : tensor<3xf32>) outs(%e : tensor<2x3xf32>) dimensions = [0]
    %p = arith.mulf %we, %b : tensor<2x3xf32>
    %r = arith.truncf %p : tensor<2x3xf32> to tensor<2x3xf16>
    return %r : tensor<2x3xf16>)");
  ASSERT_TRUE(succeeded(t)) << lastError();
  float w[6] = {1, 2, 3, 0.1f, 0.2f, 0.3f}, s[3] = {1.5f, 0.7f, 3.0f};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(t->floats[i], formats::roundToHalf(formats::roundToHalf(w[i]) *
                                               s[i % 3]))
        << i;
}

TEST_F(WeightEvaluatorTest, BroadcastAlongTheLastDimension) {
  auto t = eval("tensor<2x3xi32>", R"(
    %s = arith.constant dense<[4, -5]> : tensor<2xi32>
    %e = tensor.empty() : tensor<2x3xi32>
    %b = linalg.broadcast ins(%s : tensor<2xi32>) outs(%e : tensor<2x3xi32>) dimensions = [1]
    return %b : tensor<2x3xi32>)");
  ASSERT_TRUE(succeeded(t)) << lastError();
  EXPECT_EQ(t->ints, (std::vector<int64_t>{4, 4, 4, -5, -5, -5}));
}

TEST_F(WeightEvaluatorTest, ConcatAlongEachDimension) {
  const char *body = R"(
    %a = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi4>
    %b = arith.constant dense<[[5], [6]]> : tensor<2x1xi4>
    %c = arith.constant dense<[[7, 8]]> : tensor<1x2xi4>
    %r = tensor.concat dim(1) %a, %b : (tensor<2x2xi4>, tensor<2x1xi4>) -> tensor<2x3xi4>
    %d = tensor.concat dim(0) %a, %c : (tensor<2x2xi4>, tensor<1x2xi4>) -> tensor<3x2xi4>
    return %r, %d : tensor<2x3xi4>, tensor<3x2xi4>)";
  SmallVector<Value> values = parse("tensor<2x3xi4>, tensor<3x2xi4>", body);
  ASSERT_EQ(values.size(), 2u);
  WeightEvaluator evaluator(dir);
  auto r = evaluator.evaluate(values[0]);
  auto d = evaluator.evaluate(values[1]);
  ASSERT_TRUE(succeeded(r) && succeeded(d)) << lastError();
  EXPECT_EQ(r->ints, (std::vector<int64_t>{1, 2, 5, 3, 4, 6}));
  EXPECT_EQ(d->ints, (std::vector<int64_t>{1, 2, 3, 4, 7, 8}));
  EXPECT_EQ(d->shape, (SmallVector<int64_t>{3, 2}));
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST_F(WeightEvaluatorTest, BlockArgumentIsAnError) {
  module = parseSourceString<ModuleOp>(
      "func.func @f(%w: tensor<2xf32>) -> tensor<2xf32> {\n"
      "  return %w : tensor<2xf32>\n}\n",
      ParserConfig(&context));
  ASSERT_TRUE(module);
  auto func = cast<func::FuncOp>(module->getBody()->front());
  WeightEvaluator evaluator(dir);
  EXPECT_TRUE(failed(evaluator.evaluate(func.getArgument(0))));
  EXPECT_NE(lastError().find("cannot evaluate a block argument"),
            std::string::npos)
      << lastError();
}

TEST_F(WeightEvaluatorTest, DynamicShapeIsAnError) {
  module = parseSourceString<ModuleOp>(
      "func.func @f(%w: tensor<?xf32>) -> tensor<?xf32> {\n"
      "  return %w : tensor<?xf32>\n}\n",
      ParserConfig(&context));
  ASSERT_TRUE(module);
  auto func = cast<func::FuncOp>(module->getBody()->front());
  WeightEvaluator evaluator(dir);
  EXPECT_TRUE(failed(evaluator.evaluate(func.getArgument(0))));
  EXPECT_NE(lastError().find("expected a statically shaped tensor"),
            std::string::npos)
      << lastError();
}

TEST_F(WeightEvaluatorTest, UnsupportedOpIsAnError) {
  auto t = eval("tensor<2xf32>", R"(
    %c = arith.constant dense<1.0> : tensor<2xf32>
    %e = math.exp %c : tensor<2xf32>
    return %e : tensor<2xf32>)");
  EXPECT_TRUE(failed(t));
  EXPECT_NE(lastError().find("cannot evaluate 'math.exp' on the host"),
            std::string::npos)
      << lastError();
}

TEST_F(WeightEvaluatorTest, ErrorsInsideExpressionsPropagate) {
  auto t = eval("tensor<2xf32>", R"(
    %w = awq.weight "v" from "missing.safetensors" : tensor<2xf32>
    %s = arith.constant dense<2.0> : tensor<2xf32>
    %y = awq.scale %w, %s : tensor<2xf32>, tensor<2xf32>
    return %y : tensor<2xf32>)");
  EXPECT_TRUE(failed(t));
  EXPECT_NE(lastError().find("cannot read weights"), std::string::npos)
      << lastError();
  EXPECT_NE(lastError().find("missing.safetensors"), std::string::npos);
}

TEST_F(WeightEvaluatorTest, FileErrors) {
  formats::SafeTensorsWriter writer;
  ASSERT_FALSE(writer.addF32("v", {2, 3}, {1, 2, 3, 4, 5, 6}));
  ASSERT_FALSE(writer.addF32("qw", {4, 1}, {1, 2, 3, 4}));
  write(writer, "w.safetensors");
  struct Case {
    const char *type, *body, *message;
  } cases[] = {
      {"tensor<2x3xf32>",
       "%w = awq.weight \"nope\" from \"w.safetensors\" : tensor<2x3xf32>\n"
       "return %w : tensor<2x3xf32>",
       "tensor 'nope' not found in"},
      {"tensor<3x2xf32>",
       "%w = awq.weight \"v\" from \"w.safetensors\" : tensor<3x2xf32>\n"
       "return %w : tensor<3x2xf32>",
       "has shape [2, 3], expected [3, 2] for storage 'plain'"},
      {"tensor<2x3xf32>",
       "%w = awq.weight \"v\" from \"w.safetensors\" storage <transposed> : "
       "tensor<2x3xf32>\nreturn %w : tensor<2x3xf32>",
       "has shape [2, 3], expected [3, 2] for storage 'transposed'"},
      {"tensor<2x3xf16>",
       "%w = awq.weight \"v\" from \"w.safetensors\" : tensor<2x3xf16>\n"
       "return %w : tensor<2x3xf16>",
       "has dtype F32, which does not hold 'f16' values"},
      {"tensor<8x4xi4>",
       "%w = awq.weight \"qw\" from \"w.safetensors\" storage "
       "<awq_gemm_qweight> : tensor<8x4xi4>\nreturn %w : tensor<8x4xi4>",
       "has dtype F32, expected I32 for storage 'awq_gemm_qweight'"},
      {"tensor<2x3xi4>",
       "%w = awq.weight \"v\" from \"w.safetensors\" : tensor<2x3xi4>\n"
       "return %w : tensor<2x3xi4>",
       "which does not hold 'i4' values"},
  };
  for (const Case &c : cases) {
    errors.clear();
    EXPECT_TRUE(failed(eval(c.type, c.body))) << c.body;
    EXPECT_NE(lastError().find(c.message), std::string::npos)
        << "got: " << lastError() << "\nwant: " << c.message;
  }
}

TEST_F(WeightEvaluatorTest, NotASafetensorsFile) {
  SmallString<128> path(dir);
  llvm::sys::path::append(path, "bad.safetensors");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << "definitely not a safetensors file";
  }
  auto t = eval("tensor<2xf32>", R"(
    %w = awq.weight "v" from "bad.safetensors" : tensor<2xf32>
    return %w : tensor<2xf32>)");
  EXPECT_TRUE(failed(t));
  EXPECT_NE(lastError().find("cannot read weights"), std::string::npos)
      << lastError();
}

} // namespace
