//===- AutoAwq.cpp - AutoAWQ GEMM format ----------------------------------===//

#include "formats/AutoAwq.h"
#include "formats/Json.h"
#include "formats/Half.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;
using namespace awq::formats;

static Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Nibble packing
//===----------------------------------------------------------------------===//

void awq::formats::packAwqNibbles(const uint8_t *values, int64_t n,
                                  int64_t rows, int32_t *words) {
  int64_t cols = n / 8;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      uint32_t word = 0;
      for (int i = 0; i < 8; ++i)
        word |= uint32_t(values[(8 * c + kAwqPackOrder[i]) * rows + r] & 0xf)
                << (4 * i);
      words[r * cols + c] = int32_t(word);
    }
}

void awq::formats::unpackAwqNibbles(const uint8_t *wordBytes, int64_t rows,
                                    int64_t n, uint8_t *values) {
  int64_t cols = n / 8;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      // memcpy: a mapped safetensors tensor need not be 4-byte aligned.
      uint32_t word;
      std::memcpy(&word, wordBytes + 4 * (r * cols + c), 4);
      for (int i = 0; i < 8; ++i)
        values[(8 * c + kAwqPackOrder[i]) * rows + r] = (word >> (4 * i)) & 0xf;
    }
}

//===----------------------------------------------------------------------===//
// GEMM packing
//===----------------------------------------------------------------------===//

/// The first value above 15 in `values` ([n, rows]), as (index, value).
static std::optional<std::pair<int64_t, unsigned>>
firstAbove15(const std::vector<uint8_t> &values) {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i] > 15)
      return std::make_pair(int64_t(i), unsigned(values[i]));
  return std::nullopt;
}

Expected<AwqGemmWeights> awq::formats::packAwqGemm(const QuantizedWeight &qw,
                                                   StringRef name) {
  if (qw.bits != 4)
    return fail(formatv("linear '{0}': AutoAWQ GEMM packs 4-bit weights, "
                        "got {1} bits",
                        name, qw.bits));
  if (qw.symmetric || !qw.hasZeros())
    return fail("linear '" + name + "': AutoAWQ GEMM requires zero points "
                "(asymmetric quantization)");
  if (qw.n % 8 != 0)
    return fail(formatv("linear '{0}': N={1} is not a multiple of 8",
                        name, qw.n));
  if (qw.groupSize <= 0 || qw.k % qw.groupSize != 0)
    return fail(formatv("linear '{0}': group size {1} does not divide K={2}",
                        name, qw.groupSize, qw.k));
  int64_t n = qw.n, k = qw.k, groups = qw.numGroups();
  if (int64_t(qw.q.size()) != n * k ||
      int64_t(qw.scales.size()) != n * groups ||
      int64_t(qw.zeros.size()) != n * groups)
    return fail("linear '" + name + "': inconsistent quantized sizes");

  AwqGemmWeights p;
  p.n = n;
  p.k = k;
  p.groupSize = qw.groupSize;
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
  if (auto bad = firstAbove15(qw.q))
    return fail(formatv("linear '{0}': q={1} out of range", name,
                        bad->second));
  if (auto bad = firstAbove15(qw.zeros))
    return fail(formatv("linear '{0}': zero={1} out of range", name,
                        bad->second));
  p.qweight.resize(k * (n / 8));
  p.qzeros.resize(groups * (n / 8));
  packAwqNibbles(qw.q.data(), n, k, p.qweight.data());
  packAwqNibbles(qw.zeros.data(), n, groups, p.qzeros.data());
  return std::move(p);
}

