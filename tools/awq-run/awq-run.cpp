//===- awq-run.cpp - run model IR on the CPU
//-------------------------------===//
//
// Runs a model (model IR or a checkpoint) with the CPU executor
// (model/Executor.h): either given token ids, printing the next token and
// optionally writing all logits, or a text prompt, printing the greedy
// continuation (the KV cache makes each new token one row of work).
//
//===----------------------------------------------------------------------===//

#include "model/Executor.h"
#include "model/ModelFile.h"
#include "tokenizer/Tokenizer.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace mlir;
using awq::model::Matrix;
namespace cl = llvm::cl;

static cl::OptionCategory category("awq-run options");
static cl::opt<std::string>
    modelPath(cl::Positional, cl::Required,
              cl::desc("<model.mlir | checkpoint directory | .gguf>"),
              cl::cat(category));
static cl::list<int64_t>
    tokenIds("token-ids", cl::CommaSeparated,
             cl::desc("run these token ids (comma separated)"),
             cl::cat(category));
static cl::opt<std::string>
    logitsFile("logits",
               cl::desc("with --token-ids: write the logits [tokens, vocab] "
                        "as raw little-endian f32"),
               cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> prompt("prompt",
                                   cl::desc("generate a continuation of this"),
                                   cl::cat(category));
static cl::opt<unsigned> maxNewTokens("max-new-tokens",
                                      cl::desc("tokens to generate"),
                                      cl::init(32), cl::cat(category));
static cl::opt<bool>
    addSpecial("add-special-tokens",
               cl::desc("encode the prompt with the tokenizer's BOS/EOS rule"),
               cl::init(false), cl::cat(category));
static cl::opt<bool> ignoreEos("ignore-eos",
                               cl::desc("generate past the EOS token"),
                               cl::cat(category));
static cl::opt<bool> printIds("print-ids",
                              cl::desc("also print the generated token ids"),
                              cl::cat(category));
static cl::opt<std::string>
    tokenizerOverride("tokenizer",
                      cl::desc("tokenizer file (default: the model's)"),
                      cl::value_desc("path"), cl::cat(category));

static int64_t argmax(const Matrix &logits, int64_t row) {
  const float *r = logits.row(row);
  return std::max_element(r, r + logits.cols) - r;
}

static int fail(const llvm::Twine &message) {
  llvm::errs() << "awq-run: error: " << message << "\n";
  return 1;
}

static int runTokenIds(awq::model::Executor &exec) {
  std::vector<int64_t> ids(tokenIds.begin(), tokenIds.end());
  FailureOr<Matrix> logits = exec.forward(ids);
  if (failed(logits))
    return 1;
  if (!logitsFile.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(logitsFile, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail("cannot write '" + logitsFile + "': " + ec.message());
    os.write(reinterpret_cast<const char *>(logits->data.data()),
             logits->data.size() * sizeof(float));
  }
  llvm::outs() << "next token: " << argmax(*logits, logits->rows - 1) << "\n";
  return 0;
}

static int generate(awq::model::Executor &exec, ModuleOp module) {
  auto tokenizer = awq::model::openTokenizer(
      module, modelPath, tokenizerOverride, "pass --tokenizer");
  if (!tokenizer)
    return fail(llvm::toString(tokenizer.takeError()));
  std::vector<int32_t> encoded = (*tokenizer)->encode(prompt, addSpecial);
  if (encoded.empty())
    return fail("the prompt encodes to no tokens");
  std::vector<int64_t> next(encoded.begin(), encoded.end());
  std::vector<int32_t> generated;
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < maxNewTokens; ++i) {
    FailureOr<Matrix> logits = exec.forward(next);
    if (failed(logits))
      return 1;
    int64_t token = argmax(*logits, logits->rows - 1);
    if (!ignoreEos && (*tokenizer)->eosId() && token == *(*tokenizer)->eosId())
      break;
    generated.push_back(int32_t(token));
    next = {token};
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << prompt << (*tokenizer)->decode(generated) << "\n";
  if (printIds)
    llvm::outs() << "ids: "
                 << llvm::join(llvm::map_range(generated,
                                               [](int32_t id) {
                                                 return std::to_string(id);
                                               }),
                               ",")
                 << "\n";
  llvm::errs() << "awq-run: " << encoded.size() << " prompt tokens, "
               << generated.size() << " generated in "
               << llvm::format("%.2f", seconds) << " s\n";
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "awq-run: run a model on the CPU\n");
  if (tokenIds.empty() == prompt.empty())
    return fail("expected exactly one of --token-ids and --prompt");
  DialectRegistry registry;
  awq::model::registerModelDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = awq::model::openModel(context, modelPath);
  if (!module)
    return 1;
  awq::model::ExecutorOptions options;
  options.showProgress = true;
  auto exec = awq::model::Executor::create(*module, options);
  if (failed(exec))
    return 1;
  return tokenIds.empty() ? generate(**exec, *module) : runTokenIds(**exec);
}
