//===- Compile.cpp - kernels for quantized linears, as a library ----------===//
//
// Implements Compile.h: the lowering and manifest description that
// awq-compile writes to disk and the JIT hands to the runtime in memory.
//
//===----------------------------------------------------------------------===//

#include "codegen/Compile.h"
#include "codegen/Passes.h"
#include "codegen/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Threading.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <mutex>

using namespace mlir;
using namespace mlir::awq;

const char *const awq::kSupportedArchs[5] = {"sm_80", "sm_86", "sm_89", "sm_90",
                                             "sm_90a"};

bool awq::isSupportedArch(StringRef arch) {
  return llvm::is_contained(kSupportedArchs, arch);
}

/// Lowers `module` (kernels generated or hand-written gpu.modules) to
/// gpu.binary ops of the given format and returns each binary's payload.
/// The gpu.module -> binary pass manager for `arch`, with every dialect its
/// passes depend on already loaded: PassManager::run loads missing ones
/// into the context, which races when several run at once.
static std::unique_ptr<PassManager>
makeLoweringPassManager(MLIRContext *context, StringRef arch,
                        StringRef format) {
  auto pm = std::make_unique<PassManager>(context);
  awq::GpuToPtxOptions options;
  options.chip = arch.str();
  options.format = format.str();
  awq::buildGpuToPtxPipeline(*pm, options);
  DialectRegistry dependencies;
  pm->getDependentDialects(dependencies);
  context->appendDialectRegistry(dependencies);
  context->loadAllAvailableDialects();
  return pm;
}

/// Runs `pm` on `module` and returns each gpu.binary object's payload.
static FailureOr<SmallVector<std::string>> runToBinaries(PassManager &pm,
                                                         ModuleOp module) {
  if (failed(pm.run(module)))
    return failure();
  SmallVector<std::string> payloads;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      payloads.push_back(
          cast<gpu::ObjectAttr>(object).getObject().getValue().str());
  });
  return payloads;
}

FailureOr<SmallVector<std::string>>
awq::lowerKernelsToBinaries(ModuleOp module, StringRef arch,
                            StringRef format) {
  std::unique_ptr<PassManager> pm =
      makeLoweringPassManager(module.getContext(), arch, format);
  return runToBinaries(*pm, module);
}

/// The element type of a kernel parameter, as the manifest spells it.
static std::string dtypeName(Type type) {
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF32())
    return "f32";
  if (type.isInteger(32))
    return "i32";
  return "unknown";
}

/// Manifest entry of one linear: its shape and, per variant, the launch
/// geometry and the parameters read off the generated gpu.func.
FailureOr<llvm::json::Object> awq::describeLinear(QLinearOp op,
                                                 ModuleOp module,
                                                 unsigned index) {
  std::string name = op.getName() ? op.getName()->str()
                                  : "linear" + std::to_string(index);
  llvm::json::Object tensors{{"qweight", name + ".qweight"},
                             {"scales", name + ".scales"}};
  if (!op.isSymmetric())
    tensors["zeros"] = name + ".zeros";
  if (op.getBias())
    tensors["bias"] = name + ".bias";

  llvm::json::Array variants;
  for (auto variant : op.getKernelsAttr().getAsRange<awq::KernelVariantAttr>()) {
    auto func = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
        module, variant.getKernel());
    if (!func)
      return op.emitOpError("kernel ") << variant.getKernel() << " not found";
    SmallVector<StringRef> roles = {"x", "qweight", "scales"};
    if (!op.isSymmetric())
      roles.push_back("zeros");
    if (op.getBias())
      roles.push_back("bias");
    roles.push_back("y");
    llvm::json::Array params;
    for (auto [role, type] : llvm::zip_equal(roles, func.getArgumentTypes())) {
      auto memref = cast<MemRefType>(type);
      llvm::json::Array shape;
      for (int64_t d : memref.getShape())
        shape.push_back(ShapedType::isDynamic(d) ? int64_t(-1) : d);
      params.push_back(llvm::json::Object{
          {"name", role},
          {"dtype", dtypeName(memref.getElementType())},
          {"shape", std::move(shape)}});
    }
    variants.push_back(llvm::json::Object{
        {"kernel", variant.getKernel().getLeafReference().getValue()},
        {"family", variant.getFamily()},
        {"m_min", variant.getMMin()},
        {"m_max", variant.getMMax()},
        {"m_tile", variant.getMTile()},
        {"grid", llvm::json::Array(variant.getGrid())},
        {"block", llvm::json::Array(variant.getBlock())},
        {"shared_bytes", variant.getSharedBytes()},
        {"params", std::move(params)}});
  }
  return llvm::json::Object{
      {"name", name},
      {"n", op.getN()},
      {"k", op.getK()},
      {"group_size", op.getGroupSize()},
      {"bits", static_cast<int64_t>(op.getBits())},
      {"dtype", dtypeName(op.getInput().getType().getElementType())},
      {"has_zeros", !op.isSymmetric()},
      {"has_bias", static_cast<bool>(op.getBias())},
      {"tensors", std::move(tensors)},
      {"variants", std::move(variants)}};
}

