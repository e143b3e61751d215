//===- Executor.cpp - run model IR on the CPU -----------------------------===//
//
// An interpreter over the functions of the model IR: values that carry a
// dynamic row count are activations and are computed op by op
// (CpuKernels.h); statically shaped values are weights and weight
// expressions, evaluated once on the host (passes/WeightEvaluator.h) when
// the executor is created.
//
//===----------------------------------------------------------------------===//

#include "model/Executor.h"

#include "dialects/Awq/AwqOps.h"
#include "model/CpuKernels.h"
#include "model/ModelBuilder.h"
#include "passes/WeightEvaluator.h"
#include "support/Progress.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <malloc.h>

using namespace mlir;
using namespace mlir::awq;
using namespace ::awq::model;

namespace {
/// A runtime value: an activation matrix or a vector of ids/positions.
struct RtValue {
  std::shared_ptr<Matrix> matrix;
  std::shared_ptr<const std::vector<int64_t>> ids;
};

bool isActivation(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && !type.hasStaticShape();
}
} // namespace

class Executor::Impl {
public:
  Impl(ModuleOp module, const ExecutorOptions &options)
      : module(module), evaluator(options.weightsDir), symbols(module) {}

  LogicalResult prepare(bool showProgress);
  FailureOr<Matrix> forward(ArrayRef<int64_t> tokens);

  ModuleOp module;
  WeightEvaluator evaluator;
  SymbolTable symbols;
  func::FuncOp entry;
  int64_t position = 0;
  llvm::DenseMap<Value, std::shared_ptr<const Matrix>> weights;
  llvm::DenseMap<Operation *, std::shared_ptr<const Matrix>> dequantized;
  llvm::DenseMap<Operation *, cpu::RopeFrequencies> ropes;
  llvm::DenseMap<Operation *, cpu::KvCache> caches;
  LinearHook linearHook;
  CallHook callHook;
  llvm::StringMap<Operation *> linearsByName;

  FailureOr<SmallVector<RtValue>> run(func::FuncOp fn, ArrayRef<RtValue> args);
  FailureOr<Matrix> embed(ArrayRef<int64_t> tokens);
  FailureOr<std::shared_ptr<const Matrix>> weight(Value value);
  FailureOr<std::shared_ptr<const Matrix>> dequantize(QLinearOp op);

private:
  using Env = llvm::DenseMap<Value, RtValue>;
  LogicalResult step(Operation *op, Env &env);
  FailureOr<Matrix> compute(Operation *op, Env &env);
  FailureOr<Matrix> computeLinear(Operation *op, Value input, Env &env);
  FailureOr<Matrix> embed(EmbeddingOp op, Env &env);
  LogicalResult prepareOp(Operation *op);
};

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

/// An evaluated float tensor as a matrix (rank 1 becomes one row).
static std::shared_ptr<const Matrix> toMatrix(HostTensor &&t) {
  auto m = std::make_shared<Matrix>();
  m->rows = t.shape.size() == 2 ? t.shape[0] : 1;
  m->cols = t.shape.empty() ? 1 : t.shape.back();
  m->data = std::move(t.floats);
  return m;
}

FailureOr<std::shared_ptr<const Matrix>> Executor::Impl::weight(Value value) {
  if (auto it = weights.find(value); it != weights.end())
    return it->second;
  FailureOr<HostTensor> t = evaluator.evaluate(value);
  if (failed(t))
    return failure();
  if (!t->isFloat())
    return emitError(value.getLoc(), "expected a float weight, got ")
           << value.getType();
  return weights[value] = toMatrix(std::move(*t));
}

/// W[n, k] = (q[n, k] - z[n, k / G]) * s[n, k / G] in f32 (AwqOps.td,
/// awq.qlinear); symmetric: z = 2^(bits - 1).
FailureOr<std::shared_ptr<const Matrix>>
Executor::Impl::dequantize(QLinearOp op) {
  if (auto it = dequantized.find(op); it != dequantized.end())
    return it->second;
  FailureOr<HostTensor> q = evaluator.evaluate(op.getQweight());
  FailureOr<HostTensor> s = evaluator.evaluate(op.getScales());
  if (failed(q) || failed(s))
    return failure();
  std::optional<HostTensor> z;
  if (op.getZeros()) {
    FailureOr<HostTensor> zeros = evaluator.evaluate(op.getZeros());
    if (failed(zeros))
      return failure();
    z = std::move(*zeros);
  }
  int64_t n = op.getN(), k = op.getK(), g = op.getGroupSize();
  int64_t groups = k / g;
  float symmetricZero = float(1 << (op.getBits() - 1));
  auto w = std::make_shared<Matrix>(n, k);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c) {
      int64_t group = r * groups + c / g;
      float zero = z ? float(z->ints[group]) : symmetricZero;
      w->row(r)[c] = (float(q->ints[r * k + c]) - zero) * s->floats[group];
    }
  return dequantized[op] = w;
}

