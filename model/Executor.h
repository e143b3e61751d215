//===- Executor.h - run model IR on the CPU ---------------------*- C++ -*-===//
//
// Runs the model IR of model/ModelBuilder.h (or any IR of the same ops) on
// the CPU in f32, whatever the IR's activation type: a sequence's tokens go
// through each linear as one matrix product (OpenBLAS sgemm), attention
// keeps a key/value cache per awq.attention so a sequence can continue
// token by token (greedy generation). Float weights are read once through
// the WeightEvaluator (files stay memory-mapped; one f32 copy is kept);
// awq.qlinear weights are dequantized once to f32. Hooks hand a caller the
// inputs of every linear layer and decoder-layer call as they run
// (calibration records activations with them).
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_EXECUTOR_H
#define AWQ_MODEL_EXECUTOR_H

#include "model/CpuKernels.h"
#include "model/Matrix.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace awq::model {

struct ExecutorOptions {
  /// Directory relative `awq.weight` files are resolved against; empty: the
  /// IR file's directory (WeightEvaluator).
  std::string weightsDir;
  /// A progress bar on stderr while the weights load.
  bool showProgress = false;
};

class Executor {
public:
  /// Prepares every weight of `module` (which must stay alive), so that
  /// errors in the weights appear before any forward pass. The module's
  /// entry point is `@forward(tokens, positions) -> logits`.
  static mlir::FailureOr<std::unique_ptr<Executor>>
  create(mlir::ModuleOp module, const ExecutorOptions &options = {});
  ~Executor();

  /// Runs the next `tokens` of the current sequence (positions continue
  /// after the tokens already run); returns the logits [tokens, vocab].
  mlir::FailureOr<Matrix> forward(llvm::ArrayRef<int64_t> tokens);
  /// Starts a new sequence: empties the key/value caches.
  void reset();
  /// Tokens run in the current sequence.
  int64_t position() const;
  /// Bytes of prepared f32 weights held.
  size_t weightBytes() const;

  //===--------------------------------------------------------------------===//
  // Layer by layer (calibration)
  //===--------------------------------------------------------------------===//

  /// The functions @forward calls, in order (one per decoder layer).
  std::vector<std::string> layerFunctions() const;
  /// The token embedding of @forward: hidden states [tokens, C].
  mlir::FailureOr<Matrix> embed(llvm::ArrayRef<int64_t> tokens);
  /// Runs `function(hidden, positions 0..T-1)` as a sequence of its own
  /// (the key/value caches are emptied first); returns its first result.
  mlir::FailureOr<Matrix> runFunction(llvm::StringRef function, Matrix hidden);
  /// The f32 weight [N, K] of the linear named `name` (dequantized for
  /// awq.qlinear), and its bias (null if none).
  mlir::FailureOr<const Matrix *> linearWeight(llvm::StringRef name);
  mlir::FailureOr<const Matrix *> linearBias(llvm::StringRef name);
  /// Rotary frequencies and attention shape of the (single) awq.rope and
  /// awq.attention of `function`.
  struct AttentionParams {
    cpu::RopeFrequencies rope;
    cpu::AttentionShape shape;
  };
  mlir::FailureOr<AttentionParams> attentionParams(llvm::StringRef function);

  /// Called with the input of every awq.linear / awq.qlinear (by its `name`
  /// attribute) before it runs.
  using LinearHook =
      std::function<void(llvm::StringRef linearName, const Matrix &input)>;
  void setLinearInputHook(LinearHook hook);
  /// Called with the hidden-state input of every function call (a decoder
  /// layer, by callee name) before it runs.
  using CallHook =
      std::function<void(llvm::StringRef callee, const Matrix &input)>;
  void setCallInputHook(CallHook hook);

  class Impl;

private:
  explicit Executor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace awq::model

#endif // AWQ_MODEL_EXECUTOR_H
