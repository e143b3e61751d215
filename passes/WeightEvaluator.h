//===- WeightEvaluator.h - host evaluation of weight expressions -*- C++ -*-===//
//
// Computes the contents of a tensor value of model IR on the host: the
// weight expressions that awq-apply-scales and awq-fold-scales build
// (awq.scale, arith on tensors, linalg.broadcast, tensor.concat) over their
// leaves (arith.constant, awq.weight). Referenced weights are read from their
// safetensors files only here, when a pass needs the numbers; the files stay
// memory-mapped for the evaluator's lifetime.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_PASSES_WEIGHTEVALUATOR_H
#define AWQ_PASSES_WEIGHTEVALUATOR_H

#include "mlir/IR/Types.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace awq::formats {
class GgufFile;
class SafeTensorsFile;
} // namespace awq::formats

namespace mlir::awq {

/// The contents of a tensor, row-major.
///
/// Float element types (f16, bf16, f32) are held in `floats` as f32 values
/// that are already rounded to the element type, so converting them back is
/// exact. Integer element types are held in `ints`: widths up to 8 bits read
/// as unsigned (the dialect's convention for q and zero points: a signless
/// i4 holds 0 … 15, although the IR printer shows 8 … 15 as -8 … -1), wider
/// ones as signed.
struct HostTensor {
  SmallVector<int64_t> shape;
  Type elementType;
  std::vector<float> floats;
  std::vector<int64_t> ints;

  bool isFloat() const;
  int64_t numElements() const;
};

/// Evaluates tensor values of model IR on the host.
///
/// Supported producers:
///  - `arith.constant` with a dense (or splat) elements attribute;
///  - `awq.weight`, for every storage kind (plain, transposed, and the
///    AutoAWQ GEMM packings awq_gemm_qweight / awq_gemm_qzeros, unpacked
///    with AutoAWQ's nibble order [0, 2, 4, 6, 1, 3, 5, 7]) of safetensors
///    files, and float tensors of GGUF files (`.gguf`: dequantized; plain or
///    rope_interleaved storage);
///  - `awq.scale` on any axis, `awq.clip`;
///  - `arith.mulf`, `divf`, `addf`, `subf`, `negf`, `extf`, `truncf` on
///    tensors;
///  - `linalg.broadcast` (its init, usually a `tensor.empty`, is ignored)
///    and `tensor.concat`.
/// Float arithmetic is done in f32 and rounded once to the result's element
/// type. For f16 and bf16 operands that equals the IEEE operation in the
/// narrow type (f32 has more than 2p + 2 bits of precision for both, so the
/// double rounding is innocuous), which is also what PyTorch computes.
///
/// Everything else (block arguments, other ops, missing files or tensors,
/// dtype or shape mismatches) is an error emitted at the location of the op
/// (or value) concerned.
class WeightEvaluator {
public:
  /// Relative `awq.weight` file names are resolved against `baseDir`; when
  /// it is empty, against the directory of the file named by the op's
  /// location (the IR file), and failing that the working directory.
  explicit WeightEvaluator(std::string baseDir = "");
  ~WeightEvaluator();
  WeightEvaluator(const WeightEvaluator &) = delete;
  WeightEvaluator &operator=(const WeightEvaluator &) = delete;

  /// Computes the contents of `value`, which must be a statically shaped
  /// ranked tensor.
  FailureOr<HostTensor> evaluate(Value value);

  /// The path an `awq.weight` op's file resolves to.
  std::string resolvePath(Operation *weightOp, StringRef file) const;

private:
  FailureOr<HostTensor> evaluateOp(Operation *op, Value value);
  /// Opens (once) and returns a safetensors file; errors at `op`.
  FailureOr<const ::awq::formats::SafeTensorsFile *> openFile(Operation *op,
                                                             StringRef path);
  /// Opens (once) and returns a GGUF file; errors at `op`.
  FailureOr<const ::awq::formats::GgufFile *> openGguf(Operation *op,
                                                     StringRef path);
  /// An `awq.weight` of a GGUF file, dequantized.
  FailureOr<HostTensor> evaluateGgufWeight(Operation *op, StringRef path);

  std::string baseDir;
  llvm::StringMap<std::unique_ptr<::awq::formats::SafeTensorsFile>> files;
  llvm::StringMap<std::unique_ptr<::awq::formats::GgufFile>> ggufFiles;
};

/// Rounds `value` to the nearest value of the float type `type` (f16, bf16
/// or f32), round half to even.
float roundToFloatType(Type type, float value);

} // namespace mlir::awq

#endif // AWQ_PASSES_WEIGHTEVALUATOR_H