static double toDouble(std::optional<APFloat> value, double otherwise) {
  return value ? value->convertToDouble() : otherwise;
}

static cpu::RopeFrequencies ropeFrequenciesOf(RopeOp rope) {
  std::optional<cpu::RopeScalingParams> scaling;
  if (std::optional<StringRef> kind = rope.getScaling())
    scaling = cpu::RopeScalingParams{
        kind->str(), toDouble(rope.getScalingFactor(), 1.0),
        toDouble(rope.getLowFreqFactor(), 1.0),
        toDouble(rope.getHighFreqFactor(), 4.0),
        int64_t(rope.getOriginalMaxPosition().value_or(8192))};
  return cpu::ropeFrequencies(rope.getHeadDim(),
                              rope.getTheta().convertToDouble(), scaling);
}

static cpu::AttentionShape attentionShapeOf(AttentionOp a) {
  return cpu::AttentionShape{
      int64_t(a.getNumHeads()), int64_t(a.getNumKvHeads()),
      int64_t(a.getHeadDim()), float(a.getEffectiveScale())};
}

/// Reads every weight `op` needs, so that errors surface before a forward
/// pass.
LogicalResult Executor::Impl::prepareOp(Operation *op) {
  if (auto q = dyn_cast<QLinearOp>(op)) {
    if (failed(dequantize(q)) || (q.getBias() && failed(weight(q.getBias()))))
      return failure();
    return success();
  }
  if (auto rope = dyn_cast<RopeOp>(op)) {
    ropes[op] = ropeFrequenciesOf(rope);
    return success();
  }
  if (!isa<LinearOp, EmbeddingOp, RmsNormOp, ScaleOp>(op))
    return success();
  for (Value operand : op->getOperands())
    if (!isActivation(operand) && isa<FloatType>(getElementTypeOrSelf(operand)))
      if (failed(weight(operand)))
        return failure();
  return success();
}

LogicalResult Executor::Impl::prepare(bool showProgress) {
  entry = symbols.lookup<func::FuncOp>(kForwardFunction);
  if (!entry)
    return module.emitError("expected a function @")
           << kForwardFunction << "(tokens, positions) -> logits";
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<LinearOp, QLinearOp, EmbeddingOp, RmsNormOp, ScaleOp, RopeOp>(op))
      ops.push_back(op);
    if (isa<LinearOp, QLinearOp>(op))
      if (auto name = op->getAttrOfType<StringAttr>("name"))
        linearsByName[name.getValue()] = op;
  });
  ::awq::ProgressBar bar("loading weights", ops.size(), "ops");
  for (auto [i, op] : llvm::enumerate(ops)) {
    if (failed(prepareOp(op)))
      return failure();
    if (showProgress)
      bar.update(i + 1);
  }
  if (showProgress)
    bar.finish();
  return success();
}

//===----------------------------------------------------------------------===//
// Interpretation
//===----------------------------------------------------------------------===//

FailureOr<Matrix> Executor::Impl::computeLinear(Operation *op, Value input,
                                                Env &env) {
  const Matrix &x = *env[input].matrix;
  if (linearHook)
    if (auto name = op->getAttrOfType<StringAttr>("name"))
      linearHook(name.getValue(), x);
  std::shared_ptr<const Matrix> w, bias;
  Value biasValue;
  if (auto q = dyn_cast<QLinearOp>(op)) {
    auto dq = dequantize(q);
    if (failed(dq))
      return failure();
    w = *dq;
    biasValue = q.getBias();
  } else {
    auto linear = cast<LinearOp>(op);
    auto fw = weight(linear.getWeight());
    if (failed(fw))
      return failure();
    w = *fw;
    biasValue = linear.getBias();
  }
  if (biasValue) {
    auto b = weight(biasValue);
    if (failed(b))
      return failure();
    bias = *b;
  }
  return cpu::linear(x, *w, bias.get());
}

FailureOr<Matrix> Executor::Impl::embed(EmbeddingOp op, Env &env) {
  auto table = weight(op.getTable());
  if (failed(table))
    return failure();
  const std::vector<int64_t> &ids = *env[op.getTokens()].ids;
  Matrix out(ids.size(), (*table)->cols);
  for (auto [t, id] : llvm::enumerate(ids)) {
    if (id < 0 || id >= (*table)->rows)
      return op.emitError("token id ")
             << id << " at position " << t << " is outside the vocabulary [0, "
             << (*table)->rows << ")";
    std::copy((*table)->row(id), (*table)->row(id) + out.cols, out.row(t));
  }
  return out;
}

