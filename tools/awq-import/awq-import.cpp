//===- awq-import.cpp - a checkpoint to model IR
//---------------------------===//
//
// Reads a Hugging Face directory (config.json + safetensors, sharded or
// not), a llama.cpp GGUF file or an AutoAWQ GEMM checkpoint, checks every
// tensor against the architecture, and prints the model IR: one function
// per decoder layer, weights referenced by awq.weight (never copied).
//
//===----------------------------------------------------------------------===//

#include "model/Checkpoint.h"
#include "model/ModelBuilder.h"
#include "model/ModelFile.h"
#include "support/Progress.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("awq-import options");
static cl::opt<std::string>
    input(cl::Positional, cl::Required,
          cl::desc("<checkpoint: HF or AutoAWQ directory, or .gguf file>"),
          cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("output model IR file"),
                                   cl::value_desc("file"), cl::init("-"),
                                   cl::cat(category));
static cl::opt<bool> bytecode("emit-bytecode",
                              cl::desc("write MLIR bytecode instead of text"),
                              cl::cat(category));

/// The directory the IR is written to, so that weight paths inside it are
/// written relative to it.
static std::string outputDirectory() {
  if (output == "-")
    return "";
  llvm::SmallString<256> path(output.getValue());
  llvm::sys::fs::make_absolute(path);
  llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
  return std::string(llvm::sys::path::parent_path(path));
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "awq-import: a checkpoint to awq model IR\n");
  auto start = std::chrono::steady_clock::now();
  llvm::Expected<awq::model::ModelDescription> description =
      awq::model::readCheckpoint(input);
  if (!description) {
    llvm::errs() << "awq-import: error: "
                 << llvm::toString(description.takeError()) << "\n";
    return 1;
  }
  DialectRegistry registry;
  awq::model::registerModelDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module =
      awq::model::buildModelIR(context, *description, outputDirectory());
  if (failed(verify(*module)))
    return 1;
  auto built = std::chrono::steady_clock::now();

  std::string error;
  auto file = openOutputFile(output, &error);
  if (!file) {
    llvm::errs() << "awq-import: error: " << error << "\n";
    return 1;
  }
  if (bytecode) {
    if (failed(writeBytecodeToFile(*module, file->os())))
      return 1;
  } else {
    module->print(file->os());
    file->os() << "\n";
  }
  file->keep();
  auto printed = std::chrono::steady_clock::now();
  auto seconds = [](auto a, auto b) {
    return std::chrono::duration<double>(b - a).count();
  };
  llvm::errs() << "awq-import: " << description->format << " checkpoint, "
               << description->layers.size() << " decoder layers; read and "
               << "built in " << awq::formatDuration(seconds(start, built))
               << ", written in "
               << awq::formatDuration(seconds(built, printed)) << "\n";
  return 0;
}
