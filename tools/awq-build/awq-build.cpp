//===- awq-build.cpp - checkpoint + calibration text -> deployable model
//---===//
//
// The whole job in one command: import a checkpoint (HF directory or GGUF),
// calibrate AWQ on a text through the compiler's passes (awq-calibrate,
// awq-fold-scales, awq-apply-clips, awq-quantize-weights; or plain RTN),
// and write an output directory with
//   checkpoint/   an AutoAWQ GEMM checkpoint (config.json with
//                 quantization_config, safetensors, tokenizer files:
//                 copied from an HF source, written from a GGUF's vocab),
//   artifact/     kernels for the requested GPUs + packed weights
//                 (awq-compile on the checkpoint),
//   model.mlirbc  the quantized model IR (awq-eval / awq-run take it),
//   calibration.safetensors / .json, report.txt, report.svg.
// The directory is built under a temporary name and renamed only when
// every step succeeded, so a failure or Ctrl-C never leaves an output that
// looks complete.
//
//===----------------------------------------------------------------------===//

#include "model/Checkpoint.h"
#include "model/Export.h"
#include "model/ModelBuilder.h"
#include "model/ModelFile.h"
#include "model/Passes.h"
#include "model/Report.h"
#include "passes/Passes.h"
#include "support/AtomicDir.h"
#include "formats/Gguf.h"
#include "tokenizer/Tokenizer.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("awq-build options");
static cl::opt<std::string>
    input(cl::Positional, cl::Required,
          cl::desc("<checkpoint: HF directory or .gguf file>"),
          cl::cat(category));
static cl::opt<std::string> output("o", cl::Required,
                                   cl::desc("output directory"),
                                   cl::value_desc("dir"), cl::cat(category));
static cl::opt<std::string> calibText("calib-text",
                                      cl::desc("calibration text file"),
                                      cl::value_desc("file"),
                                      cl::cat(category));
static cl::opt<std::string>
    calibSlice("calib-slice",
               cl::desc("part of the text to calibrate on, START:END"),
               cl::init("0:1"), cl::cat(category));
static cl::opt<std::string> method("method", cl::desc("awq or rtn"),
                                   cl::init("awq"), cl::cat(category));
static cl::opt<int64_t> samples("samples", cl::desc("calibration sequences"),
                                cl::init(128), cl::cat(category));
static cl::opt<int64_t> tokens("tokens", cl::desc("tokens per sequence"),
                               cl::init(512), cl::cat(category));
static cl::opt<int64_t> bits("bits", cl::desc("3, 4 or 8"), cl::init(4),
                             cl::cat(category));
static cl::opt<int64_t> groupSize("group-size",
                                  cl::desc("group size (0: per-channel)"),
                                  cl::init(128), cl::cat(category));
static cl::opt<bool> symmetric("symmetric", cl::desc("no zero points"),
                               cl::cat(category));
static cl::opt<int64_t>
    lossSequences("loss-sequences",
                  cl::desc("sequences the scale search's losses use (0: all)"),
                  cl::init(16), cl::cat(category));
static cl::opt<bool>
    clipSearch("clip",
               cl::desc("run AWQ's clip search (default on, as AutoAWQ)"),
               cl::init(true), cl::cat(category));
static cl::opt<std::string> archs("arch",
                                  cl::desc("GPU targets of the artifact "
                                           "(none: no artifact)"),
                                  cl::init("sm_80,sm_90,sm_90a"),
                                  cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "awq-build: error: " << message << "\n";
  return 1;
}

static std::string sibling(llvm::StringRef tool) {
  std::string self = llvm::sys::fs::getMainExecutable(
      nullptr, reinterpret_cast<void *>(&fail));
  llvm::SmallString<256> path = llvm::sys::path::parent_path(self);
  llvm::sys::path::append(path, tool);
  return std::string(path);
}

