//===- AwqToGPU.cpp - generate kernels for awq.qlinear ---------------------===//
//
// Implements convert-awq-to-gpu: builds the kernels of each quantized
// linear's kernel_choices (awq-select-kernels, SelectKernels.cpp; chosen
// here with the same options where an op has none) through the families'
// interface (KernelFamilies.h), and records them on the op as variants for
// awq-compile's manifest.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelBuilders.h"
#include "codegen/Passes.h"
#include "codegen/SelectKernels.h"
#include "dialects/Awq/AwqOps.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir::awq {
#define GEN_PASS_DEF_CONVERTAWQTOGPUPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;

namespace {
constexpr StringLiteral kKernelModuleName = "awq_kernels";
} // namespace

static gpu::GPUModuleOp getOrCreateKernelModule(ModuleOp module) {
  if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  return gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModuleName);
}

namespace {
struct ConvertAwqToGPUPass final
    : awq::impl::ConvertAwqToGPUPassBase<ConvertAwqToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<QLinearOp> linears;
    module.walk([&](QLinearOp op) { linears.push_back(op); });
    if (linears.empty())
      return;
    FailureOr<SelectionOptions> options =
        selectionOptionsOf(module, chip, wgmma, gemvTile, gemmTiles, tuning,
                           device);
    if (failed(options))
      return signalPassFailure();
    gpu::GPUModuleOp kernels = getOrCreateKernelModule(module);
    OpBuilder builder(module.getContext());
    for (QLinearOp op : linears)
      if (failed(lowerLinear(op, kernels, builder, *options)))
        return signalPassFailure();
  }

  /// The op's kernel_choices (awq-select-kernels), else the selection with
  /// this pass's options.
  FailureOr<SmallVector<KernelChoice>>
  choicesFor(QLinearOp op, const LinearShape &shape,
             const SelectionOptions &options) {
    if (op.getKernelChoicesAttr())
      return readKernelChoices(op, shape, options);
    std::string error;
    FailureOr<SmallVector<KernelChoice>> choices =
        selectKernels(shape, options, error);
    if (failed(choices))
      return op.emitOpError(error);
    return choices;
  }

  LogicalResult lowerLinear(QLinearOp op, gpu::GPUModuleOp kernels,
                            OpBuilder &builder,
                            const SelectionOptions &options) {
    FailureOr<LinearShape> shape = linearShapeOf(op, chip, maxSharedBytes);
    if (failed(shape))
      return failure();
    FailureOr<SmallVector<KernelChoice>> choices =
        choicesFor(op, *shape, options);
    if (failed(choices))
      return failure();
    SmallVector<Attribute> variants;
    for (const KernelChoice &choice : *choices) {
      std::string name = kernelName(*shape, choice.config);
      // Linears of the same specialisation share kernels.
      KernelLaunch launch =
          kernels.lookupSymbol(name)
              ? kernelLaunch(*shape, choice.config)
              : buildKernel(builder, op.getLoc(), kernels, name, *shape,
                            choice.config);
      auto symbol = SymbolRefAttr::get(
          builder.getStringAttr(kKernelModuleName),
          {FlatSymbolRefAttr::get(builder.getContext(), name)});
      variants.push_back(KernelVariantAttr::get(
          builder.getContext(), symbol, launch.family, choice.mMin,
          choice.mMax, launch.mTile, launch.grid, launch.block,
          launch.sharedBytes));
    }
    op.setKernelsAttr(builder.getArrayAttr(variants));
    // The variants now record what was built.
    op.removeKernelChoicesAttr();
    return success();
  }
};
} // namespace
