//===- FuseLinears.cpp - fuse quantized linears sharing an input -----------===//
//
// Implements awq-fuse-linears: q/k/v (and gate/up) read the same
// activations. One qlinear with the weights concatenated along N streams
// the activations once, launches one kernel instead of three, and gives
// the GEMV kernels a wider N to spread over the GPU.
//
//===----------------------------------------------------------------------===//

#include "dialects/Awq/AwqOps.h"
#include "passes/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::awq {
#define GEN_PASS_DEF_AWQFUSELINEARSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;

namespace {

/// Linears fuse only when one kernel can serve all of them.
static bool fusable(QLinearOp a, QLinearOp b) {
  return a.getGroupSize() == b.getGroupSize() &&
         a.getQweight().getType().getElementType() ==
             b.getQweight().getType().getElementType() &&
         a.getScales().getType().getElementType() ==
             b.getScales().getType().getElementType() &&
         a.isSymmetric() == b.isSymmetric() &&
         static_cast<bool>(a.getBias()) == static_cast<bool>(b.getBias()) &&
         !a.getKernels() && !b.getKernels();
}

/// Every operand of `op` must be available before `anchor`; operand-free,
/// side-effect-free definitions in the same block (constants, weight
/// references) are hoisted there.
static bool hoistOperandsBefore(QLinearOp op, Operation *anchor,
                                DominanceInfo &dominance) {
  for (Value operand : op->getOperands()) {
    if (dominance.properlyDominates(operand, anchor))
      continue;
    Operation *def = operand.getDefiningOp();
    if (!def || def->getNumOperands() != 0 || !isMemoryEffectFree(def) ||
        def->getBlock() != anchor->getBlock())
      return false;
  }
  for (Value operand : op->getOperands())
    if (!dominance.properlyDominates(operand, anchor))
      operand.getDefiningOp()->moveBefore(anchor);
  return true;
}

static Value concatAlongN(RewriterBase &rewriter, Location loc,
                          ArrayRef<Value> parts) {
  return tensor::ConcatOp::create(rewriter, loc, /*dim=*/0, parts);
}

static void fuseGroup(IRRewriter &rewriter, ArrayRef<QLinearOp> group) {
  QLinearOp first = group.front();
  Location loc = rewriter.getFusedLoc(llvm::map_to_vector(
      group, [](QLinearOp op) { return op.getLoc(); }));
  rewriter.setInsertionPoint(first);

  auto collect = [&](auto getter) {
    return llvm::map_to_vector(
        group, [&](QLinearOp op) -> Value { return getter(op); });
  };
  Value qweight = concatAlongN(
      rewriter, loc, collect([](QLinearOp op) { return op.getQweight(); }));
  Value scales = concatAlongN(
      rewriter, loc, collect([](QLinearOp op) { return op.getScales(); }));
  Value zeros = first.getZeros()
                    ? concatAlongN(rewriter, loc, collect([](QLinearOp op) {
                        return op.getZeros();
                      }))
                    : Value();
  Value bias = first.getBias()
                   ? concatAlongN(rewriter, loc, collect([](QLinearOp op) {
                       return op.getBias();
                     }))
                   : Value();

  int64_t totalN = 0;
  SmallVector<StringRef> names;
  for (QLinearOp op : group) {
    totalN += op.getN();
    if (op.getName())
      names.push_back(*op.getName());
  }
  // "q+k+v" names the fused tensors; with an unnamed member it would not be
  // unique ("+" for two unnamed linears), so the fused op stays unnamed and
  // consumers number it instead.
  StringAttr name = names.size() == group.size()
                        ? rewriter.getStringAttr(llvm::join(names, "+"))
                        : StringAttr();
  auto inputType = first.getInput().getType();
  auto resultType = RankedTensorType::get({inputType.getDimSize(0), totalN},
                                          inputType.getElementType());
  auto fused = QLinearOp::create(
      rewriter, loc, resultType, first.getInput(), qweight, scales, zeros,
      bias, first.getGroupSizeAttr(), name, /*kernel_choices=*/nullptr,
      /*kernels=*/nullptr);

  // Each former linear's result is its band of columns of the fused result.
  OpFoldResult rows = tensor::getMixedSize(rewriter, loc, fused, 0);
  int64_t offset = 0;
  for (QLinearOp op : group) {
    // Read before replaceOp erases op (ASan found the read after it).
    int64_t n = op.getN();
    SmallVector<OpFoldResult> offsets = {rewriter.getIndexAttr(0),
                                         rewriter.getIndexAttr(offset)};
    SmallVector<OpFoldResult> sizes = {rows, rewriter.getIndexAttr(n)};
    SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
    Value slice = tensor::ExtractSliceOp::create(
        rewriter, op.getLoc(), op.getType(), fused, offsets, sizes, strides);
    rewriter.replaceOp(op, slice);
    offset += n;
  }
}

struct AwqFuseLinearsPass final
    : awq::impl::AwqFuseLinearsPassBase<AwqFuseLinearsPass> {
  void runOnOperation() override {
    // Group by input, in program order, so that the fused op takes the
    // place of the first member.
    llvm::MapVector<Value, SmallVector<QLinearOp>> byInput;
    getOperation().walk(
        [&](QLinearOp op) { byInput[op.getInput()].push_back(op); });

    IRRewriter rewriter(&getContext());
    for (auto &[input, ops] : byInput) {
      // Greedy partition into fusable sets; each set keeps program order.
      SmallVector<SmallVector<QLinearOp>> sets;
      for (QLinearOp op : ops) {
        auto it = llvm::find_if(sets, [&](auto &set) {
          return fusable(set.front(), op) &&
                 set.front()->getBlock() == op->getBlock();
        });
        if (it == sets.end())
          sets.push_back({op});
        else
          it->push_back(op);
      }
      for (auto &set : sets) {
        if (set.size() < 2)
          continue;
        DominanceInfo dominance(getOperation());
        SmallVector<QLinearOp> members = {set.front()};
        for (QLinearOp op : llvm::drop_begin(set))
          if (hoistOperandsBefore(op, set.front(), dominance))
            members.push_back(op);
        if (members.size() >= 2)
          fuseGroup(rewriter, members);
      }
    }
  }
};

} // namespace
