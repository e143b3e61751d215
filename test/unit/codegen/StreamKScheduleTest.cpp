//===- StreamKScheduleTest.cpp - the stream-K work split ------------------===//
//
// codegen/StreamKSchedule.h against what docs/design-stream-k.md (section
// 1) needs of it, over many tile counts, K lengths and grids: every
// iteration of every tile computed exactly once; per block at most one
// owner and one contributor unit (which bounds the workspace to two
// partial slots per block); a split tile's owner holds k = 0 and its
// participants are exactly the blocks with a unit on it; runs balanced
// to within one iteration; and the design's worked numbers.
//
//===----------------------------------------------------------------------===//

#include "codegen/StreamKSchedule.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

using namespace mlir;
using namespace mlir::awq;
using Kind = StreamKUnit::Kind;

namespace {

/// Checks one schedule; `splitTiles` gets how many tiles were split.
void checkSchedule(int64_t tiles, int64_t kIters, int64_t blocks,
                   int64_t *splitTiles = nullptr) {
  SCOPED_TRACE(::testing::Message() << "T = " << tiles << ", kIters = "
                                    << kIters << ", G = " << blocks);
  StreamKSchedule schedule(tiles, kIters, blocks);
  std::vector<int> covered(tiles * kIters, 0);
  std::map<int64_t, std::vector<int64_t>> blocksOfSplitTile;
  int64_t shortest = INT64_MAX, longest = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    int owners = 0, contributors = 0;
    const int64_t units = schedule.unitCount(b);
    const int64_t run = schedule.endIteration(b) - schedule.firstIteration(b);
    shortest = std::min(shortest, run);
    longest = std::max(longest, run);
    for (int64_t u = 0; u < units; ++u) {
      StreamKUnit unit = schedule.unit(b, u);
      EXPECT_GE(unit.tile, 0);
      EXPECT_LT(unit.tile, tiles);
      EXPECT_LT(unit.kBegin, unit.kEnd);
      EXPECT_LE(unit.kEnd, kIters);
      for (int64_t k = unit.kBegin; k < unit.kEnd; ++k)
        ++covered[unit.tile * kIters + k];
      owners += unit.kind == Kind::Owner;
      contributors += unit.kind == Kind::Contributor;
      // The owner's piece ends its block's run of split tiles and a
      // contributor's starts it (the design's fast path rests on this).
      if (unit.kind == Kind::Contributor)
        EXPECT_EQ(u, 0) << "block " << b;
      if (unit.kind == Kind::Owner)
        EXPECT_EQ(u, units - schedule.dataParallelWaves() - 1) << "block " << b;
      EXPECT_EQ(unit.kind == Kind::Full,
                unit.kBegin == 0 && unit.kEnd == kIters);
      if (unit.kind != Kind::Full)
        blocksOfSplitTile[unit.tile].push_back(b);
    }
    EXPECT_LE(owners, 1) << "block " << b;
    EXPECT_LE(contributors, 1) << "block " << b;
  }
  for (int64_t i = 0; i < tiles * kIters; ++i)
    ASSERT_EQ(covered[i], 1) << "tile " << i / kIters << ", k " << i % kIters;
  EXPECT_LE(longest - shortest, 1);
  for (const auto &[tile, holders] : blocksOfSplitTile) {
    EXPECT_LT(tile, schedule.splitTiles());
    StreamKParticipants who = schedule.participants(tile);
    ASSERT_EQ(who.count, int64_t(holders.size())) << "tile " << tile;
    for (int64_t j = 0; j < who.count; ++j)
      EXPECT_EQ(holders[j], who.first + j) << "tile " << tile;
    // The owner's unit starts at k = 0.
    for (int64_t u = 0; u < schedule.unitCount(who.first); ++u)
      if (schedule.unit(who.first, u).tile == tile)
        EXPECT_EQ(schedule.unit(who.first, u).kBegin, 0) << "tile " << tile;
  }
  if (splitTiles)
    *splitTiles = int64_t(blocksOfSplitTile.size());
}

TEST(StreamKSchedule, EveryIterationOnceOwnersAndParticipantsAgree) {
  for (int64_t tiles :
       {1, 2, 7, 12, 72, 128, 131, 132, 133, 144, 264, 296, 448, 576, 600})
    for (int64_t kIters : {1, 2, 7, 28, 56, 224})
      for (int64_t blocks : {1, 2, 7, 114, 132, 264, 1024}) {
        // More blocks than iterations too: some then have none.
        checkSchedule(tiles, kIters, blocks);
        if (HasFatalFailure())
          return;
      }
}

TEST(StreamKSchedule, WholeWavesSplitNothing) {
  // T a multiple of G: all data-parallel, every unit a whole tile.
  StreamKSchedule schedule(264, 56, 132);
  EXPECT_EQ(schedule.dataParallelWaves(), 2);
  EXPECT_EQ(schedule.splitTiles(), 0);
  int64_t split = -1;
  checkSchedule(264, 56, 132, &split);
  EXPECT_EQ(split, 0);
  EXPECT_EQ(schedule.unit(5, 1).tile, 5 + 132);
}

