//===- SelectKernels.cpp - awq-select-kernels ------------------------------===//
//
// Records the kernel of every M range on each awq.qlinear as
// #awq.kernel_choice attributes (KernelSelection.h decides), so that the
// choice is visible, testable and editable in the IR before
// convert-awq-to-gpu builds it.
//
//===----------------------------------------------------------------------===//

#include "codegen/SelectKernels.h"
#include "codegen/Passes.h"

namespace mlir::awq {
#define GEN_PASS_DEF_SELECTKERNELSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;

/// The major compute capability of `chip` ("sm_90a" -> 9), 0 if unknown.
static int64_t chipMajor(StringRef chip) {
  int64_t version = 0;
  if (!chip.consume_front("sm_") || chip.consumeInteger(10, version))
    return 0;
  return version / 10;
}

int64_t mlir::awq::sharedBytesLimit(StringRef chip) {
  // sm_80 PTX also serves sm_86 and sm_89 devices (the runtime picks the
  // highest arch at or below the device's), so it gets their 99 KiB, not
  // the A100's 163 KiB. sm_90 assumes Hopper's (and datacenter
  // Blackwell's) 227 KiB; on GPUs with less the runtime falls back to an
  // older arch of the artifact (or rejects it with the numbers), and the
  // JIT compiles for their own limit.
  if (chip == "sm_90" || chip == "sm_90a")
    return 227 * 1024;
  if (chip == "sm_80" || chip == "sm_86" || chip == "sm_89")
    return 99 * 1024;
  return kStaticSharedBytes;
}

FailureOr<LinearShape> mlir::awq::linearShapeOf(QLinearOp op, StringRef chip,
                                                int64_t maxSharedBytes) {
  if (op.getBits() != 4)
    return op.emitOpError("cannot generate kernels for ")
           << op.getBits() << "-bit weights: only 4-bit kernels exist";
  Type activation = op.getInput().getType().getElementType();
  if (!activation.isF16() && !activation.isBF16())
    return op.emitOpError("cannot generate kernels for ")
           << activation << " activations: the kernels take f16 or bf16";
  if (op.getScales().getType().getElementType() != activation)
    return op.emitOpError("cannot generate kernels for scales of type ")
           << op.getScales().getType().getElementType()
           << ": kernels take scales in the activation type";
  LinearShape shape;
  shape.n = op.getN();
  shape.k = op.getK();
  shape.groupSize = op.getGroupSize();
  shape.bf16 = activation.isBF16();
  shape.hasZeros = !op.isSymmetric();
  shape.hasBias = static_cast<bool>(op.getBias());
  shape.maxSharedBytes = sharedBytesLimit(chip);
  shape.gridDependencyControl = chipMajor(chip) >= 9;
  if (maxSharedBytes > 0)
    shape.maxSharedBytes =
        std::min<int64_t>(shape.maxSharedBytes, maxSharedBytes);
  return shape;
}

FailureOr<SelectionOptions>
mlir::awq::selectionOptionsOf(ModuleOp module, StringRef chip, bool wgmma,
                              StringRef gemvTile,
                              ArrayRef<std::string> gemmTiles,
                              StringRef tuningPath, StringRef device) {
  if (!chip.starts_with("sm_")) {
    module.emitError("expected a chip of the form sm_XY, got '") << chip << "'";
    return failure();
  }
  SelectionOptions options;
  options.chip = chip.str();
  // wgmma exists only in sm_90a code (CODEGEN-NOTES P2).
  options.wgmma = chip == "sm_90a" && wgmma;
  std::string error;
  if (!gemmTiles.empty()) {
    FailureOr<SmallVector<KernelChoice>> parsed =
        parseGemmTiles(gemmTiles, error);
    if (failed(parsed)) {
      module.emitError("invalid gemm-tiles option: ") << error;
      return failure();
    }
    options.gemmTiles = std::move(*parsed);
  }
  if (!gemvTile.empty()) {
    FailureOr<GemvConfig> parsed = parseGemvTile(gemvTile, error);
    if (failed(parsed)) {
      module.emitError("invalid gemv-tile option: ") << error;
      return failure();
    }
    options.gemvTile = *parsed;
  }
  if (!tuningPath.empty()) {
    FailureOr<TuningTable> table = readTuningTable(tuningPath, error);
    if (failed(table)) {
      module.emitError(error);
      return failure();
    }
    options.tuning = std::make_shared<TuningTable>(std::move(*table));
  } else if (!device.empty()) {
    options.tuning = builtinTuningTable(device, chip);
  }
  return options;
}

void mlir::awq::setKernelChoices(QLinearOp op,
                                 ArrayRef<KernelChoice> choices) {
  MLIRContext *ctx = op.getContext();
  SmallVector<Attribute> attrs;
  for (const KernelChoice &choice : choices)
    attrs.push_back(KernelChoiceAttr::get(ctx, choice.mMin, choice.mMax,
                                          formatKernelSpec(choice.config)));
  op.setKernelChoicesAttr(ArrayAttr::get(ctx, attrs));
}

FailureOr<SmallVector<KernelChoice>>
mlir::awq::readKernelChoices(QLinearOp op, const LinearShape &shape,
                             const SelectionOptions &options) {
  SmallVector<KernelChoice> choices;
  for (auto [i, attr] : llvm::enumerate(op.getKernelChoicesAttr())) {
    auto choiceAttr = cast<KernelChoiceAttr>(attr);
    std::string error;
    FailureOr<KernelConfig> config =
        parseKernelSpec(choiceAttr.getSpec(), error);
    if (failed(config))
      return op.emitOpError("kernel_choices[")
             << i << "]: expected " << error << ", got '"
             << choiceAttr.getSpec() << "'";
    KernelChoice choice{choiceAttr.getMMin(), choiceAttr.getMMax(), *config};
    if (std::string why = checkChoice(shape, options, choice); !why.empty())
      return op.emitOpError(why);
    choices.push_back(choice);
  }
  if (choices.empty() || choices.back().mMax != kMaxM)
    return op.emitOpError("kernel_choices must cover M up to ") << kMaxM;
  return choices;
}

namespace {
struct SelectKernelsPass final
    : awq::impl::SelectKernelsPassBase<SelectKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<SelectionOptions> options =
        selectionOptionsOf(module, chip, wgmma, gemvTile, gemmTiles, tuning,
                           device);
    if (failed(options))
      return signalPassFailure();
    WalkResult result = module.walk([&](QLinearOp op) {
      FailureOr<LinearShape> shape = linearShapeOf(op, chip, maxSharedBytes);
      if (failed(shape))
        return WalkResult::interrupt();
      std::string error;
      FailureOr<SmallVector<KernelChoice>> choices =
          selectKernels(*shape, *options, error);
      if (failed(choices)) {
        op.emitOpError(error);
        return WalkResult::interrupt();
      }
      setKernelChoices(op, *choices);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