/// A module holding `kernel` alone in a copy of `gpuModule`, with the
/// module-level symbols (the dynamic shared memory globals) it uses: an
/// unused 1024-byte-aligned `.extern .shared` array still costs every block
/// of the module 1 KiB.
static OwningOpRef<ModuleOp> moduleOfKernel(gpu::GPUModuleOp gpuModule,
                                            gpu::GPUFuncOp kernel) {
  Location loc = gpuModule.getLoc();
  OpBuilder b(gpuModule.getContext());
  OwningOpRef<ModuleOp> part = ModuleOp::create(loc);
  (*part)->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                   b.getUnitAttr());
  OpBuilder pb = OpBuilder::atBlockEnd(part->getBody());
  auto single = gpu::GPUModuleOp::create(pb, loc, gpuModule.getName());
  pb.setInsertionPointToEnd(single.getBody());
  llvm::StringSet<> used;
  if (auto uses = SymbolTable::getSymbolUses(kernel))
    for (const SymbolTable::SymbolUse &use : *uses)
      used.insert(use.getSymbolRef().getLeafReference().getValue());
  for (Operation &op : gpuModule.getBody()->without_terminator())
    if (auto symbol = dyn_cast<SymbolOpInterface>(op);
        symbol && !isa<gpu::GPUFuncOp>(op) && used.contains(symbol.getName()))
      pb.clone(op);
  pb.clone(*kernel);
  return part;
}

FailureOr<std::string> awq::lowerKernelsPerModule(ModuleOp module,
                                                  StringRef arch,
                                                  ArrayRef<std::string> only) {
  // Each kernel is lowered in a module of its own, in parallel (LLVM's
  // NVPTX code generation dominates a JIT compile).
  MLIRContext &context = *module.getContext();
  auto gpuModules = module.getOps<gpu::GPUModuleOp>();
  if (std::distance(gpuModules.begin(), gpuModules.end()) != 1)
    return module.emitError("expected exactly one gpu.module to lower");
  gpu::GPUModuleOp gpuModule = *gpuModules.begin();
  SmallVector<OwningOpRef<ModuleOp>> parts;
  for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>())
    if (only.empty() || llvm::is_contained(only, kernel.getName()))
      parts.push_back(moduleOfKernel(gpuModule, kernel));
  if (!only.empty() && parts.size() != only.size())
    return module.emitError("a kernel to lower is not in the gpu.module");
  // Pass managers are built (and their dialects loaded) on this thread;
  // only the runs are parallel.
  SmallVector<std::unique_ptr<PassManager>> managers;
  for (size_t i = 0; i < parts.size(); ++i)
    managers.push_back(makeLoweringPassManager(&context, arch, "isa"));
  SmallVector<std::string> texts(parts.size());
  LogicalResult lowered = failableParallelForEachN(
      &context, 0, parts.size(), [&](size_t i) -> LogicalResult {
        FailureOr<SmallVector<std::string>> ptx =
            runToBinaries(*managers[i], *parts[i]);
        if (failed(ptx))
          return failure();
        if (ptx->size() != 1)
          return parts[i]->emitError("expected one PTX binary per kernel, got ")
                 << ptx->size();
        texts[i] = std::move(ptx->front());
        return success();
      });
  if (failed(lowered))
    return failure();
  // One complete PTX module per kernel, back to back: the runtime compiles
  // them to SASS concurrently (awq_jit_result in runtime/awq_runtime.h).
  std::string ptx;
  for (const std::string &text : texts) {
    ptx += text;
    ptx += "\n";
  }
  return ptx;
}

//===----------------------------------------------------------------------===//
// LinearKernels
//===----------------------------------------------------------------------===//

namespace mlir {
namespace awq {

/// The M range one kernel serves.
struct KernelRange {
  int64_t mMin, mMax;
  std::string kernel;
};

struct LinearKernels::State {
  MLIRContext context;
  /// Every diagnostic of the context, for the error messages.
  std::string diagnostics;
  std::mutex diagnosticsLock;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
  std::string arch;
  OwningOpRef<ModuleOp> module;
  std::string manifestJson;
  std::vector<KernelRange> ranges;
  std::vector<std::string> kernels;

