//===- ModelBuilder.cpp - model IR for a whole decoder-only model ---------===//

#include "model/ModelBuilder.h"

#include "dialects/Awq/AwqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::awq;
using namespace ::awq::model;
namespace formats = ::awq::formats;

namespace {
/// Emits the ops of one function at a time; knows the model's types.
class IRWriter {
public:
  IRWriter(MLIRContext &ctx, const ModelDescription &d, StringRef irDir)
      : b(&ctx), d(d), irDir(irDir.str()) {
    act = elementType(d.activation);
    ids = RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type());
  }

  OwningOpRef<ModuleOp> build();

private:
  Type elementType(ElementKind kind);
  RankedTensorType rows(int64_t channels) {
    return RankedTensorType::get({ShapedType::kDynamic, channels}, act);
  }
  std::string relativeFile(StringRef file) const;
  Value weight(const TensorRef &ref);
  Value linear(Value x, const LinearRef &l, int64_t n);
  Value attention(Value x, Value positions, const LayerRefs &layer);
  Value mlp(Value x, const LayerRefs &layer);
  Value rmsNorm(Value x, const TensorRef &w);
  Value rope(Value x, Value positions);
  func::FuncOp buildLayer(ModuleOp module, int64_t index);
  func::FuncOp buildForward(ModuleOp module,
                            ArrayRef<func::FuncOp> layerFunctions);
  Location loc(StringRef name) { return NameLoc::get(b.getStringAttr(name)); }

  OpBuilder b;
  const ModelDescription &d;
  std::string irDir;
  Type act;
  RankedTensorType ids;
  /// One awq.weight per tensor and function (a tied embedding is read once).
  llvm::StringMap<Value> weights;
};
} // namespace

Type IRWriter::elementType(ElementKind kind) {
  switch (kind) {
  case ElementKind::F16:
    return b.getF16Type();
  case ElementKind::BF16:
    return b.getBF16Type();
  case ElementKind::F32:
    return b.getF32Type();
  case ElementKind::I4:
    return b.getIntegerType(4);
  }
  llvm_unreachable("unknown element kind");
}

std::string IRWriter::relativeFile(StringRef file) const {
  StringRef rest = file;
  if (!irDir.empty() && rest.consume_front(irDir) &&
      llvm::sys::path::is_separator(rest.front()))
    return rest.drop_front().str();
  return file.str();
}

static Storage toStorage(StorageKind kind) {
  switch (kind) {
  case StorageKind::Plain:
    return Storage::plain;
  case StorageKind::Transposed:
    return Storage::transposed;
  case StorageKind::AwqGemmQWeight:
    return Storage::awq_gemm_qweight;
  case StorageKind::AwqGemmQZeros:
    return Storage::awq_gemm_qzeros;
  case StorageKind::RopeInterleaved:
    return Storage::rope_interleaved;
  }
  llvm_unreachable("unknown storage kind");
}

Value IRWriter::weight(const TensorRef &ref) {
  std::string key = ref.file + "\n" + ref.name;
  if (Value cached = weights.lookup(key))
    return cached;
  auto type = RankedTensorType::get(ref.shape, elementType(ref.element));
  IntegerAttr headDim =
      ref.ropeHeadDim ? b.getI64IntegerAttr(ref.ropeHeadDim) : IntegerAttr();
  Value w =
      WeightOp::create(b, loc(ref.name), type, ref.name, relativeFile(ref.file),
                       toStorage(ref.storage), headDim);
  weights[key] = w;
  return w;
}

Value IRWriter::rmsNorm(Value x, const TensorRef &w) {
  return RmsNormOp::create(b, x.getLoc(), x.getType(), x, weight(w),
                           b.getF32FloatAttr(d.config.rmsNormEps));
}

Value IRWriter::linear(Value x, const LinearRef &l, int64_t n) {
  Value bias = l.bias ? weight(*l.bias) : Value();
  Location where = loc(l.name);
  if (!l.isQuantized())
    return LinearOp::create(b, where, rows(n), x, weight(*l.weight), bias,
                            b.getStringAttr(l.name));
  return QLinearOp::create(b, where, rows(n), x, weight(*l.qweight),
                           weight(*l.scales),
                           l.zeros ? weight(*l.zeros) : Value(), bias,
                           b.getI64IntegerAttr(l.groupSize),
                           b.getStringAttr(l.name), /*kernel_choices=*/nullptr,
                           /*kernels=*/nullptr);
}

Value IRWriter::rope(Value x, Value positions) {
  const formats::HFModelConfig &c = d.config;
  auto op = RopeOp::create(b, x.getLoc(), x.getType(), x, positions,
                           b.getI64IntegerAttr(c.headDim),
                           b.getF64FloatAttr(c.ropeTheta), nullptr, nullptr,
                           nullptr, nullptr, nullptr);
  if (const std::optional<formats::RopeScaling> &s = c.ropeScaling) {
    op.setScalingAttr(b.getStringAttr(s->kind));
    op.setScalingFactorAttr(b.getF64FloatAttr(s->factor));
    if (s->kind == "llama3") {
      op.setLowFreqFactorAttr(b.getF64FloatAttr(s->lowFreqFactor));
      op.setHighFreqFactorAttr(b.getF64FloatAttr(s->highFreqFactor));
      op.setOriginalMaxPositionAttr(
          b.getI64IntegerAttr(s->originalMaxPosition));
    }
  }
  return op;
}

