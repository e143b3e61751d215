//===- Export.cpp - a quantized model IR as an AutoAWQ checkpoint ---------===//

#include "model/Export.h"

#include "dialects/Awq/AwqOps.h"
#include "formats/AutoAwq.h"
#include "formats/HFConfig.h"
#include "formats/Half.h"
#include "model/ModelBuilder.h"
#include "passes/WeightEvaluator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <cstdio>

using namespace mlir;
using namespace mlir::awq;
namespace formats = ::awq::formats;
using llvm::Error;

static Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static const char *architectureOf(llvm::StringRef modelType) {
  if (modelType == "mistral")
    return "MistralForCausalLM";
  if (modelType == "qwen2")
    return "Qwen2ForCausalLM";
  return "LlamaForCausalLM";
}

namespace awq::model {
llvm::Expected<llvm::json::Object> hfConfigJson(const ModelDescription &d) {
  if (d.format != "gguf") {
    llvm::SmallString<256> path(d.source);
    llvm::sys::path::append(path, "config.json");
    auto json = formats::readJsonFile(path);
    if (!json)
      return json.takeError();
    llvm::json::Object config = *json->getAsObject();
    config.erase("quantization_config");
    config["torch_dtype"] = "float16";
    return config;
  }
  const formats::HFModelConfig &c = d.config;
  llvm::json::Object config{
      {"architectures", llvm::json::Array{architectureOf(c.modelType)}},
      {"model_type", c.modelType},
      {"hidden_size", c.hiddenSize},
      {"intermediate_size", c.intermediateSize},
      {"num_attention_heads", c.numAttentionHeads},
      {"num_key_value_heads", c.numKeyValueHeads},
      {"num_hidden_layers", c.numHiddenLayers},
      {"head_dim", c.headDim},
      {"vocab_size", c.vocabSize},
      {"rms_norm_eps", formats::shortestF32(c.rmsNormEps)},
      {"rope_theta", formats::shortestF32(c.ropeTheta)},
      {"tie_word_embeddings", c.tieWordEmbeddings},
      {"hidden_act", "silu"},
      {"torch_dtype", "float16"}};
  if (c.ropeScaling)
    config["rope_scaling"] = llvm::json::Object{
        {"rope_type", c.ropeScaling->kind}, {"factor", c.ropeScaling->factor}};
  return config;
}
} // namespace awq::model

namespace {
/// Collects the checkpoint's tensors from the quantized IR.
class Exporter {
public:
  Exporter(ModuleOp module, llvm::StringRef weightsDir)
      : module(module), symbols(module), evaluator(weightsDir.str()) {}

  Error collect(formats::AwqCheckpoint &out);

private:
  Error addFloat(Value value, llvm::StringRef name,
                 formats::AwqCheckpoint &out);
  Error addLinear(QLinearOp op, formats::AwqCheckpoint &out);
  Error addLayer(func::FuncOp layer, int64_t index,
                 formats::AwqCheckpoint &out);

  ModuleOp module;
  SymbolTable symbols;
  WeightEvaluator evaluator;
};
} // namespace

Error Exporter::addFloat(Value value, llvm::StringRef name,
                         formats::AwqCheckpoint &out) {
  FailureOr<HostTensor> t = evaluator.evaluate(value);
  if (failed(t))
    return fail("cannot evaluate tensor '" + name + "'");
  formats::OwnedTensor tensor;
  tensor.name = name.str();
  tensor.dtype = formats::DType::F16;
  tensor.shape.assign(t->shape.begin(), t->shape.end());
  tensor.bytes.resize(t->floats.size() * 2);
  for (size_t i = 0; i < t->floats.size(); ++i) {
    uint16_t bits = formats::floatToHalf(t->floats[i]);
    memcpy(&tensor.bytes[2 * i], &bits, 2);
  }
  out.others.push_back(std::move(tensor));
  return Error::success();
}

