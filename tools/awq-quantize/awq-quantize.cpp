//===- awq-quantize.cpp - offline quantizer CLI ---------------------------===//
//
//   awq-quantize inspect FILE|DIR
//   awq-quantize rtn --model DIR|FILE.safetensors|FILE.gguf --out DIR
//   awq-quantize awq --model DIR|FILE.gguf --activations ACTS.safetensors
//                    --out DIR
//   awq-quantize bench [--n N --k K --tokens T]
//
// `rtn` and `awq` write an AutoAWQ GEMM checkpoint (config.json with
// quantization_config + safetensors). `awq` takes calibration activations
// from a file (`<linear>.input` tensors [T, K], e.g. dumped by the
// calibration stage); it does not run the model itself (see
// docs/quantize.md).
//
//===----------------------------------------------------------------------===//

#include "formats/AutoAwq.h"
#include "formats/Json.h"
#include "formats/Checkpoint.h"
#include "formats/Gguf.h"
#include "formats/HFConfig.h"
#include "formats/Half.h"
#include "formats/SafeTensors.h"
#include "quantize/AwqSearch.h"
#include "quantize/Quantize.h"
#include "support/AtomicDir.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

using namespace awq::formats;
using namespace awq::quant;
using namespace llvm;

namespace {
cl::OptionCategory category("awq-quantize options");
cl::SubCommand inspectCmd("inspect", "List the tensors of a safetensors file "
                                     "or model directory, or a GGUF file");
cl::SubCommand rtnCmd("rtn", "Round-to-nearest quantization to an AutoAWQ "
                             "GEMM checkpoint");
cl::SubCommand awqCmd("awq", "AWQ (scale + clip search) quantization to an "
                             "AutoAWQ GEMM checkpoint");
cl::SubCommand benchCmd("bench", "Measure RTN and AWQ search throughput");

cl::opt<std::string> inspectPath(cl::Positional, cl::desc("<file or dir>"),
                                 cl::Required, cl::sub(inspectCmd),
                                 cl::cat(category));

cl::opt<std::string> modelPath("model",
                               cl::desc("HF model dir, .safetensors or .gguf"),
                               cl::sub(rtnCmd), cl::sub(awqCmd), cl::Required,
                               cl::cat(category));
cl::opt<std::string> outDir("out", cl::desc("Output checkpoint directory"),
                            cl::sub(rtnCmd), cl::sub(awqCmd), cl::Required,
                            cl::cat(category));
cl::opt<int> groupSize("group-size", cl::desc("Quantization group size"),
                       cl::init(128), cl::sub(rtnCmd), cl::sub(awqCmd),
                       cl::sub(benchCmd), cl::cat(category));
cl::opt<bool> keepDtype("keep-dtype",
                        cl::desc("Keep non-quantized tensors in their dtype "
                                 "(default: convert to f16 like AutoAWQ)"),
                        cl::sub(rtnCmd), cl::sub(awqCmd), cl::cat(category));
cl::opt<std::string> activationsPath(
    "activations",
    cl::desc("safetensors file with `<linear>.input` [T, K] calibration "
             "activations"),
    cl::sub(awqCmd), cl::Required, cl::cat(category));
cl::opt<bool> noDuo("no-duo-scaling", cl::desc("Disable duo scaling"),
                    cl::sub(awqCmd), cl::cat(category));
cl::opt<bool> noClip("no-clip", cl::desc("Disable the clip search"),
                     cl::sub(awqCmd), cl::cat(category));

cl::opt<int64_t> benchN("n", cl::desc("Output channels"), cl::init(4096),
                        cl::sub(benchCmd), cl::cat(category));
cl::opt<int64_t> benchK("k", cl::desc("Input channels"), cl::init(4096),
                        cl::sub(benchCmd), cl::cat(category));
cl::opt<int64_t> benchT("tokens", cl::desc("Calibration tokens"), cl::init(512),
                        cl::sub(benchCmd), cl::cat(category));

int fail(Error err) {
  WithColor::error(errs(), "awq-quantize") << toString(std::move(err)) << "\n";
  return 1;
}

//===----------------------------------------------------------------------===//
// Loading a model as named f32/typed tensors
//===----------------------------------------------------------------------===//

/// A model from either format: tensors in HF naming, and config.json.
struct Model {
  json::Object config;
  std::vector<OwnedTensor> tensors;
  /// Kept alive because views in `tensors` were copied out of them.
  std::unique_ptr<SafeTensorsModel> st;
};

std::vector<uint8_t> f32Bytes(ArrayRef<float> v) {
  const uint8_t *b = reinterpret_cast<const uint8_t *>(v.data());
  return std::vector<uint8_t>(b, b + v.size() * 4);
}

Expected<Model> loadGguf(StringRef path) {
  auto f = GgufFile::open(path);
  if (!f)
    return f.takeError();
  const json::Object &m = (*f)->metadata();
  std::optional<StringRef> arch = m.getString("general.architecture");
  if (!arch || *arch != "llama")
    return createStringError(inconvertibleErrorCode(),
                             "GGUF file '" + path +
                                 "': only the llama architecture is "
                                 "supported");
  auto need = [&](StringRef key) -> Expected<int64_t> {
    std::optional<int64_t> v = awq::formats::jsonInteger(m, ("llama." + key).str());
    if (!v)
      return createStringError(inconvertibleErrorCode(),
                               "GGUF file '" + path + "': missing llama." +
                                   key);
    return *v;
  };
  Model model;
  int64_t heads = 0, kvHeads = 0;
  for (auto [key, hf] : {std::pair<StringRef, StringRef>{"embedding_length",
                                                         "hidden_size"},
                         {"feed_forward_length", "intermediate_size"},
                         {"attention.head_count", "num_attention_heads"},
                         {"attention.head_count_kv", "num_key_value_heads"},
                         {"block_count", "num_hidden_layers"}}) {
    Expected<int64_t> v = need(key);
    if (!v)
      return v.takeError();
    model.config[hf] = *v;
    if (hf == "num_attention_heads")
      heads = *v;
    if (hf == "num_key_value_heads")
      kvHeads = *v;
  }
  model.config["model_type"] = "llama";
  model.config["architectures"] = json::Array{"LlamaForCausalLM"};
  model.config["rms_norm_eps"] = awq::formats::shortestF32(
      m.getNumber("llama.attention.layer_norm_rms_epsilon").value_or(1e-5));
  model.config["rope_theta"] =
      awq::formats::shortestF32(m.getNumber("llama.rope.freq_base").value_or(1e4));
  model.config["torch_dtype"] = "float16";
  model.config["tie_word_embeddings"] = (*f)->lookup("output.weight") == nullptr;

  for (const GgufTensorInfo &t : (*f)->tensors()) {
    std::string hf = hfTensorName(t.name).value_or("");
    if (hf.empty()) {
      if (t.name == "rope_freqs.weight") // Derived data, not a weight.
        continue;
      return createStringError(inconvertibleErrorCode(),
                               "GGUF file '" + path + "': unexpected tensor '" +
                                   t.name + "'");
    }
    auto v = (*f)->dequantize(t);
    if (!v)
      return v.takeError();
    std::vector<int64_t> shape = t.shape();
    if (StringRef(hf).ends_with("q_proj.weight") ||
        StringRef(hf).ends_with("k_proj.weight")) {
      int64_t h = StringRef(hf).ends_with("q_proj.weight") ? heads : kvHeads;
      unpermuteRopeRows(*v, shape[0], shape[1], shape[0] / h);
    }
    if (hf == "model.embed_tokens.weight")
      model.config["vocab_size"] = shape[0];
    model.tensors.push_back({hf, DType::F32, shape, f32Bytes(*v)});
  }
  return std::move(model);
}

Expected<Model> loadModel(StringRef path) {
  if (StringRef(path).ends_with(".gguf"))
    return loadGguf(path);
  Model model;
  auto st = SafeTensorsModel::open(path);
  if (!st)
    return st.takeError();
  SmallString<256> cfg(path);
  if (!sys::fs::is_directory(path))
    cfg = sys::path::parent_path(path);
  sys::path::append(cfg, "config.json");
  // Without the architecture, the output would be a checkpoint nothing can
  // load.
  if (!sys::fs::exists(cfg))
    return createStringError(inconvertibleErrorCode(),
                             "'" + cfg +
                                 "' does not exist: the output checkpoint "
                                 "needs the model's config.json");
  auto v = readJsonFile(cfg);
  if (!v)
    return v.takeError();
  // Validate the fields the compiler relies on; keep the whole object.
  if (auto c = parseHFConfig(*v, cfg); !c)
    return c.takeError();
  model.config = std::move(*v->getAsObject());
  for (const std::string &name : (*st)->tensorNames())
    model.tensors.push_back(OwnedTensor::copyOf(*(*st)->lookup(name)));
  model.st = std::move(*st);
  return std::move(model);
}

/// Converts floating tensors to f16 (AutoAWQ saves the model in f16).
Error toF16(OwnedTensor &t) {
  if (t.dtype != DType::F32 && t.dtype != DType::BF16 && t.dtype != DType::F64)
    return Error::success();
  std::vector<float> v = t.view().toFloat();
  std::vector<uint8_t> out(v.size() * 2);
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::fabs(v[i]) >= 65520.0f)
      return createStringError(inconvertibleErrorCode(),
                               "tensor '" + t.name + "': value " +
                                   std::to_string(v[i]) +
                                   " overflows f16 (use --keep-dtype)");
    uint16_t h = floatToHalf(v[i]);
    std::memcpy(&out[2 * i], &h, 2);
  }
  t.dtype = DType::F16;
  t.bytes = std::move(out);
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Subcommands
//===----------------------------------------------------------------------===//

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

