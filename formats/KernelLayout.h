//===- KernelLayout.h - the kernels' weight layout --------------*- C++ -*-===//
//
// docs/artifact-format.md "Kernel weight layout" v1, the layout the
// generated kernels read: qweight i32 [N,K/8] in 32-weight chunks of four
// words (see kernelLayoutElement), scales and zeros as raw f16/bf16 bits
// [N,K/G]. Converts to and from QuantizedWeight without changing a number.
// Used by awq-compile (artifacts) and the runtime (awq_repack_autoawq), so
// it depends on nothing but LLVM Support.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_KERNELLAYOUT_H
#define AWQ_FORMATS_KERNELLAYOUT_H

#include "formats/QuantizedWeight.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace awq::formats {

/// The kernel layout v1 (4-bit only; the format defines no 8-bit packing;
/// K a multiple of 32).
struct KernelWeights {
  int64_t n = 0, k = 0, groupSize = 0;
  int bits = 4;
  DType dtype = DType::F16;     ///< F16 or BF16
  std::vector<int32_t> qweight; ///< [N,K/8]
  std::vector<uint16_t> scales; ///< [N,K/G], dtype bits
  std::vector<uint16_t> zeros;  ///< [N,K/G], dtype bits; empty if symmetric
};

/// The kernel layout's nibble order: the K index (within its row) of the
/// weight that nibble `nibble` (0..7) of word `word` (0..K/8-1) of a qweight
/// row holds. Words come in chunks of four covering 32 weights; word t of
/// chunk c, nibble p holds 32c + 8 (p mod 4) + 2t + (p div 4).
int64_t kernelLayoutElement(int64_t word, int nibble);

/// QuantizedWeight -> kernel layout. Scales are rounded to `dtype` (F16 or
/// BF16; exact when they are representable, as in every artifact); zeros
/// convert exactly. Symmetric weights without stored zeros get no zeros.
llvm::Expected<KernelWeights> packKernelLayout(const QuantizedWeight &weights,
                                               DType dtype);

/// Kernel layout -> QuantizedWeight; fails if a zero is not an integer in
/// range.
llvm::Expected<QuantizedWeight> unpackKernelLayout(const KernelWeights &w);

} // namespace awq::formats

#endif // AWQ_FORMATS_KERNELLAYOUT_H
