//===- StreamKSchedule.h - which block computes which K range of a tile --===//
//
// The work split of a stream-K GEMM (docs/design-stream-k.md, section 1):
// T output tiles of kIters K iterations each over G persistent blocks.
// Where T is not a multiple of G, the first T - W·G tiles (between G and
// 2G of them, or all T where T < G) are split along K, each block taking
// a contiguous run of their iterations, one to two tiles' worth; the
// other W·G tiles stay whole, W per block, after its run. A run may touch
// up to three tiles: it ends one (contributor), covers one whole, and
// starts one (owner). Both the launch and the kernel follow this
// arithmetic; it is here once, in integers, for the host and tests.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_CODEGEN_STREAMKSCHEDULE_H
#define AWQ_CODEGEN_STREAMKSCHEDULE_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <cstdint>

namespace mlir {
namespace awq {

/// What one block does with one tile: iterations [kBegin, kEnd) of it.
struct StreamKUnit {
  enum class Kind {
    /// The whole K range: the block stores the tile.
    Full,
    /// Holds k = 0 of a tile other blocks finish: its partial sum is
    /// participant 0's.
    Owner,
    /// Starts inside a tile: a later participant's partial sum.
    Contributor,
  };
  int64_t tile = 0, kBegin = 0, kEnd = 0;
  Kind kind = Kind::Full;
};

/// The blocks that share a tile: `first` (the owner) .. first + count - 1.
struct StreamKParticipants {
  int64_t first = 0, count = 0;
};

class StreamKSchedule {
public:
  /// `tiles` tiles of `kIters` iterations over `blocks` blocks, each at
  /// least 1 (a fatal error otherwise: callers check G and the shape).
  StreamKSchedule(int64_t tiles, int64_t kIters, int64_t blocks);

  /// Whole tiles each block computes after its stream-K share.
  int64_t dataParallelWaves() const { return dpWaves; }
  /// Tiles 0 .. splitTiles() - 1 are the stream-K ones.
  int64_t splitTiles() const { return skTiles; }
  /// The stream-K iterations of `block`: [first, end).
  int64_t firstIteration(int64_t block) const;
  int64_t endIteration(int64_t block) const {
    return firstIteration(block + 1);
  }
  /// The block whose run holds stream-K iteration `iteration`.
  int64_t blockOfIteration(int64_t iteration) const;
  /// Units of `block`: its stream-K tiles in order, then its whole tiles.
  int64_t unitCount(int64_t block) const;
  StreamKUnit unit(int64_t block, int64_t index) const;
  /// The blocks that compute a part of stream-K tile `tile`.
  StreamKParticipants participants(int64_t tile) const;

private:
  int64_t splitUnitCount(int64_t block) const;

  int64_t kIters, blocks;
  int64_t dpWaves, skTiles;
  /// Each block's stream-K iterations: `share`, one more for the first
  /// `extra` blocks.
  int64_t share, extra;
};

/// A unit as index Values (StreamKUnit's fields; the kind as two i1).
struct StreamKUnitValues {
  Value tile, kBegin, kEnd, isOwner, isContributor;
};

/// The same arithmetic as StreamKSchedule, emitted as `index` IR for the
/// kernel, where M (hence the tile count) and the block are only known at
/// run time: unsigned arith ops, no division by a value that may be zero.
/// Test: StreamKScheduleTest folds it for constant inputs and compares.
class StreamKScheduleEmitter {
public:
  /// `tiles` and `blocks` are index Values (each at least 1 at run time).
  StreamKScheduleEmitter(ImplicitLocOpBuilder &b, Value tiles, int64_t kIters,
                         Value blocks);

  Value dataParallelWaves() const { return dpWaves; }
  Value splitTiles() const { return skTiles; }
  Value firstIteration(Value block);
  Value unitCount(Value block);
  StreamKUnitValues unit(Value block, Value index);
  /// The owner of stream-K tile `tile` and how many blocks share it.
  std::pair<Value, Value> participants(Value tile);

private:
  Value blockOfIteration(Value iteration);
  Value splitUnitCount(Value begin, Value end);
  Value indexConstant(int64_t v);

  ImplicitLocOpBuilder &b;
  int64_t kIters;
  Value blocks, dpWaves, skTiles, share, extra;
};

} // namespace awq
} // namespace mlir

#endif // AWQ_CODEGEN_STREAMKSCHEDULE_H