int runInspect() {
  StringRef path = inspectPath;
  if (path.ends_with(".gguf")) {
    auto f = GgufFile::open(path);
    if (!f)
      return fail(f.takeError());
    outs() << formatv("GGUF v{0}, alignment {1}, {2} metadata keys, {3} "
                      "tensors\n",
                      (*f)->version(), (*f)->alignment(),
                      (*f)->metadataKeys().size(), (*f)->tensors().size());
    for (const std::string &k : (*f)->metadataKeys()) {
      const json::Value *v = (*f)->metadata().get(k);
      if (const json::Array *a = v->getAsArray())
        outs() << "  " << k << " = array[" << a->size() << "]\n";
      else
        outs() << "  " << k << " = " << *v << "\n";
    }
    for (const GgufTensorInfo &t : (*f)->tensors())
      outs() << formatv("{0,-40} {1,-5} {2} {3} bytes\n", t.name,
                        ggmlTypeName(t.type), shapeStr(t.shape()),
                        t.data.size());
    return 0;
  }
  auto m = SafeTensorsModel::open(path);
  if (!m)
    return fail(m.takeError());
  uint64_t total = 0;
  for (const std::string &name : (*m)->tensorNames()) {
    const TensorView *t = (*m)->lookup(name);
    outs() << formatv("{0,-50} {1,-4} {2} {3} bytes\n", name,
                      dtypeName(t->dtype), shapeStr(t->shape),
                      t->bytes.size());
    total += t->bytes.size();
  }
  outs() << formatv("{0} tensors in {1} file(s), {2} bytes\n",
                    (*m)->tensorNames().size(), (*m)->files().size(), total);
  return 0;
}