FailureOr<Matrix> Executor::Impl::compute(Operation *op, Env &env) {
  auto mat = [&](Value v) -> const Matrix & { return *env[v].matrix; };
  auto param = [&](Value v) -> const Matrix & { return *weights[v]; };
  return llvm::TypeSwitch<Operation *, FailureOr<Matrix>>(op)
      .Case([&](EmbeddingOp e) { return embed(e, env); })
      .Case([&](RmsNormOp n) -> FailureOr<Matrix> {
        return cpu::rmsNorm(mat(n.getInput()), param(n.getWeight()),
                            n.getEpsilon().convertToFloat());
      })
      .Case<LinearOp, QLinearOp>(
          [&](Operation *l) { return computeLinear(l, l->getOperand(0), env); })
      .Case([&](RopeOp r) -> FailureOr<Matrix> {
        return cpu::rope(mat(r.getInput()), *env[r.getPositions()].ids,
                         ropes[r]);
      })
      .Case([&](AttentionOp a) -> FailureOr<Matrix> {
        return cpu::attention(mat(a.getQuery()), mat(a.getKey()),
                              mat(a.getValue()), caches[a],
                              attentionShapeOf(a));
      })
      .Case([&](SwiGluOp s) -> FailureOr<Matrix> {
        return cpu::swiglu(mat(s.getGate()), mat(s.getUp()));
      })
      .Case([&](arith::AddFOp a) -> FailureOr<Matrix> {
        return cpu::add(mat(a.getLhs()), mat(a.getRhs()));
      })
      .Case([&](ScaleOp s) -> FailureOr<Matrix> {
        if (s.getNormalizedAxis() != 1)
          return s.emitError("the CPU executor divides activations along "
                             "their last axis only");
        return cpu::divideColumns(mat(s.getInput()), param(s.getScale()));
      })
      .Default([](Operation *other) -> FailureOr<Matrix> {
        return other->emitError("the CPU executor does not run '")
               << other->getName() << "' on activations";
      });
}

LogicalResult Executor::Impl::step(Operation *op, Env &env) {
  if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    if (!callee)
      return call.emitError("unknown callee @") << call.getCallee();
    SmallVector<RtValue> args;
    for (Value operand : call.getOperands())
      args.push_back(env[operand]);
    if (callHook && !args.empty() && args.front().matrix)
      callHook(call.getCallee(), *args.front().matrix);
    FailureOr<SmallVector<RtValue>> results = run(callee, args);
    if (failed(results))
      return failure();
    for (auto [result, value] : llvm::zip(call.getResults(), *results))
      env[result] = value;
    return success();
  }
  // Weights and weight expressions: prepared, read where used.
  if (llvm::none_of(op->getResults(), isActivation))
    return success();
  FailureOr<Matrix> result = compute(op, env);
  if (failed(result))
    return failure();
  env[op->getResult(0)] =
      RtValue{std::make_shared<Matrix>(std::move(*result)), nullptr};
  return success();
}

FailureOr<SmallVector<RtValue>> Executor::Impl::run(func::FuncOp fn,
                                                    ArrayRef<RtValue> args) {
  if (fn.isExternal() || fn.getNumArguments() != args.size())
    return fn.emitError("expected a function body taking ")
           << args.size() << " arguments";
  Env env;
  for (auto [arg, value] : llvm::zip(fn.getArguments(), args))
    env[arg] = value;
  for (Operation &op : fn.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      SmallVector<RtValue> results;
      for (Value v : ret.getOperands())
        results.push_back(env[v]);
      return results;
    }
    if (failed(step(&op, env)))
      return failure();
  }
  return fn.emitError("expected a func.return");
}

FailureOr<Matrix> Executor::Impl::embed(ArrayRef<int64_t> tokens) {
  EmbeddingOp embedding;
  entry.walk([&](EmbeddingOp op) { embedding = op; });
  if (!embedding)
    return entry.emitError("expected an awq.embedding in @forward");
  Env env;
  env[embedding.getTokens()] =
      RtValue{nullptr, std::make_shared<std::vector<int64_t>>(tokens.begin(),
                                                              tokens.end())};
  return embed(embedding, env);
}

FailureOr<Matrix> Executor::Impl::forward(ArrayRef<int64_t> tokens) {
  if (tokens.empty())
    return module.emitError("expected at least one token");
  auto ids =
      std::make_shared<std::vector<int64_t>>(tokens.begin(), tokens.end());
  auto positions = std::make_shared<std::vector<int64_t>>();
  for (size_t i = 0; i < tokens.size(); ++i)
    positions->push_back(position + int64_t(i));
  FailureOr<SmallVector<RtValue>> out =
      run(entry, {RtValue{nullptr, ids}, RtValue{nullptr, positions}});
  if (failed(out))
    return failure();
  if (out->empty() || !out->front().matrix)
    return entry.emitError("expected @forward to return the logits");
  position += tokens.size();
  // The logits are large: move them out unless a hook kept a reference.
  std::shared_ptr<Matrix> logits = std::move(out->front().matrix);
  out->clear();
  if (logits.use_count() == 1)
    return std::move(*logits);
  return *logits;
}

