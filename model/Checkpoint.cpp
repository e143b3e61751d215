//===- Checkpoint.cpp - what a decoder-only checkpoint holds --------------===//
//
// One reader per source format fills a ModelDescription; the Llama-family
// layout (which tensors, which shapes) is stated once, in
// expectedLinearShapes/describeLayers, and checked against every source.
//
//===----------------------------------------------------------------------===//

#include "model/Checkpoint.h"

#include "quantize/Gguf.h"
#include "quantize/SafeTensors.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace awq;
using namespace awq::model;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;

static Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  return "[" + llvm::join(llvm::map_range(shape, [](int64_t d) {
                            return std::to_string(d);
                          }),
                          ", ") +
         "]";
}

static std::string absolutePath(StringRef path) {
  llvm::SmallString<256> p(path);
  llvm::sys::fs::make_absolute(p);
  llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}

//===----------------------------------------------------------------------===//
// The Llama-family layout
//===----------------------------------------------------------------------===//

namespace {
/// Where a source finds a tensor by its Hugging Face name: fills the
/// reference (file, storage, element type) after checking `shape`.
class TensorSource {
public:
  virtual ~TensorSource() = default;
  virtual Expected<TensorRef> find(StringRef hfName,
                                   llvm::ArrayRef<int64_t> shape) const = 0;
  virtual bool has(StringRef hfName) const = 0;
  /// A quantized linear (`<name>.qweight` ...); float by default.
  virtual Expected<bool> fillQuantized(LinearRef &, int64_t n,
                                       int64_t k) const {
    return false;
  }
};
} // namespace

static Expected<LinearRef> describeLinear(const TensorSource &src,
                                          StringRef name, int64_t n,
                                          int64_t k, bool withBias) {
  LinearRef linear;
  linear.name = name.str();
  Expected<bool> quantized = src.fillQuantized(linear, n, k);
  if (!quantized)
    return quantized.takeError();
  if (!*quantized) {
    Expected<TensorRef> w = src.find((name + ".weight").str(), {n, k});
    if (!w)
      return w.takeError();
    linear.weight = std::move(*w);
  }
  if (withBias && src.has((name + ".bias").str())) {
    Expected<TensorRef> b = src.find((name + ".bias").str(), {n});
    if (!b)
      return b.takeError();
    linear.bias = std::move(*b);
  }
  return linear;
}

static Expected<LayerRefs> describeLayer(const TensorSource &src,
                                         const quant::HFModelConfig &c,
                                         int64_t index) {
  std::string prefix = llvm::formatv("model.layers.{0}.", index).str();
  int64_t hidden = c.hiddenSize, inter = c.intermediateSize;
  int64_t qRows = c.numAttentionHeads * c.headDim;
  int64_t kvRows = c.numKeyValueHeads * c.headDim;
  LayerRefs layer;
  for (auto [norm, name] :
       {std::pair<TensorRef *, const char *>{&layer.inputNorm,
                                             "input_layernorm"},
        {&layer.postAttentionNorm, "post_attention_layernorm"}}) {
    Expected<TensorRef> t = src.find(prefix + name + ".weight", {hidden});
    if (!t)
      return t.takeError();
    *norm = std::move(*t);
  }
  struct Spec {
    LinearRef *out;
    const char *name;
    int64_t n, k;
    bool bias;
  };
  // Biases are read where the checkpoint has them (Qwen2's q/k/v; Llama
  // with attention_bias), so no per-architecture table is needed.
  for (const Spec &s : {Spec{&layer.q, "self_attn.q_proj", qRows, hidden, true},
                        Spec{&layer.k, "self_attn.k_proj", kvRows, hidden, true},
                        Spec{&layer.v, "self_attn.v_proj", kvRows, hidden, true},
                        Spec{&layer.o, "self_attn.o_proj", hidden, qRows, true},
                        Spec{&layer.gate, "mlp.gate_proj", inter, hidden, false},
                        Spec{&layer.up, "mlp.up_proj", inter, hidden, false},
                        Spec{&layer.down, "mlp.down_proj", hidden, inter,
                             false}}) {
    Expected<LinearRef> l = describeLinear(src, prefix + s.name, s.n, s.k,
                                           s.bias);
    if (!l)
      return l.takeError();
    *s.out = std::move(*l);
  }
  return layer;
}