/// Quantizes every quantizable linear of `model` (weights already final:
/// scaled/clipped for AWQ) and writes the checkpoint into `out`.
Error writeQuantized(Model &model, const awq::AtomicDir &out) {
  AwqCheckpoint ckpt;
  ckpt.config = model.config;
  ckpt.quant.groupSize = groupSize;
  QuantConfig qc;
  qc.bits = 4;
  qc.groupSize = groupSize;
  qc.arith = QuantArith::F16; // AutoAWQ quantizes the f16 model.
  int64_t quantized = 0;
  for (OwnedTensor &t : model.tensors) {
    if (!isQuantizableLinear(t.name) || t.shape.size() != 2) {
      if (!keepDtype)
        if (Error e = toF16(t))
          return e;
      ckpt.others.push_back(std::move(t));
      continue;
    }
    std::vector<float> w = t.view().toFloat();
    auto qw = quantizeRTN(w, t.shape[0], t.shape[1], qc, t.name);
    if (!qw)
      return qw.takeError();
    StringRef module = StringRef(t.name).drop_back(strlen(".weight"));
    auto p = packAwqGemm(*qw, module);
    if (!p)
      return p.takeError();
    ckpt.linears[module.str()] = std::move(*p);
    ++quantized;
  }
  if (quantized == 0)
    return createStringError(inconvertibleErrorCode(),
                             "model '" + modelPath +
                                 "': no quantizable linear weights found "
                                 "(expected *.self_attn.*_proj.weight / "
                                 "*.mlp.*_proj.weight)");
  if (!keepDtype)
    ckpt.config["torch_dtype"] = "float16";
  if (Error e = writeAwqCheckpoint(out.path(), ckpt))
    return e;
  outs() << formatv("wrote {0}: {1} linears quantized (4-bit, group {2}), "
                    "{3} other tensors\n",
                    outDir, quantized, int(groupSize), ckpt.others.size());
  return Error::success();
}

