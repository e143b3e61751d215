//===- FoldScales.cpp - move awq.scale into its producer -------------------===//
//
// Implements awq-fold-scales: an activation scale x / s disappears into the
// op that produced x. For an RMS norm that is its weight; for a linear, its
// output rows and bias. The rewritten weights are awq.scale expressions on
// the original weights, evaluated later by the quantizer (or folded by the
// canonicalizer when they are constants), so no weight is read here.
//
//===----------------------------------------------------------------------===//

#include "dialects/Awq/AwqOps.h"
#include "passes/Passes.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::awq {
#define GEN_PASS_DEF_AWQFOLDSCALESPASS
#include "passes/Passes.h.inc"
} // namespace mlir::awq

using namespace mlir;
using namespace mlir::awq;

namespace {

/// Finds the op whose output channels the scale can absorb. Looks through
/// an elementwise product (silu(gate) * up): scaling one factor's channels
/// scales the product's channels by the same amount.
static Operation *findAbsorbingProducer(Value input) {
  Operation *producer = input.getDefiningOp();
  if (!producer || !input.hasOneUse())
    return nullptr;
  if (isa<RmsNormOp, LinearOp>(producer))
    return producer;
  if (auto mul = dyn_cast<arith::MulFOp>(producer)) {
    for (Value factor : {mul.getRhs(), mul.getLhs()})
      if (factor.getDefiningOp<LinearOp>() && factor.hasOneUse())
        return factor.getDefiningOp();
  }
  // silu(gate) * up is linear in up.
  if (auto glu = dyn_cast<SwiGluOp>(producer)) {
    Value up = glu.getUp();
    if (up.getDefiningOp<LinearOp>() && up.hasOneUse())
      return up.getDefiningOp();
  }
  // Attention output channel c is a convex combination of value channel c
  // when every query head has its own value head (no grouping).
  if (auto attention = dyn_cast<AttentionOp>(producer)) {
    Value value = attention.getValue();
    if (attention.getNumHeads() == attention.getNumKvHeads() &&
        value.getDefiningOp<LinearOp>() && value.hasOneUse())
      return value.getDefiningOp();
  }
  return nullptr;
}

/// The scale value must be available where the producer is. Operand-free
/// defining ops (constants, weight references) can be hoisted; anything
/// else that does not dominate the producer blocks the fold.
static bool makeAvailableBefore(Value scale, Operation *producer,
                                DominanceInfo &dominance) {
  if (dominance.properlyDominates(scale, producer))
    return true;
  Operation *def = scale.getDefiningOp();
  if (!def || def->getNumOperands() != 0 || !isMemoryEffectFree(def) ||
      def->getBlock() != producer->getBlock())
    return false;
  def->moveBefore(producer);
  return true;
}

struct AwqFoldScalesPass final
    : awq::impl::AwqFoldScalesPassBase<AwqFoldScalesPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    DominanceInfo dominance(getOperation());
    SmallVector<ScaleOp> scales;
    getOperation().walk([&](ScaleOp op) {
      // Only activation scales (channels along the last axis of x[M, K]).
      if (op.getInput().getType().getRank() == 2 &&
          op.getNormalizedAxis() == 1)
        scales.push_back(op);
    });

    for (ScaleOp op : scales) {
      Operation *producer = findAbsorbingProducer(op.getInput());
      if (!producer || !makeAvailableBefore(op.getScale(), producer, dominance))
        continue;
      Location loc = op.getLoc();
      Value scale = op.getScale();
      rewriter.setInsertionPoint(producer);
      auto scaleAlongAxis0 = [&](Value tensor) -> Value {
        return ScaleOp::create(rewriter, loc, tensor.getType(), tensor, scale,
                               rewriter.getI64IntegerAttr(0));
      };
      if (auto norm = dyn_cast<RmsNormOp>(producer)) {
        Value weight = scaleAlongAxis0(norm.getWeight());
        rewriter.modifyOpInPlace(
            norm, [&] { norm.getWeightMutable().assign(weight); });
      } else {
        auto linear = cast<LinearOp>(producer);
        Value weight = scaleAlongAxis0(linear.getWeight());
        Value bias = linear.getBias() ? scaleAlongAxis0(linear.getBias())
                                      : Value();
        rewriter.modifyOpInPlace(linear, [&] {
          linear.getWeightMutable().assign(weight);
          if (bias)
            linear.getBiasMutable().assign(bias);
        });
      }
      rewriter.replaceOp(op, op.getInput());
    }
  }
};

} // namespace
