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
#include "formats/Half.h"
#include "formats/KernelLayout.h"
#include "formats/SafeTensors.h"
#include "passes/WeightEvaluator.h"
#include "support/AtomicDir.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace formats = ::awq::formats;
namespace cl = llvm::cl;

static cl::OptionCategory category("awq-compile options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::init("-"), cl::cat(category));
static cl::opt<std::string> outputDir("o", cl::desc("artifact directory"),
                                      cl::value_desc("dir"), cl::cat(category));
static cl::list<std::string> gemmTiles(
    "gemm-tiles",
    cl::desc("override the tensor-core variants: "
             "MMIN-MMAX:BMxBNxWMxWNxS[xKCxWK[xW]],... (W: 0, 1 = "
             "double-buffered dequantized tile, r = dequantized in registers) "
             "or MMIN-MMAX:sMTxNTxWxU[xWN[xp][xt][xs]] (stream kernel, p: "
             "prefetch, t: weights as the MMA A operand, s: activations "
             "staged in shared memory) or "
             "MMIN-MMAX:wBMxBNxWGxS[xkSPLITK][xuTILES][xws] (sm_90a warpgroup MMA, K "
             "split over a cluster of SPLITK blocks; u: K tiles of 64 per "
             "pipeline step; ws: a producer warpgroup copies and dequantizes "
             "for the WG consumers); "
             "the first MMIN is 2 to 5"),
    cl::CommaSeparated, cl::cat(category));
static cl::opt<std::string> gemvTile(
    "gemv-tile",
    cl::desc("the M = 1 GEMV's tiling: ROWSxWARPSxUNROLL[xGROUPS[xMINBLOCKS]] "
             "(weight rows per group, warps splitting K, chunks per thread "
             "in flight, row groups per block: the next group's weights "
             "load while the current one is reduced; blocks per SM)"),
    cl::init(""), cl::cat(category));
static cl::opt<std::string> tuning(
    "tuning",
    cl::desc("a tuning table (tuning/*.json, written by scripts/tune.py from "
             "tile sweeps on a GPU): its measured kernel choices replace the "
             "defaults for the shapes it lists"),
    cl::value_desc("file"), cl::init(""), cl::cat(category));
static cl::opt<std::string> device(
    "device",
    cl::desc("the GPU the artifact is for, as the CUDA driver names it "
             "(nvidia-smi -L: 'NVIDIA H100 80GB HBM3'): without --tuning, the "
             "built-in tuning table measured on it (tuning/*.json), if any"),
    cl::value_desc("name"), cl::init(""), cl::cat(category));
static cl::opt<std::string> weightsDir(
    "weights-dir",
    cl::desc("directory that relative awq.weight file names are resolved "
             "against (default: the IR file's directory)"),
    cl::init(""), cl::cat(category));
static cl::list<std::string>
    archs("arch",
          cl::desc("GPU architectures (sm_80, sm_86, sm_89, sm_90, "
                   "sm_90a: Hopper's warpgroup MMA, runs only on "
                   "compute capability 9.0)"),
          cl::CommaSeparated, cl::cat(category));
enum class Emit { artifact, mlir, llvm, ptx };
static cl::opt<Emit>
    emit("emit", cl::desc("print one stage instead of writing an artifact"),
         cl::values(clEnumValN(Emit::mlir, "mlir",
                               "IR after kernel generation (gpu/nvgpu/vector)"),
                    clEnumValN(Emit::llvm, "llvm", "LLVM IR of the kernels"),
                    clEnumValN(Emit::ptx, "ptx", "PTX of the kernels")),
         cl::init(Emit::artifact), cl::cat(category));

/// Writes `contents` to `path`, reporting a failure.
static LogicalResult writeFile(StringRef path, StringRef contents) {
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

/// Whether `value` can be computed at compile time (it is not, or does not
/// depend on, a function argument).
static bool isCompileTimeValue(Value value) {
  if (isa<BlockArgument>(value))
    return false;
  return llvm::all_of(value.getDefiningOp()->getOperands(), isCompileTimeValue);
}

/// Checks that every file an `awq.weight` names exists, before any long
/// work, and says where relative names were looked for.
static LogicalResult checkWeightFiles(ModuleOp module) {
  mlir::awq::WeightEvaluator evaluator(weightsDir);
  llvm::StringSet<> reported;
  bool missing = false;
  module.walk([&](mlir::awq::WeightOp op) {
    std::string path = evaluator.resolvePath(op, op.getFile());
    if (llvm::sys::fs::exists(path) || !reported.insert(path).second)
      return;
    missing = true;
    InFlightDiagnostic diag = op.emitError()
                              << "weights file '" << path << "' does not exist";
    if (llvm::sys::path::is_absolute(op.getFile()))
      return;
    std::string base =
        llvm::sys::path::parent_path(evaluator.resolvePath(op, "x")).str();
    diag << "; relative names are resolved against '"
         << (base.empty() ? "." : base) << "' ("
         << (weightsDir.empty() ? "the IR file's directory" : "--weights-dir")
         << "); pass --weights-dir=DIR to name the directory that holds them";
  });
  return failure(missing);
}

/// Evaluates the quantized weights of every linear, repacks them into the
/// kernel layout (never changing a number) and adds them to `writer` under
/// the names the manifest gives. Linears whose weights are function
/// arguments contribute nothing; returns how many linears were packed.
static FailureOr<unsigned> packWeights(ModuleOp module,
                                       formats::SafeTensorsWriter &writer) {
  mlir::awq::WeightEvaluator evaluator(weightsDir);
  unsigned packed = 0, shapeOnly = 0, index = 0;
  WalkResult walk = module.walk([&](mlir::awq::QLinearOp op) -> WalkResult {
    std::string name = op.getName() ? op.getName()->str()
                                    : "linear" + std::to_string(index);
    ++index;
    SmallVector<Value> operands = {op.getQweight(), op.getScales()};
    if (op.getZeros())
      operands.push_back(op.getZeros());
    if (op.getBias())
      operands.push_back(op.getBias());
    if (!llvm::all_of(operands, isCompileTimeValue)) {
      ++shapeOnly;
      return WalkResult::advance();
    }
    FailureOr<mlir::awq::HostTensor> q = evaluator.evaluate(op.getQweight());
    FailureOr<mlir::awq::HostTensor> s = evaluator.evaluate(op.getScales());
    if (failed(q) || failed(s))
      return WalkResult::interrupt();
    formats::QuantizedWeight canonical;
    canonical.n = op.getN();
    canonical.k = op.getK();
    canonical.groupSize = op.getGroupSize();
    canonical.bits = op.getBits();
    canonical.q.assign(q->ints.begin(), q->ints.end());
    canonical.scales = s->floats;
    if (op.getZeros()) {
      FailureOr<mlir::awq::HostTensor> z = evaluator.evaluate(op.getZeros());
      if (failed(z))
        return WalkResult::interrupt();
      canonical.zeros.assign(z->ints.begin(), z->ints.end());
    }
    bool bf16 = op.getInput().getType().getElementType().isBF16();
    auto dtype = bf16 ? formats::DType::BF16 : formats::DType::F16;
    llvm::Expected<formats::KernelWeights> kernel =
        formats::packKernelLayout(canonical, dtype);
    if (!kernel) {
      op.emitOpError("cannot pack the weights: ")
          << llvm::toString(kernel.takeError());
      return WalkResult::interrupt();
    }
    auto asBytes = [](const auto &values) {
      return ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                               values.size() * sizeof(values[0]));
    };
    int64_t n = canonical.n, groups = canonical.numGroups();
    llvm::Error err = writer.addI32(name + ".qweight", {n, canonical.k / 8},
                                    kernel->qweight);
    if (!err)
      err = writer.add(name + ".scales", dtype, {n, groups},
                       asBytes(kernel->scales));
    if (!err && op.getZeros())
      err = writer.add(name + ".zeros", dtype, {n, groups},
                       asBytes(kernel->zeros));
    if (!err && op.getBias()) {
      FailureOr<mlir::awq::HostTensor> bias = evaluator.evaluate(op.getBias());
      if (failed(bias))
        return WalkResult::interrupt();
      std::vector<uint16_t> bits;
      for (float v : bias->floats)
        bits.push_back(formats::encodeHalf(v, dtype));
      err = writer.add(name + ".bias", dtype, {n}, asBytes(bits));
    }
    if (err) {
      op.emitOpError("cannot add the packed weights: ")
          << llvm::toString(std::move(err));
      return WalkResult::interrupt();
    }
    ++packed;
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (packed && shapeOnly) {
    module.emitError("some linears have weights and ")
        << shapeOnly
        << " take them as function arguments: an artifact ships either all "
           "weights or none";
    return failure();
  }
  return packed;
}

/// Compiles the input into the artifact directory `outDir` (empty with
/// --emit, which prints instead).
static LogicalResult compile(MLIRContext &context, StringRef outDir) {
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
    if (!mlir::awq::isSupportedArch(arch)) {
      llvm::errs() << "awq-compile: unsupported GPU architecture '" << arch
                   << "' (supported: "
                   << llvm::join(std::begin(mlir::awq::kSupportedArchs),
                                 std::end(mlir::awq::kSupportedArchs), ", ")
                   << ")\n";
      return failure();
    }
  if (emit == Emit::artifact && failed(checkWeightFiles(*module)))
    return failure();

  // Every arch gets the tiles its own shared memory allows (and sm_90a its
  // wgmma kernels): the first arch's variants are each layer's "variants",
  // another arch's go to "arch_variants" where they differ.
  llvm::json::Object ptxFiles;
  std::optional<llvm::json::Array> layers;
  for (const std::string &arch : archs) {
    OwningOpRef<ModuleOp> clone = module->clone();
    PassManager pm(&context);
    // Policy (which kernel serves which M), then mechanism (build it).
    mlir::awq::SelectKernelsPassOptions select;
    select.chip = arch;
    select.gemmTiles.assign(gemmTiles.begin(), gemmTiles.end());
    select.gemvTile = gemvTile;
    select.tuning = tuning;
    select.device = device;
    pm.addPass(mlir::awq::createSelectKernelsPass(select));
    mlir::awq::ConvertAwqToGPUPassOptions convert;
    convert.chip = arch;
    pm.addPass(mlir::awq::createConvertAwqToGPUPass(convert));
    if (failed(pm.run(*clone)))
      return failure();
    if (emit == Emit::mlir) {
      clone->print(llvm::outs());
      return success();
    }

    llvm::json::Array described;
    unsigned index = 0;
    WalkResult walk = clone->walk([&](mlir::awq::QLinearOp op) {
      FailureOr<llvm::json::Object> layer =
          mlir::awq::describeLinear(op, *clone, index++);
      if (failed(layer))
        return WalkResult::interrupt();
      described.push_back(std::move(*layer));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    if (!layers) {
      layers = std::move(described);
    } else {
      for (auto [base, own] : llvm::zip_equal(*layers, described)) {
        llvm::json::Object *baseObj = base.getAsObject();
        const llvm::json::Value *ownVariants =
            own.getAsObject()->get("variants");
        if (*baseObj->get("variants") == *ownVariants)
          continue;
        auto byArch =
            baseObj->try_emplace("arch_variants", llvm::json::Object()).first;
        (*byArch->second.getAsObject())[arch] = *ownVariants;
      }
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

    if (emit == Emit::llvm || emit == Emit::ptx) {
      FailureOr<SmallVector<std::string>> payloads =
          mlir::awq::lowerKernelsToBinaries(
              *kernels, arch, emit == Emit::llvm ? "llvm" : "isa");
      if (failed(payloads))
        return failure();
      for (const std::string &payload : *payloads)
        llvm::outs() << payload;
      return success();
    }
    // The artifact's PTX: one module per kernel, which the runtime compiles
    // to SASS concurrently (a cold load of the four bench layers took 2 s
    // as one module on one thread).
    FailureOr<std::string> ptx =
        mlir::awq::lowerKernelsPerModule(*kernels, arch);
    if (failed(ptx))
      return failure();
    std::string ptxName = "kernels." + arch + ".ptx";
    SmallString<256> ptxPath(outDir);
    llvm::sys::path::append(ptxPath, ptxName);
    if (failed(writeFile(ptxPath, *ptx)))
      return failure();
    ptxFiles[arch] = ptxName;
  }

  llvm::json::Object manifest{{"format", "awq-artifact"},
                              {"version", 1},
                              {"ptx", std::move(ptxFiles)},
                              {"layers", std::move(*layers)}};
  // Weights: evaluated from the IR (constants or awq.weight references),
  // packed into the kernel layout. Shape-only IR ships kernels alone.
  formats::SafeTensorsWriter writer;
  FailureOr<unsigned> packed = packWeights(*module, writer);
  if (failed(packed))
    return failure();
  if (*packed) {
    SmallString<256> weightsPath(outDir);
    llvm::sys::path::append(weightsPath, "weights.safetensors");
    if (llvm::Error err = writer.write(weightsPath)) {
      llvm::errs() << "awq-compile: " << llvm::toString(std::move(err))
                   << "\n";
      return failure();
    }
    manifest["weights"] = "weights.safetensors";
  }
  SmallString<256> manifestPath(outDir);
  llvm::sys::path::append(manifestPath, "manifest.json");
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest))) << "\n";
  return writeFile(manifestPath, text);
}

static int fail(const llvm::Twine &message) {
  llvm::errs() << "awq-compile: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "awq-compile: quantized model IR -> GPU kernels (PTX) + manifest\n");
  // Nobody types IR at a prompt: without a file, a terminal means the user
  // forgot it (an explicit '-' still reads one).
  if (!inputFile.getNumOccurrences() &&
      llvm::sys::Process::StandardInIsUserInput()) {
    llvm::errs() << "awq-compile: no input file, and stdin is a terminal\n"
                    "usage: awq-compile <model.mlir> -o DIR [--arch=sm_80,...] "
                    "[--weights-dir=DIR]\n"
                    "       awq-compile <model.mlir> --emit=mlir|llvm|ptx\n"
                    "(--help lists every option)\n";
    return 2;
  }
  if (emit == Emit::artifact && outputDir.empty()) {
    llvm::errs() << "awq-compile: no output directory: pass -o DIR or --emit\n";
    return 1;
  }
  DialectRegistry registry;
  mlir::awq::registerAwqDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  if (emit != Emit::artifact)
    return failed(compile(context, "")) ? 1 : 0;
  // Built beside the target and renamed over it only when complete.
  llvm::Expected<std::unique_ptr<::awq::AtomicDir>> dir =
      ::awq::AtomicDir::create(outputDir, "manifest.json");
  if (!dir)
    return fail(llvm::toString(dir.takeError()));
  if (failed(compile(context, (*dir)->path())))
    return 1;
  if (llvm::Error err = (*dir)->commit())
    return fail(llvm::toString(std::move(err)));
  return 0;
}