/// The output directory, built beside --out and renamed over it on
/// commit(); created before the long work so that a bad --out fails first.
Expected<std::unique_ptr<awq::AtomicDir>> createOutput() {
  return awq::AtomicDir::create(outDir, "config.json");
}

int runRtn() {
  auto out = createOutput();
  if (!out)
    return fail(out.takeError());
  auto model = loadModel(modelPath);
  if (!model)
    return fail(model.takeError());
  if (Error e = writeQuantized(*model, **out))
    return fail(std::move(e));
  if (Error e = (*out)->commit())
    return fail(std::move(e));
  return 0;
}

/// AutoAWQ's scaling groups for one Llama block: the producer whose output
/// feeds the linears (a norm weight or a previous linear), and the linears.
struct ScalingGroup {
  std::string prev;
  std::vector<std::string> linears;
};

std::vector<ScalingGroup> llamaGroups(StringRef layer) {
  auto n = [&](StringRef s) { return (layer + "." + s).str(); };
  return {{n("input_layernorm"),
           {n("self_attn.q_proj"), n("self_attn.k_proj"), n("self_attn.v_proj")}},
          {n("self_attn.v_proj"), {n("self_attn.o_proj")}},
          {n("post_attention_layernorm"), {n("mlp.gate_proj"), n("mlp.up_proj")}},
          {n("mlp.up_proj"), {n("mlp.down_proj")}}};
}

