//===- awq-compile.cpp - model IR to a deployable kernel artifact ----------===//
//
// Takes model IR with quantized linears (awq.qlinear), generates the
// specialised kernels for every requested GPU architecture, lowers them to
// PTX through LLVM's NVPTX backend, and writes the artifact directory that
// the runtime loads (docs/artifact-format.md). `--emit` prints one stage
// instead.
//
//===----------------------------------------------------------------------===//

#include "codegen/Compile.h"
#include "codegen/Passes.h"
#include "codegen/Pipelines.h"
#include "dialects/Awq/AwqOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::init("-"));
static cl::opt<std::string> outputDir("o", cl::desc("artifact directory"),
                                      cl::value_desc("dir"));
static cl::list<std::string>
    archs("arch", cl::desc("GPU architectures (sm_80, sm_86, sm_89, sm_90)"),
          cl::CommaSeparated);
enum class Emit { artifact, mlir, llvm, ptx };
static cl::opt<Emit> emit(
    "emit", cl::desc("print one stage instead of writing an artifact"),
    cl::values(clEnumValN(Emit::mlir, "mlir",
                          "IR after kernel generation (gpu/nvgpu/vector)"),
               clEnumValN(Emit::llvm, "llvm", "LLVM IR of the kernels"),
               clEnumValN(Emit::ptx, "ptx", "PTX of the kernels")),
    cl::init(Emit::artifact));

/// Writes `contents` to `path` through a temporary file renamed into
/// place, so a failure never leaves a half-written file.
static LogicalResult writeAtomically(StringRef path, StringRef contents) {
  if (llvm::Error err = llvm::writeToOutput(
          path, [&](llvm::raw_ostream &os) -> llvm::Error {
            os << contents;
            return llvm::Error::success();
          })) {
    llvm::errs() << "awq-compile: cannot write '" << path
                 << "': " << llvm::toString(std::move(err)) << "\n";
    return failure();
  }
  return success();
}

static LogicalResult run(MLIRContext &context) {
  std::string errorMessage;
  auto file = openInputFile(inputFile, &errorMessage);
  if (!file) {
    llvm::errs() << "awq-compile: " << errorMessage << "\n";
    return failure();
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return failure();

  if (archs.empty())
    archs.push_back("sm_90");
  for (const std::string &arch : archs)
    if (!awq::isSupportedArch(arch)) {
      llvm::errs() << "awq-compile: unsupported GPU architecture '" << arch
                   << "' (supported: "
                   << llvm::join(std::begin(awq::kSupportedArchs),
                                 std::end(awq::kSupportedArchs), ", ")
                   << ")\n";
      return failure();
    }
  if (emit == Emit::artifact && outputDir.empty()) {
    llvm::errs() << "awq-compile: no output directory: pass -o DIR or --emit\n";
    return failure();
  }

  llvm::json::Object ptxFiles;
  std::optional<llvm::json::Array> layers;
  for (const std::string &arch : archs) {
    OwningOpRef<ModuleOp> clone = module->clone();
    PassManager pm(&context);
    awq::ConvertAwqToGPUPassOptions options;
    options.chip = arch;
    pm.addPass(awq::createConvertAwqToGPUPass(options));
    if (failed(pm.run(*clone)))
      return failure();
    if (emit == Emit::mlir) {
      clone->print(llvm::outs());
      return success();
    }

    if (!layers) {
      // Variants are the same for every arch; describe them once.
      layers.emplace();
      unsigned index = 0;
      WalkResult walk = clone->walk([&](awq::QLinearOp op) {
        FailureOr<llvm::json::Object> layer =
            awq::describeLinear(op, *clone, index++);
        if (failed(layer))
          return WalkResult::interrupt();
        layers->push_back(std::move(*layer));
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return failure();
    }

    // Only the kernels travel on: host functions stay out of the lowering.
    OwningOpRef<ModuleOp> kernels = ModuleOp::create(clone->getLoc());
    (*kernels)->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                        UnitAttr::get(&context));
    for (auto gpuModule : clone->getOps<gpu::GPUModuleOp>())
      kernels->push_back(gpuModule.clone());
    if (kernels->getBody()->empty()) {
      llvm::errs() << "awq-compile: '" << inputFile
                   << "' has no awq.qlinear and no gpu.module: nothing to "
                      "compile\n";
      return failure();
    }

    FailureOr<SmallVector<std::string>> payloads = awq::lowerKernelsToBinaries(
        *kernels, arch, emit == Emit::llvm ? "llvm" : "isa");
    if (failed(payloads))
      return failure();
    if (emit == Emit::llvm || emit == Emit::ptx) {
      for (const std::string &payload : *payloads)
        llvm::outs() << payload;
      return success();
    }
    // One PTX module per arch: the runtime loads one file as one module.
    if (payloads->size() != 1) {
      llvm::errs() << "awq-compile: expected the kernels in one gpu.module, "
                      "got "
                   << payloads->size() << "\n";
      return failure();
    }
    std::string ptxName = "kernels." + arch + ".ptx";
    SmallString<256> ptxPath(outputDir);
    llvm::sys::path::append(ptxPath, ptxName);
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
      llvm::errs() << "awq-compile: cannot create '" << outputDir
                   << "': " << ec.message() << "\n";
      return failure();
    }
    if (failed(writeAtomically(ptxPath, payloads->front())))
      return failure();
    ptxFiles[arch] = ptxName;
  }

  llvm::json::Object manifest{{"format", "awq-artifact"},
                              {"version", 1},
                              {"ptx", std::move(ptxFiles)},
                              {"layers", std::move(*layers)}};
  SmallString<256> manifestPath(outputDir);
  llvm::sys::path::append(manifestPath, "manifest.json");
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest))) << "\n";
  return writeAtomically(manifestPath, text);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "awq-compile: quantized model IR -> GPU kernels (PTX) + manifest\n");
  DialectRegistry registry;
  awq::registerAwqDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  return failed(run(context)) ? 1 : 0;
}