TEST(StreamKSchedule, TheDesignsWorkedNumbers) {
  // Qwen2.5-7B q/k/v at M = 1024 on 256x128 register-A tiles (two K tiles
  // per iteration, K = 3584): 144 tiles of 28 iterations on 132 blocks.
  StreamKSchedule qkv(144, 28, 132);
  EXPECT_EQ(qkv.dataParallelWaves(), 0);
  EXPECT_EQ(qkv.splitTiles(), 144);
  EXPECT_EQ(qkv.endIteration(0) - qkv.firstIteration(0), 31);
  EXPECT_EQ(qkv.endIteration(71) - qkv.firstIteration(71), 31);
  EXPECT_EQ(qkv.endIteration(72) - qkv.firstIteration(72), 30);
  // Block 0: tile 0 whole, then iterations 0-2 of tile 1 as its owner.
  ASSERT_EQ(qkv.unitCount(0), 2);
  StreamKUnit first = qkv.unit(0, 0), second = qkv.unit(0, 1);
  EXPECT_EQ(first.kind, Kind::Full);
  EXPECT_EQ(second.tile, 1);
  EXPECT_EQ(second.kind, Kind::Owner);
  EXPECT_EQ(second.kEnd, 3);
  // Block 1 finishes tile 1 (iterations 3-27) and owns 0-5 of tile 2.
  StreamKUnit rest = qkv.unit(1, 0);
  EXPECT_EQ(rest.tile, 1);
  EXPECT_EQ(rest.kind, Kind::Contributor);
  EXPECT_EQ(rest.kBegin, 3);
  EXPECT_EQ(qkv.unit(1, 1).kEnd, 6);
  for (int64_t t = 0; t < 144; ++t)
    EXPECT_LE(qkv.participants(t).count, 2) << "tile " << t;
  // M = 4096: three whole waves, then 180 tiles split.
  StreamKSchedule large(576, 28, 132);
  EXPECT_EQ(large.dataParallelWaves(), 3);
  EXPECT_EQ(large.splitTiles(), 180);
  EXPECT_EQ(large.endIteration(0) - large.firstIteration(0), 39);
  EXPECT_EQ(large.endIteration(131) - large.firstIteration(131), 38);
}

TEST(StreamKSchedule, FewerTilesThanBlocksShareTilesAmongSeveral) {
  // 72 tiles of 128x128 at M = 256 (K = 3584, the shared-memory-A tile's
  // one K tile per iteration): every block has 30-31 iterations, a tile
  // spans up to three blocks.
  StreamKSchedule schedule(72, 56, 132);
  EXPECT_EQ(schedule.dataParallelWaves(), 0);
  int64_t most = 0;
  for (int64_t t = 0; t < 72; ++t)
    most = std::max(most, schedule.participants(t).count);
  EXPECT_EQ(most, 3);
}

/// The emitter's IR for every unit of every block of one schedule, folded
/// to constants (canonicalize) and compared with StreamKSchedule: the
/// kernel computes exactly what the tested integer arithmetic says.
void checkEmitter(MLIRContext &ctx, int64_t tiles, int64_t kIters,
                  int64_t blocks) {
  SCOPED_TRACE(::testing::Message() << "T = " << tiles << ", kIters = "
                                    << kIters << ", G = " << blocks);
  StreamKSchedule expected(tiles, kIters, blocks);
  ImplicitLocOpBuilder b(UnknownLoc::get(&ctx), &ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(b);
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, "schedule", b.getFunctionType({}, {}));
  b.setInsertionPointToStart(func.addEntryBlock());
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, v);
  };
  StreamKScheduleEmitter emitter(b, index(tiles), kIters, index(blocks));
  SmallVector<Value> values;
  SmallVector<int64_t> want;
  auto expect = [&](Value value, int64_t v) {
    values.push_back(value);
    want.push_back(v);
  };
  for (int64_t blk = 0; blk < blocks; ++blk) {
    expect(emitter.unitCount(index(blk)), expected.unitCount(blk));
    for (int64_t u = 0; u < expected.unitCount(blk); ++u) {
      StreamKUnit unit = expected.unit(blk, u);
      StreamKUnitValues got = emitter.unit(index(blk), index(u));
      expect(got.tile, unit.tile);
      expect(got.kBegin, unit.kBegin);
      expect(got.kEnd, unit.kEnd);
      expect(got.isOwner, unit.kind == Kind::Owner);
      expect(got.isContributor, unit.kind == Kind::Contributor);
    }
  }
  for (int64_t t = 0; t < expected.splitTiles(); ++t) {
    auto [first, count] = emitter.participants(index(t));
    expect(first, expected.participants(t).first);
    expect(count, expected.participants(t).count);
  }
  func::ReturnOp::create(b, values);
  func.setFunctionType(
      b.getFunctionType({}, func.front().getTerminator()->getOperandTypes()));
  PassManager pm(&ctx);
  pm.addPass(createCanonicalizerPass());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  Operation *ret = func.front().getTerminator();
  for (auto [i, operand] : llvm::enumerate(ret->getOperands())) {
    IntegerAttr folded;
    ASSERT_TRUE(matchPattern(operand, m_Constant(&folded)))
        << "value " << i << " did not fold";
    EXPECT_EQ(folded.getValue().getZExtValue(), uint64_t(want[i]))
        << "value " << i;
  }
}

TEST(StreamKSchedule, TheKernelsArithmeticMatches) {
  MLIRContext ctx;
  ctx.loadDialect<arith::ArithDialect, func::FuncDialect>();
  for (auto [tiles, kIters, blocks] :
       {std::tuple<int64_t, int64_t, int64_t>{144, 28, 132},
        {576, 28, 132},
        {72, 56, 132},
        {264, 56, 132},
        {7, 1, 12},
        {133, 7, 132},
        {600, 224, 114},
        {1, 1, 1},
        {12, 3, 7},
        {12, 1, 7}}) {
    checkEmitter(ctx, tiles, kIters, blocks);
    if (HasFatalFailure())
      return;
  }
}

} // namespace