int runAwq() {
  auto out = createOutput();
  if (!out)
    return fail(out.takeError());
  auto model = loadModel(modelPath);
  if (!model)
    return fail(model.takeError());
  auto acts = SafeTensorsFile::open(activationsPath);
  if (!acts)
    return fail(acts.takeError());
  StringMap<size_t> byName;
  for (size_t i = 0; i < model->tensors.size(); ++i)
    byName[model->tensors[i].name] = i;
  // Float copies of every weight the search touches, written back at the end.
  StringMap<std::vector<float>> f32;
  auto tensorF32 = [&](const std::string &name) -> std::vector<float> * {
    auto it = byName.find(name);
    if (it == byName.end())
      return nullptr;
    auto [slot, inserted] = f32.try_emplace(name);
    if (inserted)
      slot->second = model->tensors[it->second].view().toFloat();
    return &slot->second;
  };
  auto shapeOf = [&](const std::string &name) -> std::vector<int64_t> {
    auto it = byName.find(name);
    return it == byName.end() ? std::vector<int64_t>{}
                              : model->tensors[it->second].shape;
  };

  auto backend = createOpenBlasBackend();
  AwqGroupOptions opt;
  opt.scale.quant.groupSize = groupSize;
  opt.scale.duoScaling = !noDuo;
  opt.clip.quant.groupSize = groupSize;
  opt.applyClip = !noClip;
  int64_t layers = 0;
  if (std::optional<int64_t> l = awq::formats::jsonInteger(model->config, "num_hidden_layers"))
    layers = *l;
  int searched = 0;
  for (int64_t layer = 0; layer < layers; ++layer) {
    for (ScalingGroup &g :
         llamaGroups(("model.layers." + Twine(layer)).str())) {
      std::vector<LinearWeight> linears;
      std::vector<std::vector<float> *> ws;
      int64_t k = 0;
      for (const std::string &l : g.linears) {
        std::vector<float> *w = tensorF32(l + ".weight");
        std::vector<int64_t> shape = shapeOf(l + ".weight");
        if (!w || shape.size() != 2)
          return fail(createStringError(inconvertibleErrorCode(),
                                        "model '" + modelPath +
                                            "': missing 2-D weight '" + l +
                                            ".weight'"));
        k = shape[1];
        linears.push_back({l, shape[0], *w});
        ws.push_back(w);
      }
      // The producer: a norm weight [K] or a linear whose N output rows are
      // our K inputs. v -> o only when the two weight shapes are equal (not
      // under grouped-query attention), as DESIGN.md and AutoAWQ require.
      std::vector<int64_t> prevShape = shapeOf(g.prev + ".weight");
      bool prevIsLinear = prevShape.size() == 2;
      if (prevIsLinear &&
          (prevShape[0] != k ||
           (StringRef(g.prev).ends_with("v_proj") &&
            prevShape != shapeOf(g.linears[0] + ".weight"))))
        continue;
      if (!prevIsLinear && prevShape != std::vector<int64_t>{k})
        return fail(createStringError(
            inconvertibleErrorCode(),
            "model '" + modelPath + "': producer '" + g.prev +
                ".weight' has shape " + shapeStr(prevShape) +
                ", expected [" + std::to_string(k) + "]"));
      std::vector<float> *prev = tensorF32(g.prev + ".weight");
      std::vector<float> *prevBias = tensorF32(g.prev + ".bias");
      const TensorView *x = (*acts)->lookup(g.linears[0] + ".input");
      if (!x) {
        WithColor::warning(errs(), "awq-quantize")
            << "no activations '" << g.linears[0]
            << ".input'; group keeps plain RTN\n";
        continue;
      }
      if (x->shape.size() != 2 || x->shape[1] != k)
        return fail(createStringError(
            inconvertibleErrorCode(),
            "activations '" + activationsPath + "': tensor '" + x->name +
                "' has shape " + shapeStr(x->shape) + ", expected [T, " +
                std::to_string(k) + "]"));
      std::vector<float> xf = x->toFloat();
      auto r = awqProcessGroup(xf, x->shape[0], k, linears, opt, *backend);
      if (!r)
        return fail(r.takeError());
      // W' = W·diag(s) (clipped) into the linears; the producer's output
      // rows (norm weight, or previous linear's rows) are divided by s.
      for (size_t i = 0; i < ws.size(); ++i)
        *ws[i] = std::move(r->weights[i]);
      const std::vector<float> &s = r->scale.scales;
      int64_t cols = prevIsLinear ? prevShape[1] : 1;
      for (int64_t c = 0; c < k; ++c)
        for (int64_t j = 0; j < cols; ++j)
          (*prev)[c * cols + j] /= s[c];
      if (prevBias && int64_t(prevBias->size()) == k)
        for (int64_t c = 0; c < k; ++c)
          (*prevBias)[c] /= s[c];
      ++searched;
      outs() << formatv("{0} -> {1}: ratio {2} loss {3:e} (RTN {4:e})\n",
                        g.prev, join(g.linears, ", "), r->scale.bestRatio,
                        r->scale.losses[r->scale.bestIndex], r->scale.rtnLoss);
    }
  }
  if (searched == 0)
    return fail(createStringError(inconvertibleErrorCode(),
                                  "no scaling group had activations in '" +
                                      activationsPath + "'"));
  for (auto &kv : f32) {
    OwnedTensor &t = model->tensors[byName[kv.first()]];
    t.dtype = DType::F32;
    t.bytes = f32Bytes(kv.second);
  }
  if (Error e = writeQuantized(*model, **out))
    return fail(std::move(e));
  if (Error e = (*out)->commit())
    return fail(std::move(e));
  return 0;
}

