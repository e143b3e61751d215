//===- QuantizedWeight.h - a group-quantized weight -------------*- C++ -*-===//
//
// The logical (unpacked) form of a quantized linear weight W[N, K] of
// DESIGN.md "Semantics": Ŵ[n, k] = (q[n, k] - z[n, g]) · s[n, g] with
// g = k / G. Every packing (AutoAWQ GEMM, the kernel layout) converts to and
// from this type, the quantizers (quantize/) produce it, and the runtime's
// tests compare kernels against its f64 reference.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_QUANTIZEDWEIGHT_H
#define AWQ_FORMATS_QUANTIZEDWEIGHT_H

#include "formats/DType.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace awq::formats {

/// A quantized weight in the logical layout.
struct QuantizedWeight {
  int64_t n = 0, k = 0, groupSize = 0;
  int bits = 4;
  /// Quantized symmetrically (z = 2^(bits-1)). The quantizers still store
  /// those zeros; readers of other layouts leave `zeros` empty instead.
  bool symmetric = false;
  /// q[n * k + c] in [0, 2^bits - 1].
  std::vector<uint8_t> q;
  /// scales[n * (k / G) + g].
  std::vector<float> scales;
  /// zeros[n * (k / G) + g]; empty means 2^(bits-1) everywhere.
  std::vector<uint8_t> zeros;

  int64_t numGroups() const { return groupSize ? k / groupSize : 0; }
  bool hasZeros() const { return !zeros.empty(); }
  /// The zero point of (row, group), 2^(bits-1) when none are stored.
  int zeroAt(int64_t row, int64_t group) const {
    return hasZeros() ? zeros[row * numGroups() + group] : 1 << (bits - 1);
  }
};

/// Checks shapes and value ranges (4 or 8 bits, G divides K, q and zeros
/// below 2^bits).
llvm::Error validate(const QuantizedWeight &weight);

/// Ŵ[n,k] = (q − z)·s, computed in f32 (exact when s is an f16 value).
std::vector<float> dequantize(const QuantizedWeight &weight);

/// f64 reference of y = x * Ŵ^T + bias for the listed rows of x: `x` is
/// [M,K] in `dtype` (F16 or BF16) bits, `bias` [N] dtype bits or null, `y`
/// receives [rows.size(), N] doubles (not rounded to dtype). Uses the scales
/// as given. Spreads output channels over `threads` threads (0 = all cores).
void referenceLinear(const std::vector<int64_t> &rows, const uint16_t *x,
                     DType dtype, const QuantizedWeight &weight,
                     const uint16_t *bias, double *y, unsigned threads = 0);

} // namespace awq::formats

#endif // AWQ_FORMATS_QUANTIZEDWEIGHT_H