  explicit State(DialectRegistry &registry) : context(registry) {
    context.loadAllAvailableDialects();
    handler = std::make_unique<ScopedDiagnosticHandler>(
        &context, [this](Diagnostic &diag) {
          std::lock_guard<std::mutex> guard(diagnosticsLock);
          llvm::raw_string_ostream os(diagnostics);
          os << diag << "\n";
          return success();
        });
  }
  llvm::Error fail(StringRef what) {
    std::lock_guard<std::mutex> guard(diagnosticsLock);
    return llvm::createStringError(what.str() + ": " + diagnostics);
  }
};

/// func @linear(x, q, s, [z], [bias]) { awq.qlinear }: the kernels depend
/// on the shapes only.
static QLinearOp buildLinearFunc(ModuleOp module, const LinearShape &shape,
                                 StringRef name) {
  MLIRContext *context = module.getContext();
  OpBuilder b(context);
  Location loc = b.getUnknownLoc();
  Type elemType = shape.elementType(context);
  Type i4 = b.getIntegerType(4);
  int64_t groups = shape.numGroups();
  SmallVector<Type> args = {
      RankedTensorType::get({ShapedType::kDynamic, shape.k}, elemType),
      RankedTensorType::get({shape.n, shape.k}, i4),
      RankedTensorType::get({shape.n, groups}, elemType)};
  if (shape.hasZeros)
    args.push_back(RankedTensorType::get({shape.n, groups}, i4));
  if (shape.hasBias)
    args.push_back(RankedTensorType::get({shape.n}, elemType));
  auto resultType =
      RankedTensorType::get({ShapedType::kDynamic, shape.n}, elemType);
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, loc, "linear",
                                   b.getFunctionType(args, {resultType}));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value zeros = shape.hasZeros ? body->getArgument(3) : Value();
  Value bias = shape.hasBias ? body->getArgument(shape.hasZeros ? 4 : 3)
                             : Value();
  auto linear = QLinearOp::create(
      b, loc, resultType, body->getArgument(0), body->getArgument(1),
      body->getArgument(2), zeros, bias,
      b.getI64IntegerAttr(shape.groupSize), b.getStringAttr(name),
      /*kernel_choices=*/nullptr, /*kernels=*/nullptr);
  func::ReturnOp::create(b, loc, linear.getResult());
  return linear;
}

/// awq-select-kernels and convert-awq-to-gpu on `module`.
static LogicalResult generateKernels(ModuleOp module, StringRef arch,
                                     int64_t maxSharedBytes,
                                     StringRef device) {
  PassManager pm(module.getContext());
  SelectKernelsPassOptions select;
  select.chip = arch.str();
  select.maxSharedBytes = maxSharedBytes;
  select.device = device.str();
  pm.addPass(createSelectKernelsPass(select));
  ConvertAwqToGPUPassOptions convert;
  convert.chip = arch.str();
  convert.maxSharedBytes = maxSharedBytes;
  pm.addPass(createConvertAwqToGPUPass(convert));
  return pm.run(module);
}

LinearKernels::LinearKernels(std::unique_ptr<State> state)
    : state(std::move(state)) {}
LinearKernels::~LinearKernels() = default;

llvm::Expected<std::unique_ptr<LinearKernels>>
LinearKernels::generate(const LinearShape &shape, StringRef arch,
                        StringRef name, int64_t maxSharedBytes,
                        StringRef device) {
  if (!isSupportedArch(arch))
    return llvm::createStringError("unsupported GPU architecture '" +
                                   arch.str() + "'");
  DialectRegistry registry;
  registerAwqDialects(registry);
  auto state = std::make_unique<State>(registry);
  state->arch = arch.str();
  state->module = ModuleOp::create(UnknownLoc::get(&state->context));
  QLinearOp linear = buildLinearFunc(*state->module, shape, name);
  if (failed(mlir::verify(*state->module)))
    return state->fail("invalid linear shape");
  if (failed(generateKernels(*state->module, arch, maxSharedBytes, device)))
    return state->fail("kernel generation failed");
  FailureOr<llvm::json::Object> layer =
      describeLinear(linear, *state->module, 0);
  if (failed(layer))
    return state->fail("describing the kernels failed");
  for (auto variant :
       linear.getKernelsAttr().getAsRange<awq::KernelVariantAttr>()) {
    std::string kernel =
        variant.getKernel().getLeafReference().getValue().str();
    state->ranges.push_back({variant.getMMin(), variant.getMMax(), kernel});
    if (!llvm::is_contained(state->kernels, kernel))
      state->kernels.push_back(kernel);
  }
  llvm::json::Object manifest{{"format", "awq-artifact"},
                              {"version", 1},
                              {"layers", llvm::json::Array{std::move(*layer)}}};
  llvm::raw_string_ostream os(state->manifestJson);
  os << llvm::json::Value(std::move(manifest));
  return std::unique_ptr<LinearKernels>(new LinearKernels(std::move(state)));
}

const std::string &LinearKernels::manifestJson() const {
  return state->manifestJson;
}

ArrayRef<std::string> LinearKernels::kernels() const { return state->kernels; }

StringRef LinearKernels::kernelForRows(int64_t rows) const {
  for (const KernelRange &range : state->ranges)
    if (rows >= range.mMin && rows <= range.mMax)
      return range.kernel;
  return "";
}

llvm::Expected<std::string>
LinearKernels::lowerToPtx(ArrayRef<std::string> only) {
  FailureOr<std::string> ptx =
      lowerKernelsPerModule(*state->module, state->arch, only);
  if (failed(ptx))
    return state->fail("lowering to PTX failed");
  return std::move(*ptx);
}

} // namespace awq
} // namespace mlir