Error Exporter::addLinear(QLinearOp op, formats::AwqCheckpoint &out) {
  std::string name = op.getName() ? op.getName()->str() : "";
  if (name.empty())
    return fail("an awq.qlinear without a name cannot be exported");
  FailureOr<HostTensor> q = evaluator.evaluate(op.getQweight());
  FailureOr<HostTensor> s = evaluator.evaluate(op.getScales());
  FailureOr<HostTensor> z = op.getZeros() ? evaluator.evaluate(op.getZeros())
                                          : FailureOr<HostTensor>(failure());
  if (failed(q) || failed(s) || failed(z))
    return fail("linear '" + name +
                "': AutoAWQ GEMM needs evaluable q, "
                "scales and zero points (asymmetric quantization)");
  formats::QuantizedWeight w;
  w.n = op.getN();
  w.k = op.getK();
  w.groupSize = op.getGroupSize();
  w.bits = op.getBits();
  w.q.assign(q->ints.begin(), q->ints.end());
  w.scales = std::move(s->floats);
  w.zeros.assign(z->ints.begin(), z->ints.end());
  auto packed = formats::packAwqGemm(w, name);
  if (!packed)
    return packed.takeError();
  out.linears[name] = std::move(*packed);
  if (op.getBias())
    return addFloat(op.getBias(), name + ".bias", out);
  return Error::success();
}

/// A decoder layer's two norms (input, post-attention, in that order) and
/// its linears.
Error Exporter::addLayer(func::FuncOp layer, int64_t index,
                         formats::AwqCheckpoint &out) {
  std::string prefix = llvm::formatv("model.layers.{0}.", index).str();
  SmallVector<RmsNormOp> norms(layer.getOps<RmsNormOp>());
  if (norms.size() != 2)
    return fail("@" + layer.getSymName() + ": expected 2 RMS norms");
  if (Error err = addFloat(norms[0].getWeight(),
                           prefix + "input_layernorm.weight", out))
    return err;
  if (Error err = addFloat(norms[1].getWeight(),
                           prefix + "post_attention_layernorm.weight", out))
    return err;
  for (Operation &op : layer.getOps()) {
    if (auto q = dyn_cast<QLinearOp>(op))
      if (Error err = addLinear(q, out))
        return err;
    if (auto l = dyn_cast<LinearOp>(op))
      return fail("linear '" + (l.getName() ? *l.getName() : "") +
                  "' is not quantized");
  }
  return Error::success();
}

Error Exporter::collect(formats::AwqCheckpoint &out) {
  auto forward = symbols.lookup<func::FuncOp>(::awq::model::kForwardFunction);
  if (!forward)
    return fail("expected a @forward function");
  Value table;
  for (Operation &op : forward.getOps()) {
    if (auto embedding = dyn_cast<EmbeddingOp>(op)) {
      table = embedding.getTable();
      if (Error err = addFloat(table, "model.embed_tokens.weight", out))
        return err;
    } else if (auto norm = dyn_cast<RmsNormOp>(op)) {
      if (Error err = addFloat(norm.getWeight(), "model.norm.weight", out))
        return err;
    } else if (auto head = dyn_cast<LinearOp>(op)) {
      if (head.getWeight() != table) // tied heads are the embedding
        if (Error err = addFloat(head.getWeight(), "lm_head.weight", out))
          return err;
    }
  }
  int64_t index = 0;
  for (auto call : forward.getOps<func::CallOp>())
    if (Error err = addLayer(symbols.lookup<func::FuncOp>(call.getCallee()),
                             index++, out))
      return err;
  return Error::success();
}

namespace awq::model {
Error exportAutoAwq(ModuleOp quantized, const ModelDescription &d,
                    int64_t groupSize, llvm::StringRef dir,
                    llvm::StringRef weightsDir) {
  formats::AwqCheckpoint checkpoint;
  auto config = hfConfigJson(d);
  if (!config)
    return config.takeError();
  checkpoint.config = std::move(*config);
  checkpoint.quant.bits = 4;
  checkpoint.quant.groupSize = groupSize;
  checkpoint.quant.zeroPoint = true;
  if (Error err = Exporter(quantized, weightsDir).collect(checkpoint))
    return err;
  return formats::writeAwqCheckpoint(dir, checkpoint);
}
} // namespace awq::model
