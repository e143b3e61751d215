//===- Quantize.h - group-wise round-to-nearest quantization ----*- C++ -*-===//
//
// Group quantization of a weight W[N, K] along K, exactly as DESIGN.md
// "Semantics" defines it (and as AutoAWQ's pseudo_quantize_tensor computes
// it). Two arithmetic modes reproduce the two ways the reference runs:
//
//  * QuantArith::F32: every operation in IEEE f32, as PyTorch computes on an
//    f32 tensor. Used by the scale and clip searches.
//  * QuantArith::F16: the weight is first rounded to f16, and every
//    elementwise operation is computed in f32 and rounded to f16, which is
//    what PyTorch does for f16 tensors (and what AutoAWQ's final
//    quantization does: it calls `linear.half()` before
//    pseudo_quantize_tensor). Scales are then exactly f16, as the GEMM
//    checkpoint stores them, and q matches AutoAWQ bit for bit.
//
// Rounding is round-half-to-even (torch.round), via rint in the default
// floating-point environment.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_QUANTIZE_QUANTIZE_H
#define AWQ_QUANTIZE_QUANTIZE_H

#include "formats/QuantizedWeight.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace awq::quant {

enum class QuantArith { F32, F16 };

struct QuantConfig {
  /// 3, 4 or 8.
  int bits = 4;
  /// 32, 64, 128, or K (per-channel); 0 or -1 also mean per-channel.
  int64_t groupSize = 128;
  /// Symmetric: zero point fixed at 2^(bits-1).
  bool symmetric = false;
  QuantArith arith = QuantArith::F32;

  /// The effective group size for a K-wide weight.
  int64_t groupFor(int64_t k) const { return groupSize <= 0 ? k : groupSize; }
};

// The algorithms' result type is the formats' one, so that a quantized
// weight goes to any packing without conversion.
using formats::QuantizedWeight;

/// Checks bits, group size, K % G == 0 and positive sizes; `name` is used
/// in the message.
llvm::Error checkQuantConfig(const QuantConfig &config, int64_t n, int64_t k,
                             llvm::StringRef name);

/// Errors on the first NaN or Inf, naming the tensor and position.
llvm::Error checkFinite(llvm::ArrayRef<float> w, int64_t k,
                        llvm::StringRef name);

/// Round-to-nearest quantization of w[n, k] (row-major, row = output
/// channel). Errors: bad config, size mismatch, NaN/Inf, and (F16 mode)
/// values outside the f16 range.
llvm::Expected<QuantizedWeight> quantizeRTN(llvm::ArrayRef<float> w,
                                            int64_t n, int64_t k,
                                            const QuantConfig &config,
                                            llvm::StringRef name = "weight");

/// In-place quantize+dequantize of `rows` rows of length k (the searches'
/// Q(·)). The input must be finite and the config valid (checked by the
/// callers once, not per call). In F16 mode the result is rounded to f16,
/// like AutoAWQ's pseudo-quantized f16 weights.
void fakeQuantizeRows(float *w, int64_t rows, int64_t k,
                      const QuantConfig &config);

} // namespace awq::quant

#endif // AWQ_QUANTIZE_QUANTIZE_H
