//===- KernelLayout.h - weight layouts and the CPU reference ----*- C++ -*-===//
//
// Converts quantized weights between three layouts without changing a
// number:
//   canonical  q uint8 [N,K] (0..2^bits-1), scales float [N,K/G],
//              zeros uint8 [N,K/G] (or none: symmetric, z = 2^(bits-1));
//   kernel     docs/artifact-format.md "Kernel weight layout" v1: qweight i32
//              [N,K/8] in 32-weight chunks of four words (see
//              kernelLayoutElement), scales and zeros as raw f16/bf16 bits
//              [N,K/G];
//   AutoAWQ    GEMM checkpoints: qweight i32 [K,N/8] with the same interleave
//              over N, qzeros i32 [K/G,N/8], scales f16 [K/G,N].
// Also the f64 CPU reference of DESIGN.md's linear, which the GPU tests
// compare kernels against.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_RUNTIME_KERNELLAYOUT_H
#define AWQ_RUNTIME_KERNELLAYOUT_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace awq {

/// Activation / scale / output element type.
enum class ActDType { F16, BF16 };

/// IEEE binary16 and bfloat16 conversions; float -> 16 bits rounds to
/// nearest even, 16 bits -> float is exact.
uint16_t floatToHalfBits(float value);
float halfBitsToFloat(uint16_t bits);
uint16_t floatToBf16Bits(float value);
float bf16BitsToFloat(uint16_t bits);
uint16_t floatToActBits(float value, ActDType dtype);
float actBitsToFloat(uint16_t bits, ActDType dtype);

/// The canonical quantized weight of one linear (DESIGN.md, Semantics).
struct CanonicalWeights {
  int64_t n = 0, k = 0, groupSize = 0;
  int bits = 4;
  std::vector<uint8_t> q;      ///< [N,K]
  std::vector<float> scales;   ///< [N,K/G]
  std::vector<uint8_t> zeros;  ///< [N,K/G]; empty for symmetric
  bool hasZeros() const { return !zeros.empty(); }
  int64_t groups() const { return k / groupSize; }
  /// The zero point of (n, group), 2^(bits-1) when symmetric.
  int zeroAt(int64_t n, int64_t group) const {
    return hasZeros() ? zeros[n * groups() + group] : 1 << (bits - 1);
  }
};

/// The kernel layout v1 (4-bit only; the format defines no 8-bit packing;
/// K a multiple of 32).
struct KernelWeights {
  int64_t n = 0, k = 0, groupSize = 0;
  int bits = 4;
  ActDType dtype = ActDType::F16;
  std::vector<int32_t> qweight;  ///< [N,K/8]
  std::vector<uint16_t> scales;  ///< [N,K/G], dtype bits
  std::vector<uint16_t> zeros;   ///< [N,K/G], dtype bits; empty if symmetric
};

/// AutoAWQ's nibble order: nibble i of word (k, c) holds output channel
/// 8c + kInterleave[i].
extern const int kInterleave[8];

/// The kernel layout's nibble order: the K index (within its row) of the
/// weight that nibble `nibble` (0..7) of word `word` (0..K/8-1) of a qweight
/// row holds. Words come in chunks of four covering 32 weights; word t of
/// chunk c, nibble p holds 32c + 8 (p mod 4) + 2t + (p div 4).
int64_t kernelLayoutElement(int64_t word, int nibble);

/// Checks shapes and value ranges of canonical weights.
llvm::Error validate(const CanonicalWeights &weights);

/// Canonical -> kernel layout. Scales are rounded to `dtype` (exact when
/// they are representable, as in every artifact); zeros convert exactly.
llvm::Expected<KernelWeights> packKernelLayout(const CanonicalWeights &weights,
                                               ActDType dtype);

/// Kernel layout -> canonical; fails if a zero is not an integer in range.
llvm::Expected<CanonicalWeights> unpackKernelLayout(const KernelWeights &w);

/// An AutoAWQ GEMM checkpoint's tensors for one linear (4-bit).
struct AutoAwqGemmWeights {
  int64_t n = 0, k = 0, groupSize = 0;
  std::vector<int32_t> qweight;  ///< [K, N/8]
  std::vector<int32_t> qzeros;   ///< [K/G, N/8]
  std::vector<uint16_t> scales;  ///< [K/G, N], f16 bits
};

/// AutoAWQ GEMM -> canonical (scales become floats exactly).
llvm::Expected<CanonicalWeights> fromAutoAwqGemm(const AutoAwqGemmWeights &w);

/// Canonical -> AutoAWQ GEMM (asymmetric, 4-bit, scales rounded to f16).
llvm::Expected<AutoAwqGemmWeights> toAutoAwqGemm(const CanonicalWeights &w);

/// f64 reference of y = x * What^T + bias, What[n,k] = (q - z) * s, for the
/// listed rows of x: `x` is [M,K] in `dtype` bits, `bias` [N] dtype bits or
/// null, `y` receives [rows.size(), N] doubles (not rounded to dtype). Uses
/// the canonical scales as given. Spreads output channels over `threads`
/// threads (0 = all cores).
void referenceLinear(const std::vector<int64_t> &rows, const uint16_t *x,
                     ActDType dtype, const CanonicalWeights &weights,
                     const uint16_t *bias, double *y, unsigned threads = 0);

} // namespace awq

#endif // AWQ_RUNTIME_KERNELLAYOUT_H
