//===- AutoAwq.cpp - AutoAWQ GEMM format and HF config.json ---------------===//

#include "quantize/AutoAwq.h"
#include "quantize/Half.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;
using namespace awq::quant;

static Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Packing
//===----------------------------------------------------------------------===//

Expected<GemmPacked> awq::quant::packGemm(const QuantizedWeight &qw,
                                          StringRef name) {
  if (qw.bits != 4)
    return fail(formatv("linear '{0}': AutoAWQ GEMM packs 4-bit weights, "
                        "got {1} bits",
                        name, qw.bits));
  if (qw.symmetric)
    return fail("linear '" + name + "': AutoAWQ GEMM requires zero points "
                "(asymmetric quantization)");
  if (qw.n % 8 != 0)
    return fail(formatv("linear '{0}': N={1} is not a multiple of 8",
                        name, qw.n));
  if (qw.groupSize <= 0 || qw.k % qw.groupSize != 0)
    return fail(formatv("linear '{0}': group size {1} does not divide K={2}",
                        name, qw.groupSize, qw.k));
  int64_t n = qw.n, k = qw.k, groups = qw.numGroups(), words = n / 8;
  if (int64_t(qw.q.size()) != n * k ||
      int64_t(qw.scales.size()) != n * groups ||
      int64_t(qw.zeros.size()) != n * groups)
    return fail("linear '" + name + "': inconsistent quantized sizes");

  GemmPacked p;
  p.k = k;
  p.n = n;
  p.groupSize = qw.groupSize;
  p.qweight.assign(k * words, 0);
  p.qzeros.assign(groups * words, 0);
  p.scales.assign(groups * n, 0);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t g = 0; g < groups; ++g) {
      float s = qw.scales[row * groups + g];
      uint16_t h = floatToHalf(s);
      if (halfToFloat(h) != s)
        return fail(formatv("linear '{0}': scale {1} (row {2}, group {3}) is "
                            "not an f16 value; quantize in f16 arithmetic",
                            name, s, row, g));
      p.scales[g * n + row] = h;
    }
  for (int64_t c = 0; c < words; ++c)
    for (int i = 0; i < 8; ++i) {
      int64_t ch = 8 * c + kAwqPackOrder[i];
      for (int64_t kk = 0; kk < k; ++kk) {
        uint32_t v = qw.q[ch * k + kk];
        if (v > 15)
          return fail(formatv("linear '{0}': q={1} out of range", name, v));
        uint32_t &word = reinterpret_cast<uint32_t &>(p.qweight[kk * words + c]);
        word |= v << (4 * i);
      }
      for (int64_t g = 0; g < groups; ++g) {
        uint32_t z = qw.zeros[ch * groups + g];
        if (z > 15)
          return fail(formatv("linear '{0}': zero={1} out of range", name, z));
        uint32_t &word = reinterpret_cast<uint32_t &>(p.qzeros[g * words + c]);
        word |= z << (4 * i);
      }
    }
  return std::move(p);
}

Expected<QuantizedWeight> awq::quant::unpackGemm(const TensorView &qweight,
                                                 const TensorView &qzeros,
                                                 const TensorView &scales,
                                                 StringRef name) {
  auto shapeErr = [&](const TensorView &t, const Twine &msg) {
    return fail("linear '" + name + "': tensor '" + t.name + "': " + msg);
  };
  if (qweight.dtype != DType::I32 || qweight.shape.size() != 2)
    return shapeErr(qweight, "expected a 2-D I32 tensor [K, N/8]");
  if (qzeros.dtype != DType::I32 || qzeros.shape.size() != 2)
    return shapeErr(qzeros, "expected a 2-D I32 tensor [K/G, N/8]");
  if (scales.dtype != DType::F16 || scales.shape.size() != 2)
    return shapeErr(scales, "expected a 2-D F16 tensor [K/G, N]");
  int64_t k = qweight.shape[0], words = qweight.shape[1];
  int64_t groups = scales.shape[0], n = scales.shape[1];
  if (k <= 0 || words <= 0 || groups <= 0)
    return shapeErr(qweight, "empty shape");
  if (n != words * 8)
    return shapeErr(scales, formatv("has N={0} columns but qweight packs "
                                    "{1}x8",
                                    n, words));
  if (qzeros.shape[0] != groups || qzeros.shape[1] != words)
    return shapeErr(qzeros, formatv("shape [{0}, {1}] does not match "
                                    "[{2}, {3}] from scales and qweight",
                                    qzeros.shape[0], qzeros.shape[1], groups,
                                    words));
  if (k % groups != 0)
    return shapeErr(scales, formatv("{0} groups do not divide K={1}",
                                    groups, k));
  QuantizedWeight qw;
  qw.n = n;
  qw.k = k;
  qw.groupSize = k / groups;
  qw.bits = 4;
  qw.symmetric = false;
  qw.q.resize(n * k);
  qw.scales.resize(n * groups);
  qw.zeros.resize(n * groups);
  auto word = [](const TensorView &t, int64_t idx) {
    uint32_t v;
    std::memcpy(&v, t.bytes.data() + 4 * idx, 4);
    return v;
  };
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t c = 0; c < words; ++c) {
      uint32_t w = word(qweight, kk * words + c);
      for (int i = 0; i < 8; ++i)
        qw.q[(8 * c + kAwqPackOrder[i]) * k + kk] = (w >> (4 * i)) & 0xf;
    }
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t c = 0; c < words; ++c) {
      uint32_t w = word(qzeros, g * words + c);
      for (int i = 0; i < 8; ++i)
        qw.zeros[(8 * c + kAwqPackOrder[i]) * groups + g] = (w >> (4 * i)) & 0xf;
    }
    for (int64_t row = 0; row < n; ++row) {
      uint16_t h;
      std::memcpy(&h, scales.bytes.data() + 2 * (g * n + row), 2);
      qw.scales[row * groups + g] = halfToFloat(h);
    }
  }
  return std::move(qw);
}

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