Value IRWriter::attention(Value x, Value positions, const LayerRefs &layer) {
  const formats::HFModelConfig &c = d.config;
  int64_t qWidth = c.numAttentionHeads * c.headDim;
  int64_t kvWidth = c.numKeyValueHeads * c.headDim;
  Value normed = rmsNorm(x, layer.inputNorm);
  Value q = rope(linear(normed, layer.q, qWidth), positions);
  Value k = rope(linear(normed, layer.k, kvWidth), positions);
  Value v = linear(normed, layer.v, kvWidth);
  Value attended = AttentionOp::create(b, q.getLoc(), rows(qWidth), q, k, v,
                                       b.getI64IntegerAttr(c.numAttentionHeads),
                                       b.getI64IntegerAttr(c.numKeyValueHeads),
                                       b.getI64IntegerAttr(c.headDim),
                                       /*scale=*/nullptr);
  Value out = linear(attended, layer.o, c.hiddenSize);
  return arith::AddFOp::create(b, out.getLoc(), x, out);
}

Value IRWriter::mlp(Value x, const LayerRefs &layer) {
  int64_t inter = d.config.intermediateSize;
  Value normed = rmsNorm(x, layer.postAttentionNorm);
  Value gate = linear(normed, layer.gate, inter);
  Value up = linear(normed, layer.up, inter);
  Value act = SwiGluOp::create(b, up.getLoc(), up.getType(), gate, up);
  Value down = linear(act, layer.down, d.config.hiddenSize);
  return arith::AddFOp::create(b, down.getLoc(), x, down);
}

func::FuncOp IRWriter::buildLayer(ModuleOp module, int64_t index) {
  std::string name = llvm::formatv("layer_{0}", index).str();
  RankedTensorType hidden = rows(d.config.hiddenSize);
  b.setInsertionPointToEnd(module.getBody());
  auto fn = func::FuncOp::create(b, loc(name), name,
                                 b.getFunctionType({hidden, ids}, {hidden}));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  weights.clear();
  const LayerRefs &layer = d.layers[index];
  Value h = attention(body->getArgument(0), body->getArgument(1), layer);
  h = mlp(h, layer);
  func::ReturnOp::create(b, h.getLoc(), h);
  return fn;
}

func::FuncOp IRWriter::buildForward(ModuleOp module,
                                    ArrayRef<func::FuncOp> layerFunctions) {
  const formats::HFModelConfig &c = d.config;
  b.setInsertionPointToStart(module.getBody());
  auto fn =
      func::FuncOp::create(b, loc(kForwardFunction), kForwardFunction,
                           b.getFunctionType({ids, ids}, {rows(c.vocabSize)}));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  weights.clear();
  Value tokens = body->getArgument(0), positions = body->getArgument(1);
  Value h =
      EmbeddingOp::create(b, loc("model.embed_tokens"), rows(c.hiddenSize),
                          weight(d.embedding), tokens);
  for (func::FuncOp layer : layerFunctions)
    h = func::CallOp::create(b, layer.getLoc(), layer, ValueRange{h, positions})
            .getResult(0);
  h = rmsNorm(h, d.finalNorm);
  Value logits = linear(h, d.lmHead, c.vocabSize);
  func::ReturnOp::create(b, logits.getLoc(), logits);
  return fn;
}

OwningOpRef<ModuleOp> IRWriter::build() {
  const formats::HFModelConfig &c = d.config;
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc(d.source));
  SmallVector<func::FuncOp> layers;
  for (int64_t i = 0; i < c.numHiddenLayers; ++i)
    layers.push_back(buildLayer(*module, i));
  buildForward(*module, layers);
  NamedAttrList model;
  model.append("architecture", b.getStringAttr(c.modelType));
  model.append("format", b.getStringAttr(d.format));
  model.append("source", b.getStringAttr(d.source));
  model.append("vocab_size", b.getI64IntegerAttr(c.vocabSize));
  model.append("hidden_size", b.getI64IntegerAttr(c.hiddenSize));
  model.append("num_layers", b.getI64IntegerAttr(c.numHiddenLayers));
  (*module)->setAttr(kModelAttr, b.getDictionaryAttr(model));
  if (!d.tokenizerPath.empty())
    (*module)->setAttr(kTokenizerAttr,
                       b.getStringAttr(relativeFile(d.tokenizerPath)));
  return module;
}

namespace awq::model {
OwningOpRef<ModuleOp> buildModelIR(MLIRContext &context,
                                   const ModelDescription &description,
                                   StringRef irDirectory) {
  context.loadDialect<AwqDialect, arith::ArithDialect, func::FuncDialect>();
  return IRWriter(context, description, irDirectory).build();
}
} // namespace awq::model