/// Fills the tensors of `d` (config already set) from `src`.
static Error describeModel(const TensorSource &src, ModelDescription &d) {
  const quant::HFModelConfig &c = d.config;
  Expected<TensorRef> embed =
      src.find("model.embed_tokens.weight", {c.vocabSize, c.hiddenSize});
  if (!embed)
    return embed.takeError();
  d.embedding = std::move(*embed);
  Expected<TensorRef> norm = src.find("model.norm.weight", {c.hiddenSize});
  if (!norm)
    return norm.takeError();
  d.finalNorm = std::move(*norm);
  d.lmHead.name = "lm_head";
  // An untied model without its head would get a random one in
  // transformers; here it is an error (find() names the tensor).
  if (c.tieWordEmbeddings) {
    d.lmHead.weight = d.embedding;
  } else {
    Expected<TensorRef> head =
        src.find("lm_head.weight", {c.vocabSize, c.hiddenSize});
    if (!head)
      return head.takeError();
    d.lmHead.weight = std::move(*head);
  }
  for (int64_t i = 0; i < c.numHiddenLayers; ++i) {
    Expected<LayerRefs> layer = describeLayer(src, c, i);
    if (!layer)
      return layer.takeError();
    d.layers.push_back(std::move(*layer));
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Safetensors sources: Hugging Face and AutoAWQ directories
//===----------------------------------------------------------------------===//

static std::optional<ElementKind> floatKind(quant::DType dtype) {
  switch (dtype) {
  case quant::DType::F16:
    return ElementKind::F16;
  case quant::DType::BF16:
    return ElementKind::BF16;
  case quant::DType::F32:
    return ElementKind::F32;
  default:
    return std::nullopt;
  }
}

namespace {
class SafeTensorsSource : public TensorSource {
public:
  SafeTensorsSource(std::unique_ptr<quant::SafeTensorsModel> model,
                    std::string dir,
                    std::optional<quant::AwqQuantConfig> quant)
      : model(std::move(model)), dir(std::move(dir)), quant(std::move(quant)) {}

  bool has(StringRef name) const override { return model->lookup(name); }

  Expected<TensorRef> find(StringRef name,
                           llvm::ArrayRef<int64_t> shape) const override {
    Expected<std::pair<const quant::TensorView *, std::string>> view =
        lookup(name, shape);
    if (!view)
      return view.takeError();
    std::optional<ElementKind> kind = floatKind(view->first->dtype);
    if (!kind)
      return fail(llvm::formatv("tensor '{0}' in '{1}' has dtype {2}; "
                                "expected F16, BF16 or F32",
                                name, view->second,
                                quant::dtypeName(view->first->dtype)));
    return TensorRef{name.str(), view->second, StorageKind::Plain, 0,
                     llvm::SmallVector<int64_t>(shape), *kind};
  }

  Expected<bool> fillQuantized(LinearRef &linear, int64_t n,
                               int64_t k) const override;

private:
  /// The tensor `name` with the stored `shape`, and its shard's path.
  Expected<std::pair<const quant::TensorView *, std::string>>
  lookup(StringRef name, llvm::ArrayRef<int64_t> shape) const {
    for (const auto &file : model->files())
      if (const quant::TensorView *view = file->lookup(name)) {
        if (llvm::ArrayRef<int64_t>(view->shape) != shape)
          return fail(llvm::formatv("tensor '{0}' in '{1}' has shape {2}, "
                                    "expected {3} from config.json",
                                    name, file->path(),
                                    shapeString(view->shape),
                                    shapeString(shape)));
        return std::make_pair(view, absolutePath(file->path()));
      }
    return fail(llvm::formatv("tensor '{0}' not found in the safetensors "
                              "files of '{1}'",
                              name, dir));
  }

  Expected<TensorRef> findStored(StringRef name, llvm::ArrayRef<int64_t> stored,
                                 quant::DType dtype, StorageKind storage,
                                 llvm::SmallVector<int64_t> logical,
                                 ElementKind element) const {
    auto view = lookup(name, stored);
    if (!view)
      return view.takeError();
    if (view->first->dtype != dtype)
      return fail(llvm::formatv("tensor '{0}' in '{1}' has dtype {2}, "
                                "expected {3}",
                                name, view->second,
                                quant::dtypeName(view->first->dtype),
                                quant::dtypeName(dtype)));
    return TensorRef{name.str(), view->second, storage, 0, std::move(logical),
                     element};
  }

  std::unique_ptr<quant::SafeTensorsModel> model;
  std::string dir;
  std::optional<quant::AwqQuantConfig> quant;
};
} // namespace

/// AutoAWQ GEMM: qweight int32 [K, N/8], scales f16 [K/G, N], qzeros int32
/// [K/G, N/8] (docs/quantize.md), referenced with the awq.weight storages
/// that unpack them.
Expected<bool> SafeTensorsSource::fillQuantized(LinearRef &linear, int64_t n,
                                                int64_t k) const {
  if (!quant || !has(linear.name + ".qweight"))
    return false;
  int64_t g = quant->groupSize <= 0 ? k : quant->groupSize;
  if (k % g != 0 || n % 8 != 0)
    return fail(llvm::formatv("linear '{0}': K = {1} is not a multiple of "
                              "group_size {2}, or N = {3} of 8",
                              linear.name, k, g, n));
  auto qweight = findStored(linear.name + ".qweight", {k, n / 8},
                            quant::DType::I32, StorageKind::AwqGemmQWeight,
                            {n, k}, ElementKind::I4);
  if (!qweight)
    return qweight.takeError();
  auto scales = findStored(linear.name + ".scales", {k / g, n},
                           quant::DType::F16, StorageKind::Transposed,
                           {n, k / g}, ElementKind::F16);
  if (!scales)
    return scales.takeError();
  auto zeros = findStored(linear.name + ".qzeros", {k / g, n / 8},
                          quant::DType::I32, StorageKind::AwqGemmQZeros,
                          {n, k / g}, ElementKind::I4);
  if (!zeros)
    return zeros.takeError();
  linear.qweight = std::move(*qweight);
  linear.scales = std::move(*scales);
  linear.zeros = std::move(*zeros);
  linear.groupSize = g;
  return true;
}

static std::string findTokenizer(StringRef dir) {
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, "tokenizer.json");
  return llvm::sys::fs::exists(p) ? absolutePath(p) : std::string();
}

static Expected<ModelDescription> readDirectory(StringRef dir) {
  llvm::SmallString<256> configPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  if (!llvm::sys::fs::exists(configPath))
    return fail("'" + dir + "' has no config.json (expected a Hugging Face "
                "model directory or a .gguf file)");
  Expected<llvm::json::Value> json = quant::readJsonFile(configPath);
  if (!json)
    return json.takeError();
  Expected<quant::HFModelConfig> config = quant::parseHFConfig(*json, configPath);
  if (!config)
    return config.takeError();
  std::optional<quant::AwqQuantConfig> quant;
  const llvm::json::Object *root = json->getAsObject();
  if (root && root->get("quantization_config")) {
    auto q = quant::parseAwqQuantConfig(*json, configPath);
    if (!q)
      return q.takeError();
    if (q->bits != 4)
      return fail(llvm::formatv("config '{0}': quantization_config.bits = "
                                "{1}; AutoAWQ GEMM checkpoints are 4-bit",
                                configPath, q->bits));
    quant = std::move(*q);
  }
  auto model = quant::SafeTensorsModel::open(dir);
  if (!model)
    return model.takeError();
  ModelDescription d;
  d.config = std::move(*config);
  d.source = dir.str();
  d.format = quant ? "autoawq" : "hf";
  d.tokenizerPath = findTokenizer(dir);
  SafeTensorsSource src(std::move(*model), dir.str(), quant);
  if (Error err = describeModel(src, d))
    return std::move(err);
  // Activations take the checkpoint's float type; quantized linears run on
  // f16 activations (their scales' type).
  d.activation = quant ? ElementKind::F16 : d.embedding.element;
  return d;
}

//===----------------------------------------------------------------------===//
// GGUF
//===----------------------------------------------------------------------===//

namespace {
/// llama.cpp's tensor names for the Hugging Face ones.
std::string ggufName(StringRef hfName) {
  static const std::pair<const char *, const char *> kLayer[] = {
      {"input_layernorm.weight", "attn_norm.weight"},
      {"post_attention_layernorm.weight", "ffn_norm.weight"},
      {"self_attn.q_proj.", "attn_q."},
      {"self_attn.k_proj.", "attn_k."},
      {"self_attn.v_proj.", "attn_v."},
      {"self_attn.o_proj.", "attn_output."},
      {"mlp.gate_proj.", "ffn_gate."},
      {"mlp.up_proj.", "ffn_up."},
      {"mlp.down_proj.", "ffn_down."}};
  if (hfName == "model.embed_tokens.weight")
    return "token_embd.weight";
  if (hfName == "model.norm.weight")
    return "output_norm.weight";
  if (hfName == "lm_head.weight")
    return "output.weight";
  StringRef rest = hfName;
  if (!rest.consume_front("model.layers."))
    return hfName.str();
  auto [index, tail] = rest.split('.');
  for (auto [hf, gg] : kLayer)
    if (tail.starts_with(hf))
      return ("blk." + index + "." + gg + tail.drop_front(strlen(hf))).str();
  return hfName.str();
}

class GgufSource : public TensorSource {
public:
  GgufSource(const quant::GgufFile &file, std::string path, bool permuted,
             int64_t headDim)
      : file(file), path(std::move(path)), permuted(permuted),
        headDim(headDim) {}

  bool has(StringRef hfName) const override {
    return file.lookup(ggufName(hfName));
  }

  Expected<TensorRef> find(StringRef hfName,
                           llvm::ArrayRef<int64_t> shape) const override {
    std::string name = ggufName(hfName);
    const quant::GgufTensorInfo *info = file.lookup(name);
    if (!info)
      return fail(llvm::formatv("tensor '{0}' (Hugging Face '{1}') not found "
                                "in '{2}'",
                                name, hfName, path));
    if (llvm::ArrayRef<int64_t>(info->shape()) != shape)
      return fail(llvm::formatv("tensor '{0}' in '{1}' has shape {2}, "
                                "expected {3} from the GGUF metadata",
                                name, path, shapeString(info->shape()),
                                shapeString(shape)));
    if (!quant::ggmlCanDequantize(info->type))
      return fail(llvm::formatv("tensor '{0}' in '{1}' has GGUF type {2}, "
                                "which awq cannot dequantize (supported: F32, "
                                "F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K)",
                                name, path, quant::ggmlTypeName(info->type)));
    TensorRef ref{name, path, StorageKind::Plain, 0,
                  llvm::SmallVector<int64_t>(shape), ElementKind::F32};
    // convert_hf_to_gguf.py reorders Llama's Q and K rows for llama.cpp's
    // rotary layout; awq.weight undoes it (AwqOps.td, awq.weight).
    bool qOrK = StringRef(name).ends_with("attn_q.weight") ||
                StringRef(name).ends_with("attn_k.weight");
    if (permuted && qOrK) {
      ref.storage = StorageKind::RopeInterleaved;
      ref.ropeHeadDim = headDim;
    }
    return ref;
  }

private:
  const quant::GgufFile &file;
  std::string path;
  bool permuted;
  int64_t headDim;
};

/// Typed access to `<arch>.<key>` metadata with errors naming the key.
class GgufMetadata {
public:
  GgufMetadata(const quant::GgufFile &file, std::string arch)
      : file(file), arch(std::move(arch)) {}

  Expected<int64_t> integer(StringRef key) const {
    const llvm::json::Value *v = get(key);
    std::optional<int64_t> i = v ? v->getAsInteger() : std::nullopt;
    if (!i || *i <= 0)
      return fail(llvm::formatv("GGUF '{0}': metadata '{1}.{2}' {3}",
                                file.path(), arch, key,
                                v ? "must be a positive integer" : "missing"));
    return *i;
  }
  std::optional<double> number(StringRef key) const {
    const llvm::json::Value *v = get(key);
    return v ? v->getAsNumber() : std::nullopt;
  }
  const llvm::json::Value *get(StringRef key) const {
    return file.metadata().get((arch + "." + key).str());
  }

private:
  const quant::GgufFile &file;
  std::string arch;
};
} // namespace

static Expected<quant::HFModelConfig> ggufConfig(const quant::GgufFile &file,
                                                 StringRef arch) {
  GgufMetadata meta(file, arch.str());
  quant::HFModelConfig c;
  c.modelType = arch.str();
  for (auto [key, field] :
       {std::pair<const char *, int64_t *>{"embedding_length", &c.hiddenSize},
        {"feed_forward_length", &c.intermediateSize},
        {"attention.head_count", &c.numAttentionHeads},
        {"block_count", &c.numHiddenLayers}}) {
    Expected<int64_t> v = meta.integer(key);
    if (!v)
      return v.takeError();
    *field = *v;
  }
  c.numKeyValueHeads = c.numAttentionHeads;
  if (meta.get("attention.head_count_kv")) {
    Expected<int64_t> kv = meta.integer("attention.head_count_kv");
    if (!kv)
      return kv.takeError();
    c.numKeyValueHeads = *kv;
  }
  if (c.numAttentionHeads % c.numKeyValueHeads != 0 ||
      c.hiddenSize % c.numAttentionHeads != 0)
    return fail(llvm::formatv("GGUF '{0}': head counts {1} / {2} do not "
                              "divide embedding_length {3}",
                              file.path(), c.numAttentionHeads,
                              c.numKeyValueHeads, c.hiddenSize));
  c.headDim = c.hiddenSize / c.numAttentionHeads;
  c.rmsNormEps = meta.number("attention.layer_norm_rms_epsilon").value_or(0);
  if (!(c.rmsNormEps > 0))
    return fail(llvm::formatv("GGUF '{0}': metadata '{1}.attention."
                              "layer_norm_rms_epsilon' missing or not positive",
                              file.path(), arch));
  c.ropeTheta = meta.number("rope.freq_base").value_or(10000.0);
  if (const llvm::json::Value *kind = meta.get("rope.scaling.type"))
    if (std::optional<StringRef> k = kind->getAsString(); k && *k != "none") {
      if (*k != "linear")
        return fail(llvm::formatv("GGUF '{0}': unsupported {1}.rope.scaling."
                                  "type '{2}'",
                                  file.path(), arch, *k));
      c.ropeScaling = quant::RopeScaling{
          "linear", meta.number("rope.scaling.factor").value_or(1.0)};
    }
  // Llama 3.1's banded scaling is stored as a tensor of frequency factors.
  if (file.lookup("rope_freqs.weight"))
    return fail(llvm::formatv("GGUF '{0}': tensor 'rope_freqs.weight' "
                              "(Llama 3.1 rope scaling) is not supported; "
                              "import the Hugging Face checkpoint instead",
                              file.path()));
  const quant::GgufTensorInfo *embed = file.lookup("token_embd.weight");
  if (!embed || embed->shape().size() != 2)
    return fail(llvm::formatv("GGUF '{0}': missing 2-D tensor "
                              "'token_embd.weight'",
                              file.path()));
  c.vocabSize = embed->shape()[0];
  c.tieWordEmbeddings = !file.lookup("output.weight");
  return c;
}

static Expected<ModelDescription> readGguf(StringRef path,
                                           const quant::GgufFile &file) {
  const llvm::json::Value *archValue =
      file.metadata().get("general.architecture");
  std::optional<StringRef> arch =
      archValue ? archValue->getAsString() : std::nullopt;
  if (!arch)
    return fail("GGUF '" + path + "': missing 'general.architecture'");
  if (*arch != "llama" && *arch != "qwen2")
    return fail("GGUF '" + path + "': unsupported general.architecture '" +
                *arch + "' (supported: llama, qwen2)");
  Expected<quant::HFModelConfig> config = ggufConfig(file, *arch);
  if (!config)
    return config.takeError();
  ModelDescription d;
  d.config = std::move(*config);
  d.source = path.str();
  d.format = "gguf";
  d.activation = ElementKind::F32;
  d.tokenizerPath = absolutePath(path);
  // Only the llama converter permutes Q/K; qwen2 keeps Hugging Face rows.
  GgufSource src(file, absolutePath(path), *arch == "llama",
                 d.config.headDim);
  if (Error err = describeModel(src, d))
    return std::move(err);
  return d;
}

Expected<ModelDescription> awq::model::readCheckpoint(StringRef path) {
  if (!llvm::sys::fs::exists(path))
    return fail("'" + path + "': no such file or directory");
  if (llvm::sys::fs::is_directory(path))
    return readDirectory(path);
  if (!path.ends_with(".gguf"))
    return fail("'" + path + "': expected a .gguf file or a Hugging Face "
                "model directory");
  auto file = quant::GgufFile::open(path);
  if (!file)
    return file.takeError();
  return readGguf(path, **file);
}
