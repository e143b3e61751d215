//===- StreamKSchedule.cpp - which block computes which K range of a tile -===//
//
// docs/design-stream-k.md, section 1. Iterations of the split tiles are
// numbered tile-major (tile t's iteration k is t * kIters + k); block b
// takes a contiguous run of them, the first `extra` blocks one more.
//
//===----------------------------------------------------------------------===//

#include "codegen/StreamKSchedule.h"

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cassert>

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