Expected<QuantizedWeight>
awq::formats::unpackAwqGemm(const AwqGemmWeights &w) {
  if (w.n <= 0 || w.k <= 0 || w.groupSize <= 0 || w.k % w.groupSize != 0 ||
      w.n % 8 != 0)
    return fail(formatv("invalid AutoAWQ shape: n={0} (must be a multiple of "
                        "8) k={1} group_size={2}",
                        w.n, w.k, w.groupSize));
  int64_t cols = w.n / 8, groups = w.k / w.groupSize;
  if (w.qweight.size() != size_t(w.k * cols))
    return fail(formatv("qweight has {0} words, expected [K, N/8] = {1}",
                        w.qweight.size(), w.k * cols));
  if (w.qzeros.size() != size_t(groups * cols))
    return fail(formatv("qzeros has {0} words, expected [K/G, N/8] = {1}",
                        w.qzeros.size(), groups * cols));
  if (w.scales.size() != size_t(groups * w.n))
    return fail(formatv("scales has {0} elements, expected [K/G, N] = {1}",
                        w.scales.size(), groups * w.n));
  QuantizedWeight qw;
  qw.n = w.n;
  qw.k = w.k;
  qw.groupSize = w.groupSize;
  qw.bits = 4;
  qw.q.resize(w.n * w.k);
  qw.zeros.resize(w.n * groups);
  qw.scales.resize(w.n * groups);
  unpackAwqNibbles(reinterpret_cast<const uint8_t *>(w.qweight.data()), w.k,
                   w.n, qw.q.data());
  unpackAwqNibbles(reinterpret_cast<const uint8_t *>(w.qzeros.data()), groups,
                   w.n, qw.zeros.data());
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t row = 0; row < w.n; ++row)
      qw.scales[row * groups + g] = halfToFloat(w.scales[g * w.n + row]);
  return std::move(qw);
}

Expected<AwqGemmWeights>
awq::formats::awqGemmFromTensors(const TensorView &qweight,
                                 const TensorView &qzeros,
                                 const TensorView &scales, StringRef name) {
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
  AwqGemmWeights p;
  p.n = n;
  p.k = k;
  p.groupSize = k / groups;
  auto copyTo = [](const TensorView &t, auto &out) {
    out.resize(t.bytes.size() / sizeof(out[0]));
    std::memcpy(out.data(), t.bytes.data(), t.bytes.size());
  };
  copyTo(qweight, p.qweight);
  copyTo(qzeros, p.qzeros);
  copyTo(scales, p.scales);
  return std::move(p);
}

Expected<QuantizedWeight> awq::formats::unpackAwqGemm(const TensorView &qweight,
                                                      const TensorView &qzeros,
                                                      const TensorView &scales,
                                                      StringRef name) {
  Expected<AwqGemmWeights> packed =
      awqGemmFromTensors(qweight, qzeros, scales, name);
  if (!packed)
    return packed.takeError();
  return unpackAwqGemm(*packed);
}

//===----------------------------------------------------------------------===//
// quantization_config
//===----------------------------------------------------------------------===//

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
awq::formats::parseAwqQuantConfig(const json::Value &config, StringRef path) {
  const json::Object *root = config.getAsObject();
  const json::Object *q = root ? root->getObject("quantization_config") : nullptr;
  if (!q)
    return fail("config '" + path + "': missing 'quantization_config' object");
  AwqQuantConfig c;
  std::optional<StringRef> method = q->getString("quant_method");
  if (!method || method->lower() != "awq")
    return fail("config '" + path + "': quantization_config.quant_method is "
                "not \"awq\"");
  std::optional<int64_t> bits = jsonInteger(*q, "bits");
  if (!bits)
    bits = jsonInteger(*q, "w_bit"); // AutoAWQ's own quant_config.json key.
  if (!bits || *bits != 4)
    return fail("config '" + path + "': quantization_config.bits must be 4");
  c.bits = 4;
  std::optional<int64_t> g = jsonInteger(*q, "group_size");
  if (!g)
    g = jsonInteger(*q, "q_group_size");
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

bool awq::formats::isQuantizableLinear(StringRef name) {
  static const Regex re("\\.(self_attn\\.(q|k|v|o)_proj|mlp\\.(gate|up|down)_"
                        "proj)\\.weight$");
  return re.match(name);
}

//===----------------------------------------------------------------------===//
// Checkpoint directories
//===----------------------------------------------------------------------===//

Expected<AwqCheckpoint> awq::formats::readAwqCheckpoint(StringRef dir) {
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
    // Validate shapes and dtypes (and so G), keeping the raw words.
    Expected<AwqGemmWeights> p = awqGemmFromTensors(*qw, *qz, *sc, name);
    if (!p)
      return p.takeError();
    if (ckpt.quant.groupSize > 0 && p->groupSize != ckpt.quant.groupSize)
      return fail(formatv("checkpoint '{0}': linear '{1}' has group size {2}, "
                          "config says {3}",
                          dir, name, p->groupSize, ckpt.quant.groupSize));
    ckpt.linears[name.str()] = std::move(*p);
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

Error awq::formats::writeAwqCheckpoint(StringRef dir, const AwqCheckpoint &ckpt,
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
