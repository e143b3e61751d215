//===- StreamKSchedule.cpp - which block computes which K range of a tile -===//
//
// docs/design-stream-k.md, section 1. Iterations of the split tiles are
// numbered tile-major (tile t's iteration k is t * kIters + k); block b
// takes a contiguous run of them, the first `extra` blocks one more.
//
//===----------------------------------------------------------------------===//

#include "codegen/StreamKSchedule.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cassert>

using namespace mlir;
using namespace mlir::awq;

StreamKSchedule::StreamKSchedule(int64_t tiles, int64_t kIters, int64_t blocks)
    : kIters(kIters), blocks(blocks) {
  if (tiles < 1 || kIters < 1 || blocks < 1)
    llvm::report_fatal_error("stream-K schedule of no tiles, iterations or "
                             "blocks");
  // Full waves only: nothing to split. Otherwise all but the last full
  // wave stay whole, so each block's split share spans one to two tiles
  // (or under one where T < G).
  if (tiles % blocks == 0)
    dpWaves = tiles / blocks;
  else
    dpWaves = std::max<int64_t>(0, tiles / blocks - 1);
  skTiles = tiles - dpWaves * blocks;
  const int64_t iterations = skTiles * kIters;
  share = iterations / blocks;
  extra = iterations % blocks;
}

int64_t StreamKSchedule::firstIteration(int64_t block) const {
  return block * share + std::min(block, extra);
}

int64_t StreamKSchedule::blockOfIteration(int64_t iteration) const {
  const int64_t longRuns = extra * (share + 1);
  assert(iteration >= 0 && iteration < skTiles * kIters &&
         "not a stream-K iteration");
  if (iteration < longRuns)
    return iteration / (share + 1);
  return extra + (iteration - longRuns) / share;
}

int64_t StreamKSchedule::splitUnitCount(int64_t block) const {
  const int64_t begin = firstIteration(block), end = endIteration(block);
  if (end <= begin)
    return 0;
  return (end - 1) / kIters - begin / kIters + 1;
}

int64_t StreamKSchedule::unitCount(int64_t block) const {
  return splitUnitCount(block) + dpWaves;
}

StreamKUnit StreamKSchedule::unit(int64_t block, int64_t index) const {
  StreamKUnit unit;
  const int64_t splitUnits = splitUnitCount(block);
  if (index >= splitUnits) {
    unit.tile = skTiles + block + (index - splitUnits) * blocks;
    unit.kEnd = kIters;
    return unit;
  }
  const int64_t begin = firstIteration(block), end = endIteration(block);
  unit.tile = begin / kIters + index;
  const int64_t tileBegin = unit.tile * kIters;
  unit.kBegin = std::max(begin, tileBegin) - tileBegin;
  unit.kEnd = std::min(end, tileBegin + kIters) - tileBegin;
  if (unit.kBegin > 0)
    unit.kind = StreamKUnit::Kind::Contributor;
  else if (unit.kEnd < kIters)
    unit.kind = StreamKUnit::Kind::Owner;
  return unit;
}

StreamKParticipants StreamKSchedule::participants(int64_t tile) const {
  StreamKParticipants result;
  result.first = blockOfIteration(tile * kIters);
  result.count = blockOfIteration((tile + 1) * kIters - 1) - result.first + 1;
  return result;
}

//===----------------------------------------------------------------------===//
// The same, as IR.
//===----------------------------------------------------------------------===//

namespace {
using Pred = arith::CmpIPredicate;

Value divU(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::DivUIOp::create(b, x, y);
}
Value remU(ImplicitLocOpBuilder &b, Value x, Value y) {
  return arith::RemUIOp::create(b, x, y);
}
Value cmp(ImplicitLocOpBuilder &b, Pred pred, Value x, Value y) {
  return arith::CmpIOp::create(b, pred, x, y);
}
Value pick(ImplicitLocOpBuilder &b, Value cond, Value x, Value y) {
  return arith::SelectOp::create(b, cond, x, y);
}
} // namespace

