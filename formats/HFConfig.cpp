//===- HFConfig.cpp - Hugging Face config.json ----------------------------===//

#include "formats/HFConfig.h"
#include "formats/Json.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace llvm;
using namespace awq::formats;

static Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

Expected<json::Value> awq::formats::readJsonFile(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return fail("'" + path + "': cannot read: " + buf.getError().message());
  Expected<json::Value> v = json::parse((*buf)->getBuffer());
  if (!v)
    return fail("'" + path + "': invalid JSON: " + toString(v.takeError()));
  return std::move(*v);
}

/// `rope_scaling`: null, "default", "linear" (factor) or "llama3" (factor,
/// low/high_freq_factor, original_max_position_embeddings). Other rules
/// (dynamic, yarn, longrope) change the math in ways awq.rope does not
/// express: an error naming the field.
static Error parseRopeScaling(const json::Object &o, StringRef path,
                              HFModelConfig &c) {
  const json::Value *v = o.get("rope_scaling");
  if (!v || v->kind() == json::Value::Null)
    return Error::success();
  const json::Object *rs = v->getAsObject();
  if (!rs)
    return fail("config '" + path +
                "': field 'rope_scaling' must be an "
                "object or null");
  std::optional<StringRef> kind = rs->getString("rope_type");
  if (!kind)
    kind = rs->getString("type");
  if (!kind || *kind == "default")
    return Error::success();
  if (*kind != "linear" && *kind != "llama3")
    return fail("config '" + path + "': unsupported rope_scaling.rope_type '" +
                *kind + "' (supported: default, linear, llama3)");
  RopeScaling scaling;
  scaling.kind = kind->str();
  auto number = [&](StringRef key, double &out) -> Error {
    std::optional<double> n = rs->getNumber(key);
    if (!n || !(*n > 0))
      return fail("config '" + path + "': rope_scaling." + key +
                  " must be a positive number");
    out = *n;
    return Error::success();
  };
  if (Error err = number("factor", scaling.factor))
    return err;
  if (scaling.kind == "llama3") {
    double original = 0;
    if (Error err = number("low_freq_factor", scaling.lowFreqFactor))
      return err;
    if (Error err = number("high_freq_factor", scaling.highFreqFactor))
      return err;
    if (Error err = number("original_max_position_embeddings", original))
      return err;
    // Converting a double outside int64's range is undefined (the config
    // fuzzer found 8e71); real values are a few thousand.
    if (original > double(int64_t(1) << 40) || original != std::floor(original))
      return fail("config '" + path +
                  "': rope_scaling.original_max_position_embeddings must be "
                  "an integer below 2^40");
    scaling.originalMaxPosition = static_cast<int64_t>(original);
  }
  c.ropeScaling = scaling;
  return Error::success();
}

Expected<HFModelConfig> awq::formats::parseHFConfig(const json::Value &value,
                                                    StringRef path) {
  const json::Object *o = value.getAsObject();
  if (!o)
    return fail("config '" + path + "': not a JSON object");
  HFModelConfig c;
  std::optional<StringRef> type = o->getString("model_type");
  if (!type)
    return fail("config '" + path + "': missing string field 'model_type'");
  if (*type != "llama" && *type != "mistral" && *type != "qwen2")
    return fail("config '" + path + "': unsupported model_type '" + *type +
                "' (supported: llama, mistral, qwen2)");
  c.modelType = type->str();

  auto reqInt = [&](StringRef key, int64_t &out) -> Error {
    const json::Value *v = o->get(key);
    if (!v)
      return fail("config '" + path + "': missing field '" + key + "'");
    std::optional<int64_t> i = jsonInteger(*v);
    if (!i || *i <= 0)
      return fail("config '" + path + "': field '" + key +
                  "' must be a positive integer");
    out = *i;
    return Error::success();
  };
  for (auto [key, field] :
       {std::pair<StringRef, int64_t *>{"hidden_size", &c.hiddenSize},
        {"intermediate_size", &c.intermediateSize},
        {"num_attention_heads", &c.numAttentionHeads},
        {"num_hidden_layers", &c.numHiddenLayers},
        {"vocab_size", &c.vocabSize}})
    if (Error err = reqInt(key, *field))
      return std::move(err);

  c.numKeyValueHeads = c.numAttentionHeads;
  if (o->get("num_key_value_heads") &&
      o->get("num_key_value_heads")->kind() != json::Value::Null)
    if (Error err = reqInt("num_key_value_heads", c.numKeyValueHeads))
      return std::move(err);
  if (c.numAttentionHeads % c.numKeyValueHeads != 0)
    return fail(formatv("config '{0}': num_attention_heads={1} is not a "
                        "multiple of num_key_value_heads={2}",
                        path, c.numAttentionHeads, c.numKeyValueHeads));
  c.headDim = c.hiddenSize / c.numAttentionHeads;
  if (o->get("head_dim") && o->get("head_dim")->kind() != json::Value::Null) {
    if (Error err = reqInt("head_dim", c.headDim))
      return std::move(err);
  } else if (c.hiddenSize % c.numAttentionHeads != 0) {
    return fail(formatv("config '{0}': hidden_size={1} is not a multiple of "
                        "num_attention_heads={2}",
                        path, c.hiddenSize, c.numAttentionHeads));
  }

  std::optional<double> eps = o->getNumber("rms_norm_eps");
  if (!eps)
    return fail("config '" + path + "': missing number field 'rms_norm_eps'");
  if (!(*eps > 0))
    return fail("config '" + path + "': rms_norm_eps must be positive");
  c.rmsNormEps = *eps;
  if (std::optional<double> theta = o->getNumber("rope_theta"))
    c.ropeTheta = *theta;
  if (const json::Value *tie = o->get("tie_word_embeddings")) {
    std::optional<bool> b = tie->getAsBoolean();
    if (!b)
      return fail("config '" + path +
                  "': field 'tie_word_embeddings' must be a boolean");
    c.tieWordEmbeddings = *b;
  }
  if (Error err = parseRopeScaling(*o, path, c))
    return std::move(err);
  // transformers >= 4.56 writes "dtype"; older versions "torch_dtype".
  for (StringRef key : {"torch_dtype", "dtype"})
    if (std::optional<StringRef> d = o->getString(key)) {
      if (*d != "float16" && *d != "bfloat16" && *d != "float32")
        return fail("config '" + path + "': unsupported " + key + " '" + *d +
                    "'");
      c.torchDtype = d->str();
      break;
    }
  return c;
}

Expected<HFModelConfig> awq::formats::readHFConfig(StringRef path) {
  SmallString<256> p(path);
  if (sys::fs::is_directory(p))
    sys::path::append(p, "config.json");
  Expected<json::Value> v = readJsonFile(p);
  if (!v)
    return v.takeError();
  return parseHFConfig(*v, p);
}

double awq::formats::shortestF32(double v) {
  float f = float(v);
  for (int precision = 1; precision <= 9; ++precision) {
    char buffer[64];
    snprintf(buffer, sizeof(buffer), "%.*g", precision, double(f));
    double d = strtod(buffer, nullptr);
    if (float(d) == f)
      return d;
  }
  return v;
}
