//===- Checkpoint.cpp - what a decoder-only checkpoint holds --------------===//
//
// One reader per source format fills a ModelDescription; the Llama-family
// layout (which tensors, which shapes) is stated once, in
// expectedLinearShapes/describeLayers, and checked against every source.
//
//===----------------------------------------------------------------------===//

#include "model/Checkpoint.h"

#include "formats/Checkpoint.h"

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
  return "[" +
         llvm::join(llvm::map_range(
                        shape, [](int64_t d) { return std::to_string(d); }),
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
                                          StringRef name, int64_t n, int64_t k,
                                          bool withBias) {
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
                                         const formats::HFModelConfig &c,
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
  for (const Spec &s :
       {Spec{&layer.q, "self_attn.q_proj", qRows, hidden, true},
        Spec{&layer.k, "self_attn.k_proj", kvRows, hidden, true},
        Spec{&layer.v, "self_attn.v_proj", kvRows, hidden, true},
        Spec{&layer.o, "self_attn.o_proj", hidden, qRows, true},
        Spec{&layer.gate, "mlp.gate_proj", inter, hidden, false},
        Spec{&layer.up, "mlp.up_proj", inter, hidden, false},
        Spec{&layer.down, "mlp.down_proj", hidden, inter, false}}) {
    Expected<LinearRef> l =
        describeLinear(src, prefix + s.name, s.n, s.k, s.bias);
    if (!l)
      return l.takeError();
    *s.out = std::move(*l);
  }
  return layer;
}

