//===- Checkpoint.cpp - open a checkpoint: HF-named tensors + config ------===//

#include "formats/Checkpoint.h"
#include "formats/Json.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace llvm;
using namespace awq::formats;

static Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

static std::string absolutePath(StringRef path) {
  SmallString<256> p(path);
  sys::fs::make_absolute(p);
  sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}

//===----------------------------------------------------------------------===//
// llama.cpp names and row order
//===----------------------------------------------------------------------===//

/// Per-layer modules: Hugging Face name under "model.layers.<i>." and
/// llama.cpp's under "blk.<i>."; both are followed by ".weight" or ".bias".
static const std::pair<StringRef, StringRef> kLayerNames[] = {
    {"input_layernorm", "attn_norm"}, {"post_attention_layernorm", "ffn_norm"},
    {"self_attn.q_proj", "attn_q"},   {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},   {"self_attn.o_proj", "attn_output"},
    {"mlp.gate_proj", "ffn_gate"},    {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"}};

/// Whole-model tensors: (Hugging Face, llama.cpp).
static const std::pair<StringRef, StringRef> kModelNames[] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"}};

/// Renames `name` = `fromPrefix<i>.<module>.<tail>` to
/// `toPrefix<i>.<module'>.<tail>` with the module mapped by kLayerNames
/// (`forward`: Hugging Face -> llama.cpp).
static std::optional<std::string> renameLayerTensor(StringRef name,
                                                    bool forward) {
  StringRef fromPrefix = forward ? "model.layers." : "blk.";
  StringRef toPrefix = forward ? "blk." : "model.layers.";
  if (!name.consume_front(fromPrefix))
    return std::nullopt;
  auto [index, tail] = name.split('.');
  for (auto [hf, gguf] : kLayerNames) {
    StringRef from = forward ? hf : gguf, to = forward ? gguf : hf;
    if (tail.starts_with(from) && tail.substr(from.size()).starts_with("."))
      return (toPrefix + index + "." + to + tail.substr(from.size())).str();
  }
  return std::nullopt;
}

std::string awq::formats::ggufTensorName(StringRef hfName) {
  for (auto [hf, gguf] : kModelNames)
    if (hfName == hf)
      return gguf.str();
  return renameLayerTensor(hfName, /*forward=*/true).value_or(hfName.str());
}

std::optional<std::string> awq::formats::hfTensorName(StringRef ggufName) {
  for (auto [hf, gguf] : kModelNames)
    if (ggufName == gguf)
      return hf.str();
  return renameLayerTensor(ggufName, /*forward=*/false);
}

bool awq::formats::ggufPermutesRopeRows(StringRef arch) {
  return arch == "llama";
}

void awq::formats::unpermuteRopeRows(std::vector<float> &values, int64_t rows,
                                     int64_t cols, int64_t headDim) {
  std::vector<float> stored = values;
  int64_t half = headDim / 2;
  for (int64_t head = 0; head < rows / headDim; ++head)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < half; ++j) {
        int64_t logical = head * headDim + i * half + j;
        int64_t source = head * headDim + 2 * j + i;
        std::memcpy(&values[logical * cols], &stored[source * cols],
                    cols * sizeof(float));
      }
}

namespace {
/// Typed access to `<arch>.<key>` metadata with errors naming the key.
class GgufMetadata {
public:
  GgufMetadata(const GgufFile &file, std::string arch)
      : file(file), arch(std::move(arch)) {}

  Expected<int64_t> integer(StringRef key) const {
    const json::Value *v = get(key);
    std::optional<int64_t> i = v ? jsonInteger(*v) : std::nullopt;
    if (!i || *i <= 0)
      return fail(formatv("GGUF '{0}': metadata '{1}.{2}' {3}", file.path(),
                          arch, key,
                          v ? "must be a positive integer" : "missing"));
    return *i;
  }
  std::optional<double> number(StringRef key) const {
    const json::Value *v = get(key);
    return v ? v->getAsNumber() : std::nullopt;
  }
  const json::Value *get(StringRef key) const {
    return file.metadata().get((arch + "." + key).str());
  }

private:
  const GgufFile &file;
  std::string arch;
};
} // namespace

/// general.architecture, if it is one that awq supports.
static Expected<StringRef> ggufArchitecture(const GgufFile &file) {
  const json::Value *archValue = file.metadata().get("general.architecture");
  std::optional<StringRef> arch =
      archValue ? archValue->getAsString() : std::nullopt;
  if (!arch)
    return fail("GGUF '" + file.path() + "': missing 'general.architecture'");
  if (*arch != "llama" && *arch != "qwen2")
    return fail("GGUF '" + file.path() +
                "': unsupported general.architecture '" + *arch +
                "' (supported: llama, qwen2)");
  return *arch;
}

/// `<arch>.rope.scaling.*`: none or linear. Llama 3.1's banded scaling is
/// stored as a tensor of frequency factors, which awq does not apply.
static Error ggufRopeScaling(const GgufFile &file, const GgufMetadata &meta,
                             StringRef arch, HFModelConfig &c) {
  if (const json::Value *kind = meta.get("rope.scaling.type"))
    if (std::optional<StringRef> k = kind->getAsString(); k && *k != "none") {
      if (*k != "linear")
        return fail(formatv("GGUF '{0}': unsupported {1}.rope.scaling."
                            "type '{2}'",
                            file.path(), arch, *k));
      c.ropeScaling = RopeScaling{
          "linear", meta.number("rope.scaling.factor").value_or(1.0)};
    }
  if (file.lookup("rope_freqs.weight"))
    return fail(formatv("GGUF '{0}': tensor 'rope_freqs.weight' "
                        "(Llama 3.1 rope scaling) is not supported; "
                        "import the Hugging Face checkpoint instead",
                        file.path()));
  return Error::success();
}

Expected<HFModelConfig> awq::formats::ggufModelConfig(const GgufFile &file) {
  Expected<StringRef> arch = ggufArchitecture(file);
  if (!arch)
    return arch.takeError();
  GgufMetadata meta(file, arch->str());
  HFModelConfig c;
  c.modelType = arch->str();
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
    return fail(formatv("GGUF '{0}': head counts {1} / {2} do not "
                        "divide embedding_length {3}",
                        file.path(), c.numAttentionHeads, c.numKeyValueHeads,
                        c.hiddenSize));
  c.headDim = c.hiddenSize / c.numAttentionHeads;
  c.rmsNormEps = meta.number("attention.layer_norm_rms_epsilon").value_or(0);
  if (!(c.rmsNormEps > 0))
    return fail(formatv("GGUF '{0}': metadata '{1}.attention."
                        "layer_norm_rms_epsilon' missing or not positive",
                        file.path(), *arch));
  c.ropeTheta = meta.number("rope.freq_base").value_or(10000.0);
  if (Error err = ggufRopeScaling(file, meta, *arch, c))
    return std::move(err);
  const GgufTensorInfo *embed = file.lookup("token_embd.weight");
  if (!embed || embed->shape().size() != 2)
    return fail(formatv("GGUF '{0}': missing 2-D tensor "
                        "'token_embd.weight'",
                        file.path()));
  c.vocabSize = embed->shape()[0];
  c.tieWordEmbeddings = !file.lookup("output.weight");
  return c;
}

//===----------------------------------------------------------------------===//
// Checkpoint
//===----------------------------------------------------------------------===//

Expected<std::unique_ptr<Checkpoint>> Checkpoint::open(StringRef path) {
  if (!sys::fs::exists(path))
    return fail("'" + path + "': no such file or directory");
  if (sys::fs::is_directory(path))
    return openDirectory(path);
  if (!path.ends_with(".gguf"))
    return fail("'" + path +
                "': expected a .gguf file or a Hugging Face "
                "model directory");
  return openGguf(path);
}

Expected<std::unique_ptr<Checkpoint>> Checkpoint::openDirectory(StringRef dir) {
  SmallString<256> configPath(dir);
  sys::path::append(configPath, "config.json");
  if (!sys::fs::exists(configPath))
    return fail("'" + dir +
                "' has no config.json (expected a Hugging Face "
                "model directory or a .gguf file)");
  Expected<json::Value> json = readJsonFile(configPath);
  if (!json)
    return json.takeError();
  Expected<HFModelConfig> config = parseHFConfig(*json, configPath);
  if (!config)
    return config.takeError();
  std::unique_ptr<Checkpoint> ckpt(new Checkpoint());
  const json::Object *root = json->getAsObject();
  if (root && root->get("quantization_config")) {
    Expected<AwqQuantConfig> q = parseAwqQuantConfig(*json, configPath);
    if (!q)
      return q.takeError();
    ckpt->quant = std::move(*q);
  }
  Expected<std::unique_ptr<SafeTensorsModel>> model =
      SafeTensorsModel::open(dir);
  if (!model)
    return model.takeError();
  ckpt->kind = ckpt->quant ? CheckpointFormat::AutoAwq : CheckpointFormat::HF;
  ckpt->source = dir.str();
  ckpt->hfConfig = std::move(*config);
  ckpt->st = std::move(*model);
  return std::move(ckpt);
}

Expected<std::unique_ptr<Checkpoint>> Checkpoint::openGguf(StringRef path) {
  Expected<std::unique_ptr<GgufFile>> file = GgufFile::open(path);
  if (!file)
    return file.takeError();
  Expected<HFModelConfig> config = ggufModelConfig(**file);
  if (!config)
    return config.takeError();
  std::unique_ptr<Checkpoint> ckpt(new Checkpoint());
  ckpt->kind = CheckpointFormat::Gguf;
  ckpt->source = path.str();
  ckpt->permuted = ggufPermutesRopeRows(config->modelType);
  ckpt->hfConfig = std::move(*config);
  ckpt->ggufFile = std::move(*file);
  ckpt->ggufPath = absolutePath(path);
  return std::move(ckpt);
}

StringRef Checkpoint::formatName() const {
  switch (kind) {
  case CheckpointFormat::HF:
    return "hf";
  case CheckpointFormat::AutoAwq:
    return "autoawq";
  case CheckpointFormat::Gguf:
    return "gguf";
  }
  return "?";
}

std::optional<CheckpointTensor> Checkpoint::lookup(StringRef hfName) const {
  CheckpointTensor t;
  if (ggufFile) {
    t.storedName = ggufTensorName(hfName);
    t.gguf = ggufFile->lookup(t.storedName);
    if (!t.gguf)
      return std::nullopt;
    t.file = ggufPath;
    t.shape = t.gguf->shape();
    return t;
  }
  // The shard that holds the tensor, for its path.
  for (const std::unique_ptr<SafeTensorsFile> &file : st->files())
    if (const TensorView *view = file->lookup(hfName)) {
      t.storedName = hfName.str();
      t.view = view;
      t.file = absolutePath(file->path());
      t.shape = view->shape;
      return t;
    }
  return std::nullopt;
}