//===----------------------------------------------------------------------===//
// Executor
//===----------------------------------------------------------------------===//

Executor::Executor(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Executor::~Executor() = default;

/// The activations, attention scores and logits are large (up to ~100 MB)
/// and short-lived. glibc serves blocks above its mmap threshold (at most
/// 32 MB, its maximum) with fresh mappings, so every forward pass paid for
/// zeroing new pages in the kernel (a fifth of a 512-token SmolLM2 window).
/// Keeping them in the heap reuses the pages.
static void keepLargeBlocksInHeap() {
  static bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20); // glibc's maximum
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)done;
}

FailureOr<std::unique_ptr<Executor>>
Executor::create(ModuleOp module, const ExecutorOptions &options) {
  keepLargeBlocksInHeap();
  auto impl = std::make_unique<Impl>(module, options);
  if (failed(impl->prepare(options.showProgress)))
    return failure();
  return std::unique_ptr<Executor>(new Executor(std::move(impl)));
}

FailureOr<Matrix> Executor::forward(ArrayRef<int64_t> tokens) {
  return impl->forward(tokens);
}

void Executor::reset() {
  impl->caches.clear();
  impl->position = 0;
}

int64_t Executor::position() const { return impl->position; }

size_t Executor::weightBytes() const {
  size_t bytes = 0;
  for (auto &entry : impl->weights)
    bytes += entry.second->data.size() * sizeof(float);
  for (auto &entry : impl->dequantized)
    bytes += entry.second->data.size() * sizeof(float);
  return bytes;
}

std::vector<std::string> Executor::layerFunctions() const {
  std::vector<std::string> names;
  impl->entry.walk(
      [&](func::CallOp call) { names.push_back(call.getCallee().str()); });
  return names;
}

FailureOr<Matrix> Executor::embed(ArrayRef<int64_t> tokens) {
  return impl->embed(tokens);
}

FailureOr<Matrix> Executor::runFunction(StringRef function, Matrix hidden) {
  auto fn = impl->symbols.lookup<func::FuncOp>(function);
  if (!fn)
    return impl->module.emitError("no function @") << function;
  reset();
  auto positions = std::make_shared<std::vector<int64_t>>();
  for (int64_t t = 0; t < hidden.rows; ++t)
    positions->push_back(t);
  auto out = impl->run(
      fn, {RtValue{std::make_shared<Matrix>(std::move(hidden)), nullptr},
           RtValue{nullptr, positions}});
  if (failed(out))
    return failure();
  if (out->empty() || !out->front().matrix)
    return fn.emitError("expected a hidden-state result");
  return std::move(*out->front().matrix);
}

FailureOr<const Matrix *> Executor::linearWeight(StringRef name) {
  Operation *op = impl->linearsByName.lookup(name);
  if (!op)
    return impl->module.emitError("no linear named '") << name << "'";
  auto w = isa<QLinearOp>(op) ? impl->dequantize(cast<QLinearOp>(op))
                              : impl->weight(cast<LinearOp>(op).getWeight());
  if (failed(w))
    return failure();
  return w->get();
}

FailureOr<const Matrix *> Executor::linearBias(StringRef name) {
  Operation *op = impl->linearsByName.lookup(name);
  if (!op)
    return impl->module.emitError("no linear named '") << name << "'";
  Value bias = isa<QLinearOp>(op) ? cast<QLinearOp>(op).getBias()
                                  : cast<LinearOp>(op).getBias();
  if (!bias)
    return static_cast<const Matrix *>(nullptr);
  auto b = impl->weight(bias);
  if (failed(b))
    return failure();
  return b->get();
}

FailureOr<Executor::AttentionParams>
Executor::attentionParams(StringRef function) {
  auto fn = impl->symbols.lookup<func::FuncOp>(function);
  if (!fn)
    return impl->module.emitError("no function @") << function;
  RopeOp rope;
  AttentionOp attention;
  fn.walk([&](RopeOp op) { rope = op; });
  fn.walk([&](AttentionOp op) { attention = op; });
  if (!rope || !attention)
    return fn.emitError("expected an awq.rope and an awq.attention");
  return AttentionParams{ropeFrequenciesOf(rope), attentionShapeOf(attention)};
}

void Executor::setLinearInputHook(LinearHook hook) {
  impl->linearHook = std::move(hook);
}

void Executor::setCallInputHook(CallHook hook) {
  impl->callHook = std::move(hook);
}