static std::string join(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

/// The pass pipeline of the chosen method, anchored on the module.
static std::string pipeline(llvm::StringRef dir) {
  std::string quantize = llvm::formatv(
      "awq-quantize-weights{{bits={0} group-size={1} symmetric={2}}",
      bits.getValue(), groupSize.getValue(), symmetric ? 1 : 0);
  if (method == "rtn")
    return "func.func(" + quantize + ")";
  return llvm::formatv(
             "awq-calibrate{{text={0} slice={1} samples={2} "
             "tokens={3} bits={4} group-size={5} symmetric={6} "
             "loss-sequences={7} clip={11} results={8} report={9}},"
             "func.func(awq-fold-scales,awq-apply-clips,{10})",
             calibText.getValue(), calibSlice.getValue(), samples.getValue(),
             tokens.getValue(), bits.getValue(), groupSize.getValue(),
             symmetric ? 1 : 0, lossSequences.getValue(),
             join(dir, "calibration.safetensors"),
             join(dir, "calibration.json"), quantize, clipSearch ? 1 : 0)
      .str();
}

static int runTool(llvm::StringRef tool, llvm::ArrayRef<llvm::StringRef> args) {
  std::string path = sibling(tool);
  std::vector<llvm::StringRef> argv{path};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string error;
  int rc =
      llvm::sys::ExecuteAndWait(path, argv, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    return fail(tool + " failed" + (error.empty() ? "" : ": " + error));
  return 0;
}

/// The tokenizer files transformers and vLLM read: copied from an HF
/// source that has them; from a GGUF, written from its tokenizer.ggml.*
/// metadata as llama.cpp reads it (the original tokenizer's split and BOS
/// rule, which transformers' GGUF conversion drops; docs/tokenizer.md).
static int writeTokenizerFiles(const ::awq::model::ModelDescription &d,
                               llvm::StringRef dir) {
  if (d.format != "gguf") {
    for (const char *name :
         {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
          "generation_config.json"})
      if (llvm::sys::fs::exists(join(d.source, name)))
        llvm::sys::fs::copy_file(join(d.source, name), join(dir, name));
    return 0;
  }
  auto file = ::awq::formats::GgufFile::open(d.source);
  if (!file)
    return fail(llvm::toString(file.takeError()));
  auto config = ::awq::tok::readCheckedGgufTokenizerConfig(
      **file, ::awq::tok::GgufConvention::LlamaCpp);
  if (!config) {
    llvm::errs() << "awq-build: warning: the checkpoint gets no tokenizer "
                    "files: "
                 << llvm::toString(config.takeError()) << "\n";
    return 0;
  }
  if (llvm::Error err = ::awq::tok::writeHuggingFaceTokenizer(
          *config, ::awq::tok::ggufTokenizerExtras(**file), dir))
    return fail(llvm::toString(std::move(err)));
  return 0;
}

/// Everything but the final rename, inside `dir`.
static int build(llvm::StringRef dir) {
  llvm::Expected<::awq::model::ModelDescription> description =
      ::awq::model::readCheckpoint(input);
  if (!description)
    return fail(llvm::toString(description.takeError()));
  DialectRegistry registry;
  ::awq::model::registerModelDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module =
      ::awq::model::buildModelIR(context, *description, "");
  PassManager pm(&context);
  if (failed(parsePassPipeline(pipeline(dir), pm)) || failed(pm.run(*module)))
    return fail("the quantization pipeline failed (see above)");
  std::error_code ec;
  llvm::raw_fd_ostream ir(join(dir, "model.mlirbc"), ec);
  if (ec || failed(writeBytecodeToFile(*module, ir)))
    return fail("cannot write model.mlirbc");
  ir.close();
  if (method == "awq")
    if (llvm::Error err = ::awq::model::writeReport(
            join(dir, "calibration.json"), join(dir, "report.txt"),
            join(dir, "report.svg")))
      return fail(llvm::toString(std::move(err)));
  if (bits != 4 || symmetric) {
    llvm::errs() << "awq-build: " << bits << "-bit"
                 << (symmetric ? " symmetric" : "")
                 << " weights: no AutoAWQ checkpoint or kernels (the GEMM "
                    "format and the kernels hold 4-bit asymmetric weights); "
                    "model.mlirbc has the quantized model\n";
    return 0;
  }
  std::string checkpoint = join(dir, "checkpoint");
  if (llvm::Error err = ::awq::model::exportAutoAwq(*module, *description,
                                                    groupSize, checkpoint))
    return fail(llvm::toString(std::move(err)));
  if (writeTokenizerFiles(*description, checkpoint))
    return 1;
  if (archs == "none")
    return 0;
  std::string imported = join(dir, "checkpoint.mlir");
  std::string archFlag = "--arch=" + archs;
  if (runTool("awq-import", {checkpoint, "-o", imported}) ||
      runTool("awq-compile", {imported, "-o", join(dir, "artifact"), archFlag}))
    return 1;
  llvm::sys::fs::remove(imported);
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::awq::registerAwqPasses();
  mlir::awq::registerAwqModelPasses();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "awq-build: checkpoint + calibration text -> AutoAWQ "
      "checkpoint, kernels and report\n");
  if (method != "awq" && method != "rtn")
    return fail("--method must be awq or rtn, got '" + method + "'");
  if (method == "awq" && calibText.empty())
    return fail("--method=awq needs --calib-text");
  // Before any long work: the kernels and the AutoAWQ GEMM format hold
  // 4-bit asymmetric weights only.
  if ((bits != 4 || symmetric) && archs != "none")
    return fail(llvm::formatv("no kernels or AutoAWQ checkpoint exist for "
                              "{0}-bit{1} weights; pass --arch=none to build "
                              "only the quantized model IR (model.mlirbc) "
                              "and the report",
                              bits.getValue(), symmetric ? " symmetric" : ""));
  llvm::Expected<std::unique_ptr<::awq::AtomicDir>> dir =
      ::awq::AtomicDir::create(output, "model.mlirbc");
  if (!dir)
    return fail(llvm::toString(dir.takeError()));
  if (int rc = build((*dir)->path()))
    return rc;
  if (llvm::Error err = (*dir)->commit())
    return fail(llvm::toString(std::move(err)));
  llvm::outs() << "awq-build: wrote " << output << "\n";
  return 0;
}