Value StreamKScheduleEmitter::indexConstant(int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

StreamKScheduleEmitter::StreamKScheduleEmitter(ImplicitLocOpBuilder &b,
                                               Value tiles, int64_t kIters,
                                               Value blocks)
    : b(b), kIters(kIters), blocks(blocks) {
  Value waves = divU(b, tiles, blocks);
  Value whole = cmp(b, Pred::eq, remU(b, tiles, blocks), indexConstant(0));
  Value allButLast =
      pick(b, cmp(b, Pred::ugt, waves, indexConstant(0)),
           arith::SubIOp::create(b, waves, indexConstant(1)), indexConstant(0));
  dpWaves = pick(b, whole, waves, allButLast);
  skTiles = arith::SubIOp::create(b, tiles,
                                  arith::MulIOp::create(b, dpWaves, blocks));
  Value iterations = arith::MulIOp::create(b, skTiles, indexConstant(kIters));
  share = divU(b, iterations, blocks);
  extra = remU(b, iterations, blocks);
}

Value StreamKScheduleEmitter::firstIteration(Value block) {
  return arith::AddIOp::create(b, arith::MulIOp::create(b, block, share),
                               arith::MinUIOp::create(b, block, extra));
}

Value StreamKScheduleEmitter::blockOfIteration(Value iteration) {
  Value longRun = arith::AddIOp::create(b, share, indexConstant(1));
  Value longRuns = arith::MulIOp::create(b, extra, longRun);
  // Where share is 0 every iteration lies in the long runs; the divisor
  // of the other arm is kept non-zero all the same.
  Value shortRun = arith::MaxUIOp::create(b, share, indexConstant(1));
  Value inShort = arith::AddIOp::create(
      b, extra,
      divU(b, arith::SubIOp::create(b, iteration, longRuns), shortRun));
  return pick(b, cmp(b, Pred::ult, iteration, longRuns),
              divU(b, iteration, longRun), inShort);
}

Value StreamKScheduleEmitter::splitUnitCount(Value begin, Value end) {
  Value kIt = indexConstant(kIters);
  Value last = divU(b, arith::SubIOp::create(b, end, indexConstant(1)), kIt);
  Value count = arith::AddIOp::create(
      b, arith::SubIOp::create(b, last, divU(b, begin, kIt)), indexConstant(1));
  return pick(b, cmp(b, Pred::ugt, end, begin), count, indexConstant(0));
}

Value StreamKScheduleEmitter::unitCount(Value block) {
  Value end = firstIteration(arith::AddIOp::create(b, block, indexConstant(1)));
  return arith::AddIOp::create(b, splitUnitCount(firstIteration(block), end),
                               dpWaves);
}

StreamKUnitValues StreamKScheduleEmitter::unit(Value block, Value index) {
  Value begin = firstIteration(block);
  Value end = firstIteration(arith::AddIOp::create(b, block, indexConstant(1)));
  Value splitUnits = splitUnitCount(begin, end);
  Value kIt = indexConstant(kIters);
  // A stream-K unit: a tile of the block's run, clipped to the run.
  Value skTile = arith::AddIOp::create(b, divU(b, begin, kIt), index);
  Value tileBegin = arith::MulIOp::create(b, skTile, kIt);
  Value kBegin = arith::SubIOp::create(
      b, arith::MaxUIOp::create(b, begin, tileBegin), tileBegin);
  Value kEnd = arith::SubIOp::create(
      b,
      arith::MinUIOp::create(b, end, arith::AddIOp::create(b, tileBegin, kIt)),
      tileBegin);
  // A whole tile after the run (its arithmetic wraps where unused).
  Value dpTile = arith::AddIOp::create(
      b, arith::AddIOp::create(b, skTiles, block),
      arith::MulIOp::create(b, arith::SubIOp::create(b, index, splitUnits),
                            blocks));
  Value isWhole = cmp(b, Pred::uge, index, splitUnits);
  StreamKUnitValues unit;
  unit.tile = pick(b, isWhole, dpTile, skTile);
  unit.kBegin = pick(b, isWhole, indexConstant(0), kBegin);
  unit.kEnd = pick(b, isWhole, kIt, kEnd);
  unit.isContributor = cmp(b, Pred::ugt, unit.kBegin, indexConstant(0));
  unit.isOwner =
      arith::AndIOp::create(b, cmp(b, Pred::eq, unit.kBegin, indexConstant(0)),
                            cmp(b, Pred::ult, unit.kEnd, kIt));
  return unit;
}

std::pair<Value, Value> StreamKScheduleEmitter::participants(Value tile) {
  Value first =
      blockOfIteration(arith::MulIOp::create(b, tile, indexConstant(kIters)));
  Value lastIteration = arith::SubIOp::create(
      b,
      arith::MulIOp::create(b, arith::AddIOp::create(b, tile, indexConstant(1)),
                            indexConstant(kIters)),
      indexConstant(1));
  Value count = arith::AddIOp::create(
      b, arith::SubIOp::create(b, blockOfIteration(lastIteration), first),
      indexConstant(1));
  return {first, count};
}