/// Fills the tensors of `d` (config already set) from `src`.
static Error describeModel(const TensorSource &src, ModelDescription &d) {
  const formats::HFModelConfig &c = d.config;
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

static std::optional<ElementKind> floatKind(formats::DType dtype) {
  switch (dtype) {
  case formats::DType::F16:
    return ElementKind::F16;
  case formats::DType::BF16:
    return ElementKind::BF16;
  case formats::DType::F32:
    return ElementKind::F32;
  default:
    return std::nullopt;
  }
}

namespace {
class SafeTensorsSource : public TensorSource {
public:
  SafeTensorsSource(const formats::SafeTensorsModel &model, std::string dir,
                    std::optional<formats::AwqQuantConfig> quant)
      : model(model), dir(std::move(dir)), quant(std::move(quant)) {}

  bool has(StringRef name) const override { return model.lookup(name); }

  Expected<TensorRef> find(StringRef name,
                           llvm::ArrayRef<int64_t> shape) const override {
    Expected<std::pair<const formats::TensorView *, std::string>> view =
        lookup(name, shape);
    if (!view)
      return view.takeError();
    std::optional<ElementKind> kind = floatKind(view->first->dtype);
    if (!kind)
      return fail(llvm::formatv("tensor '{0}' in '{1}' has dtype {2}; "
                                "expected F16, BF16 or F32",
                                name, view->second,
                                formats::dtypeName(view->first->dtype)));
    return TensorRef{name.str(),
                     view->second,
                     StorageKind::Plain,
                     0,
                     llvm::SmallVector<int64_t>(shape),
                     *kind};
  }

  Expected<bool> fillQuantized(LinearRef &linear, int64_t n,
                               int64_t k) const override;

private:
  /// The tensor `name` with the stored `shape`, and its shard's path.
  Expected<std::pair<const formats::TensorView *, std::string>>
  lookup(StringRef name, llvm::ArrayRef<int64_t> shape) const {
    for (const auto &file : model.files())
      if (const formats::TensorView *view = file->lookup(name)) {
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
                                 formats::DType dtype, StorageKind storage,
                                 llvm::SmallVector<int64_t> logical,
                                 ElementKind element) const {
    auto view = lookup(name, stored);
    if (!view)
      return view.takeError();
    if (view->first->dtype != dtype)
      return fail(llvm::formatv("tensor '{0}' in '{1}' has dtype {2}, "
                                "expected {3}",
                                name, view->second,
                                formats::dtypeName(view->first->dtype),
                                formats::dtypeName(dtype)));
    return TensorRef{name.str(), view->second,       storage,
                     0,          std::move(logical), element};
  }

  const formats::SafeTensorsModel &model;
  std::string dir;
  std::optional<formats::AwqQuantConfig> quant;
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
  auto qweight =
      findStored(linear.name + ".qweight", {k, n / 8}, formats::DType::I32,
                 StorageKind::AwqGemmQWeight, {n, k}, ElementKind::I4);
  if (!qweight)
    return qweight.takeError();
  auto scales =
      findStored(linear.name + ".scales", {k / g, n}, formats::DType::F16,
                 StorageKind::Transposed, {n, k / g}, ElementKind::F16);
  if (!scales)
    return scales.takeError();
  auto zeros =
      findStored(linear.name + ".qzeros", {k / g, n / 8}, formats::DType::I32,
                 StorageKind::AwqGemmQZeros, {n, k / g}, ElementKind::I4);
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

static Expected<ModelDescription>
readDirectory(const formats::Checkpoint &ckpt) {
  StringRef dir = ckpt.path();
  const std::optional<formats::AwqQuantConfig> &quant = ckpt.quantization();
  if (quant && quant->bits != 4)
    return fail(llvm::formatv("config '{0}/config.json': "
                              "quantization_config.bits = {1}; AutoAWQ GEMM "
                              "checkpoints are 4-bit",
                              dir, quant->bits));
  ModelDescription d;
  d.config = ckpt.config();
  d.source = dir.str();
  d.format = ckpt.formatName().str();
  d.tokenizerPath = findTokenizer(dir);
  SafeTensorsSource src(*ckpt.safetensors(), dir.str(), quant);
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
class GgufSource : public TensorSource {
public:
  GgufSource(const formats::GgufFile &file, std::string path, bool permuted,
             int64_t headDim)
      : file(file), path(std::move(path)), permuted(permuted),
        headDim(headDim) {}

  bool has(StringRef hfName) const override {
    return file.lookup(formats::ggufTensorName(hfName));
  }

  Expected<TensorRef> find(StringRef hfName,
                           llvm::ArrayRef<int64_t> shape) const override {
    std::string name = formats::ggufTensorName(hfName);
    const formats::GgufTensorInfo *info = file.lookup(name);
    if (!info)
      return fail(llvm::formatv("tensor '{0}' (Hugging Face '{1}') not found "
                                "in '{2}'",
                                name, hfName, path));
    if (llvm::ArrayRef<int64_t>(info->shape()) != shape)
      return fail(llvm::formatv("tensor '{0}' in '{1}' has shape {2}, "
                                "expected {3} from the GGUF metadata",
                                name, path, shapeString(info->shape()),
                                shapeString(shape)));
    if (!formats::ggmlCanDequantize(info->type))
      return fail(llvm::formatv("tensor '{0}' in '{1}' has GGUF type {2}, "
                                "which awq cannot dequantize (supported: F32, "
                                "F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K)",
                                name, path, formats::ggmlTypeName(info->type)));
    TensorRef ref{name,
                  path,
                  StorageKind::Plain,
                  0,
                  llvm::SmallVector<int64_t>(shape),
                  ElementKind::F32};
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
  const formats::GgufFile &file;
  std::string path;
  bool permuted;
  int64_t headDim;
};

} // namespace

static Expected<ModelDescription> readGguf(const formats::Checkpoint &ckpt) {
  StringRef path = ckpt.path();
  ModelDescription d;
  d.config = ckpt.config();
  d.source = path.str();
  d.format = "gguf";
  d.activation = ElementKind::F32;
  d.tokenizerPath = absolutePath(path);
  GgufSource src(*ckpt.gguf(), absolutePath(path), ckpt.ropeRowsPermuted(),
                 d.config.headDim);
  if (Error err = describeModel(src, d))
    return std::move(err);
  return d;
}

Expected<ModelDescription> awq::model::readCheckpoint(StringRef path) {
  auto ckpt = formats::Checkpoint::open(path);
  if (!ckpt)
    return ckpt.takeError();
  if ((*ckpt)->format() == formats::CheckpointFormat::Gguf)
    return readGguf(**ckpt);
  return readDirectory(**ckpt);
}