int runBench() {
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point a) {
    return std::chrono::duration<double>(Clock::now() - a).count();
  };
  int64_t n = benchN, k = benchK, t = benchT;
  std::mt19937 rng(0);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> w(n * k), x(t * k);
  for (float &v : w)
    v = 0.02f * nd(rng);
  for (float &v : x)
    v = nd(rng);
  for (int64_t c = 0; c < k; c += 97)
    for (int64_t i = 0; i < t; ++i)
      x[i * k + c] *= 20.0f;
  double weights = double(n) * double(k);
  outs() << formatv("layer N={0} K={1} group={2}, {3} calibration tokens\n",
                    n, k, int(groupSize), t);
  for (QuantArith arith : {QuantArith::F32, QuantArith::F16}) {
    QuantConfig qc;
    qc.groupSize = groupSize;
    qc.arith = arith;
    auto t0 = Clock::now();
    auto qw = quantizeRTN(w, n, k, qc);
    if (!qw)
      return fail(qw.takeError());
    double dt = secs(t0);
    outs() << formatv("RTN ({0} arithmetic): {1:f3} s, {2:f1} M weights/s\n",
                      arith == QuantArith::F16 ? "f16" : "f32", dt,
                      weights / dt / 1e6);
    if (arith == QuantArith::F16) {
      t0 = Clock::now();
      auto p = packAwqGemm(*qw);
      if (!p)
        return fail(p.takeError());
      dt = secs(t0);
      outs() << formatv("GEMM packing: {0:f3} s, {1:f1} M weights/s\n", dt,
                        weights / dt / 1e6);
    }
  }
  auto backend = createOpenBlasBackend();
  std::vector<float> c(t * n);
  auto t0 = Clock::now();
  backend->gemmABt(t, n, k, x.data(), k, w.data(), k, c.data(), n);
  double dt = secs(t0);
  outs() << formatv("sgemm {0}x{1}x{2}: {3:f3} s, {4:f1} GFLOP/s\n", t, n, k,
                    dt, 2.0 * t * n * k / dt / 1e9);

  ScaleSearchOptions so;
  so.quant.groupSize = groupSize;
  LinearWeight lw{"bench", n, w};
  t0 = Clock::now();
  auto r = searchBestScale(x, t, k, lw, so, *backend);
  if (!r)
    return fail(r.takeError());
  dt = secs(t0);
  outs() << formatv("AWQ scale search (21 evaluations): {0:f2} s, {1:f2} M "
                    "weights/s, best ratio {2}, loss {3:e} vs RTN {4:e}\n",
                    dt, weights / dt / 1e6, r->bestRatio,
                    r->losses[r->bestIndex], r->rtnLoss);
  ClipSearchOptions co;
  co.quant.groupSize = groupSize;
  t0 = Clock::now();
  auto cr = searchBestClip(w, n, k, x, t, co, *backend, "bench");
  if (!cr)
    return fail(cr.takeError());
  dt = secs(t0);
  outs() << formatv("AWQ clip search (10 steps, {0} tokens): {1:f2} s, "
                    "{2:f2} M weights/s\n",
                    cr->sampledTokens, dt, weights / dt / 1e6);
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  for (cl::SubCommand *sub : {&cl::SubCommand::getTopLevel(), &inspectCmd,
                              &rtnCmd, &awqCmd, &benchCmd})
    cl::HideUnrelatedOptions(category, *sub);
  cl::ParseCommandLineOptions(argc, argv,
                              "awq-quantize: AWQ/RTN quantization to AutoAWQ "
                              "GEMM checkpoints\n");
  if (inspectCmd)
    return runInspect();
  if (rtnCmd)
    return runRtn();
  if (awqCmd)
    return runAwq();
  if (benchCmd)
    return runBench();
  errs() << "awq-quantize: expected a subcommand (inspect, rtn, awq, bench); "
            "see --help\n";
  return 2;
}
