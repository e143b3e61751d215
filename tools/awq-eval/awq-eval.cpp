//===- awq-eval.cpp - perplexity of a model on a text ---------------------===//
//
// The protocol (docs/model.md): the text (or a slice of it by characters, each
// cut moved back to the start of its line) is tokenized once without special
// tokens and split into non-overlapping windows of --window tokens (a last
// partial window is dropped); each window runs as its own sequence and the mean
// negative log-likelihood is taken over the window - 1 predicted tokens of
// every window. Perplexity = exp(mean NLL).
//
//===----------------------------------------------------------------------===//

#include "model/Executor.h"
#include "model/ModelFile.h"
#include "support/Progress.h"
#include "tokenizer/Tokenizer.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/resource.h>

#include <cmath>

using namespace mlir;
using awq::model::Matrix;
namespace cl = llvm::cl;

static cl::OptionCategory category("awq-eval options");
static cl::opt<std::string>
    modelPath(cl::Positional, cl::Required,
              cl::desc("<model.mlir | checkpoint directory | .gguf>"),
              cl::cat(category));
static cl::opt<std::string> textPath("text", cl::Required,
                                     cl::desc("UTF-8 text file to score"),
                                     cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> slice(
    "slice",
    cl::desc("score the range START:END of the text (fractions of its "
             "characters, each cut moved back to the start of its line), e.g. "
             "0.8:1"),
    cl::init("0:1"), cl::cat(category));
static cl::opt<unsigned> window("window", cl::desc("tokens per window"),
                                cl::init(512), cl::cat(category));
static cl::opt<unsigned>
    maxWindows("max-windows",
               cl::desc("score at most this many windows (0: all)"),
               cl::init(0), cl::cat(category));
static cl::opt<std::string> jsonOut("json",
                                    cl::desc("write the result as JSON"),
                                    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    tokenizerOverride("tokenizer",
                      cl::desc("tokenizer file (default: the model's)"),
                      cl::value_desc("path"), cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "awq-eval: error: " << message << "\n";
  return 1;
}

/// Sum of -log p(tokens[t + 1] | tokens[..t]) over the window's rows.
static double windowNll(const Matrix &logits, llvm::ArrayRef<int64_t> tokens) {
  double nll = 0;
  for (int64_t t = 0; t + 1 < int64_t(tokens.size()); ++t) {
    const float *row = logits.row(t);
    float maxLogit = *std::max_element(row, row + logits.cols);
    double sum = 0;
    for (int64_t v = 0; v < logits.cols; ++v)
      sum += std::exp(double(row[v]) - maxLogit);
    nll += std::log(sum) + maxLogit - row[tokens[t + 1]];
  }
  return nll;
}

static double peakRssMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

struct EvalResult {
  int64_t textTokens = 0, windows = 0, predicted = 0;
  double nll = 0, seconds = 0;
};

static llvm::Error writeJson(const EvalResult &r) {
  double meanNll = r.nll / double(r.predicted);
  llvm::json::Object o{{"model", modelPath.getValue()},
                       {"text", textPath.getValue()},
                       {"slice", slice.getValue()},
                       {"window", int64_t(window)},
                       {"text_tokens", r.textTokens},
                       {"windows", r.windows},
                       {"predicted_tokens", r.predicted},
                       {"mean_nll", meanNll},
                       {"perplexity", std::exp(meanNll)},
                       {"seconds", r.seconds},
                       {"tokens_per_second", r.windows * window / r.seconds},
                       {"peak_rss_mib", peakRssMiB()}};
  std::string text;
  llvm::raw_string_ostream(text)
      << llvm::formatv("{0:2}", llvm::json::Value(std::move(o)));
  // Written whole or not at all.
  std::error_code ec;
  std::string temp = jsonOut + ".tmp";
  {
    llvm::raw_fd_ostream os(temp, ec);
    if (ec)
      return llvm::createStringError(ec, "cannot write '" + temp + "'");
    os << text << "\n";
  }
  if (std::error_code rename = llvm::sys::fs::rename(temp, jsonOut))
    return llvm::createStringError(rename, "cannot write '" + jsonOut + "'");
  return llvm::Error::success();
}

static FailureOr<EvalResult> evaluate(awq::model::Executor &exec,
                                      llvm::ArrayRef<int64_t> tokens) {
  EvalResult r;
  r.textTokens = tokens.size();
  r.windows = tokens.size() / window;
  if (maxWindows)
    r.windows = std::min<int64_t>(r.windows, maxWindows);
  awq::ProgressBar bar("perplexity", r.windows, "windows");
  for (int64_t w = 0; w < r.windows; ++w) {
    llvm::ArrayRef<int64_t> chunk = tokens.slice(w * window, window);
    exec.reset();
    FailureOr<Matrix> logits = exec.forward(chunk);
    if (failed(logits))
      return failure();
    r.nll += windowNll(*logits, chunk);
    r.predicted += window - 1;
    double rate = (w + 1) * window / bar.elapsedSeconds();
    bar.update(w + 1, llvm::formatv("ppl {0:f2}, {1:f0} tok/s",
                                    std::exp(r.nll / r.predicted), rate)
                          .str());
  }
  r.seconds = bar.elapsedSeconds();
  bar.finish();
  return r;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "awq-eval: perplexity of a model on a text\n");
  if (window < 2)
    return fail("--window must be at least 2");
  auto buffer = llvm::MemoryBuffer::getFile(textPath);
  if (!buffer)
    return fail("cannot read '" + textPath +
                "': " + buffer.getError().message());
  auto text = awq::model::sliceText((*buffer)->getBuffer(), slice);
  if (!text)
    return fail(llvm::toString(text.takeError()));

  DialectRegistry registry;
  awq::model::registerModelDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = awq::model::openModel(context, modelPath);
  if (!module)
    return 1;
  auto tokenizer = awq::model::openTokenizer(
      *module, modelPath, tokenizerOverride, "pass --tokenizer");
  if (!tokenizer)
    return fail(llvm::toString(tokenizer.takeError()));
  std::vector<int32_t> ids = (*tokenizer)->encode(*text, /*addSpecial=*/false);
  if (ids.size() < window)
    return fail(llvm::formatv("'{0}' (slice {1}) has {2} tokens, fewer than "
                              "one window of {3}",
                              textPath, slice, ids.size(), window.getValue()));
  std::vector<int64_t> tokens(ids.begin(), ids.end());

  awq::model::ExecutorOptions options;
  options.showProgress = true;
  auto exec = awq::model::Executor::create(*module, options);
  if (failed(exec))
    return 1;
  FailureOr<EvalResult> r = evaluate(**exec, tokens);
  if (failed(r))
    return 1;
  double meanNll = r->nll / double(r->predicted);
  llvm::outs() << llvm::formatv(
      "perplexity {0:f3} (mean NLL {1:f5}) over {2} windows of {3} tokens "
      "({4} text tokens); {5:f1} tokens/s, peak RSS {6:f0} MiB\n",
      std::exp(meanNll), meanNll, r->windows, window.getValue(), r->textTokens,
      r->windows * window / r->seconds, peakRssMiB());
  if (!jsonOut.empty())
    if (llvm::Error err = writeJson(*r))
      return fail(llvm::toString(std::move(err)));
  return 0;
}