Expected<json::Value> awq::quant::readJsonFile(StringRef path) {
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
    return fail("config '" + path + "': field 'rope_scaling' must be an "
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
    scaling.originalMaxPosition = static_cast<int64_t>(original);
  }
  c.ropeScaling = scaling;
  return Error::success();
}

Expected<HFModelConfig> awq::quant::parseHFConfig(const json::Value &value,
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
    std::optional<int64_t> i = v->getAsInteger();
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

Expected<HFModelConfig> awq::quant::readHFConfig(StringRef path) {
  SmallString<256> p(path);
  if (sys::fs::is_directory(p))
    sys::path::append(p, "config.json");
  Expected<json::Value> v = readJsonFile(p);
  if (!v)
    return v.takeError();
  return parseHFConfig(*v, p);
}

json::Value AwqQuantConfig::toJson() const {
  json::Object o{{"quant_method", "awq"},
                 {"zero_point", zeroPoint},
                 {"group_size", groupSize},
                 {"bits", bits},
                 {"version", version}};
  if (modulesToNotConvert.empty()) {
    o["modules_to_not_convert"] = nullptr;
  } else {
    json::Array a;
    for (const std::string &m : modulesToNotConvert)
      a.push_back(m);
    o["modules_to_not_convert"] = std::move(a);
  }
  return json::Value(std::move(o));
}

Expected<AwqQuantConfig>
awq::quant::parseAwqQuantConfig(const json::Value &config, StringRef path) {
  const json::Object *root = config.getAsObject();
  const json::Object *q = root ? root->getObject("quantization_config") : nullptr;
  if (!q)
    return fail("config '" + path + "': missing 'quantization_config' object");
  AwqQuantConfig c;
  std::optional<StringRef> method = q->getString("quant_method");
  if (!method || method->lower() != "awq")
    return fail("config '" + path + "': quantization_config.quant_method is "
                "not \"awq\"");
  std::optional<int64_t> bits = q->getInteger("bits");
  if (!bits)
    bits = q->getInteger("w_bit"); // AutoAWQ's own quant_config.json key.
  if (!bits || *bits != 4)
    return fail("config '" + path + "': quantization_config.bits must be 4");
  c.bits = 4;
  std::optional<int64_t> g = q->getInteger("group_size");
  if (!g)
    g = q->getInteger("q_group_size");
  if (!g || (*g <= 0 && *g != -1))
    return fail("config '" + path +
                "': quantization_config.group_size missing or invalid");
  c.groupSize = *g;
  std::optional<bool> zp = q->getBoolean("zero_point");
  if (!zp || !*zp)
    return fail("config '" + path +
                "': quantization_config.zero_point must be true for GEMM");
  c.zeroPoint = true;
  std::optional<StringRef> version = q->getString("version");
  if (!version || version->lower() != "gemm")
    return fail("config '" + path + "': quantization_config.version '" +
                version.value_or("<missing>") + "' is not GEMM");
  c.version = version->str();
  if (const json::Array *m = q->getArray("modules_to_not_convert"))
    for (const json::Value &v : *m)
      if (std::optional<StringRef> s = v.getAsString())
        c.modulesToNotConvert.push_back(s->str());
  return c;
}

bool awq::quant::isQuantizableLinear(StringRef name) {
  static const Regex re("\\.(self_attn\\.(q|k|v|o)_proj|mlp\\.(gate|up|down)_"
                        "proj)\\.weight$");
  return re.match(name);
}

//===----------------------------------------------------------------------===//
// Checkpoint directories
//===----------------------------------------------------------------------===//

Expected<AwqCheckpoint> awq::quant::readAwqCheckpoint(StringRef dir) {
  SmallString<256> cfgPath(dir);
  sys::path::append(cfgPath, "config.json");
  Expected<json::Value> cfg = readJsonFile(cfgPath);
  if (!cfg)
    return cfg.takeError();
  AwqCheckpoint ckpt;
  Expected<AwqQuantConfig> q = parseAwqQuantConfig(*cfg, cfgPath);
  if (!q)
    return q.takeError();
  ckpt.quant = std::move(*q);
  ckpt.config = std::move(*cfg->getAsObject());

  auto model = SafeTensorsModel::open(dir);
  if (!model)
    return model.takeError();
  std::vector<std::string> names = (*model)->tensorNames();
  StringSet<> consumed;
  for (const std::string &n : names) {
    StringRef name(n);
    if (!name.consume_back(".qweight"))
      continue;
    const TensorView *qw = (*model)->lookup(n);
    const TensorView *qz = (*model)->lookup((name + ".qzeros").str());
    const TensorView *sc = (*model)->lookup((name + ".scales").str());
    if (!qz || !sc)
      return fail("checkpoint '" + dir + "': linear '" + name +
                  "' has a qweight but no " + (qz ? "scales" : "qzeros"));
    // Validate by unpacking (shapes, dtypes, G), then keep the raw words.
    Expected<QuantizedWeight> unpacked = unpackGemm(*qw, *qz, *sc, name);
    if (!unpacked)
      return unpacked.takeError();
    int64_t g = unpacked->groupSize;
    if (ckpt.quant.groupSize > 0 && g != ckpt.quant.groupSize)
      return fail(formatv("checkpoint '{0}': linear '{1}' has group size {2}, "
                          "config says {3}",
                          dir, name, g, ckpt.quant.groupSize));
    GemmPacked p;
    p.k = unpacked->k;
    p.n = unpacked->n;
    p.groupSize = g;
    p.qweight.resize(qw->bytes.size() / 4);
    std::memcpy(p.qweight.data(), qw->bytes.data(), qw->bytes.size());
    p.qzeros.resize(qz->bytes.size() / 4);
    std::memcpy(p.qzeros.data(), qz->bytes.data(), qz->bytes.size());
    p.scales.resize(sc->bytes.size() / 2);
    std::memcpy(p.scales.data(), sc->bytes.data(), sc->bytes.size());
    ckpt.linears[name.str()] = std::move(p);
    consumed.insert(n);
    consumed.insert(qz->name);
    consumed.insert(sc->name);
  }
  for (const std::string &n : names) {
    if (consumed.contains(n))
      continue;
    StringRef name(n);
    if (name.ends_with(".qzeros") || name.ends_with(".scales"))
      return fail("checkpoint '" + dir + "': tensor '" + name +
                  "' has no matching .qweight");
    ckpt.others.push_back(OwnedTensor::copyOf(*(*model)->lookup(n)));
  }
  return std::move(ckpt);
}

Error awq::quant::writeAwqCheckpoint(StringRef dir, const AwqCheckpoint &ckpt,
                                     uint64_t maxShardBytes) {
  if (std::error_code ec = sys::fs::create_directories(dir))
    return fail("checkpoint '" + dir + "': cannot create: " + ec.message());
  std::vector<OwnedTensor> packed;
  for (auto &[name, p] : ckpt.linears) {
    int64_t words = p.n / 8, groups = p.k / p.groupSize;
    auto bytesOf = [](const auto &vec) {
      const uint8_t *b = reinterpret_cast<const uint8_t *>(vec.data());
      return std::vector<uint8_t>(b, b + vec.size() * sizeof(vec[0]));
    };
    packed.push_back({name + ".qweight", DType::I32, {p.k, words},
                      bytesOf(p.qweight)});
    packed.push_back({name + ".qzeros", DType::I32, {groups, words},
                      bytesOf(p.qzeros)});
    packed.push_back({name + ".scales", DType::F16, {groups, p.n},
                      bytesOf(p.scales)});
  }
  std::vector<TensorView> views;
  for (const OwnedTensor &t : packed)
    views.push_back(t.view());
  for (const OwnedTensor &t : ckpt.others)
    views.push_back(t.view());
  std::map<std::string, std::string> meta{{"format", "pt"}};
  if (Error err = writeShardedModel(dir, views, maxShardBytes, meta))
    return err;

  json::Object config = ckpt.config;
  config["quantization_config"] = ckpt.quant.toJson();
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", json::Value(std::move(config))) << '\n';
  os.flush();
  SmallString<256> cfgPath(dir);
  sys::path::append(cfgPath, "config.json");
  return writeFileAtomically(cfgPath, text);
}
