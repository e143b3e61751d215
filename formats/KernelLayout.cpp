//===- KernelLayout.cpp - the kernels' weight layout ----------------------===//

#include "formats/KernelLayout.h"
#include "formats/Half.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace awq::formats;

int64_t awq::formats::kernelLayoutElement(int64_t word, int nibble) {
  // Word j is word t = j mod 4 of chunk c = j div 4; nibble p holds
  // q[n, 32c + 8 (p mod 4) + 2t + (p div 4)] (docs/artifact-format.md).
  int64_t chunk = word / 4, t = word % 4;
  return 32 * chunk + 8 * (nibble % 4) + 2 * t + nibble / 4;
}

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// QuantizedWeight <-> kernel layout
//===----------------------------------------------------------------------===//

llvm::Expected<KernelWeights>
awq::formats::packKernelLayout(const QuantizedWeight &w, DType dtype) {
  if (llvm::Error e = validate(w))
    return std::move(e);
  if (w.bits != 4)
    return makeError("the kernel layout v1 defines only 4-bit packing");
  if (!isHalfDType(dtype))
    return makeError("the kernel layout stores scales and zeros as F16 or "
                     "BF16, not " +
                     dtypeName(dtype));
  if (w.k % 32 != 0)
    return makeError(llvm::formatv(
        "k = {0} is not a multiple of 32 (the kernel layout packs 32-weight "
        "chunks)",
        w.k));
  KernelWeights out;
  out.n = w.n;
  out.k = w.k;
  out.groupSize = w.groupSize;
  out.bits = w.bits;
  out.dtype = dtype;
  int64_t words = w.k / 8;
  out.qweight.resize(static_cast<size_t>(w.n * words));
  for (int64_t n = 0; n < w.n; ++n) {
    const uint8_t *row = &w.q[n * w.k];
    for (int64_t j = 0; j < words; ++j) {
      uint32_t word = 0;
      for (int p = 0; p < 8; ++p)
        word |= static_cast<uint32_t>(row[kernelLayoutElement(j, p)])
                << (4 * p);
      out.qweight[n * words + j] = static_cast<int32_t>(word);
    }
  }
  out.scales.reserve(w.scales.size());
  for (float s : w.scales)
    out.scales.push_back(encodeHalf(s, dtype));
  out.zeros.reserve(w.zeros.size());
  for (uint8_t z : w.zeros)
    out.zeros.push_back(encodeHalf(static_cast<float>(z), dtype));
  return out;
}

llvm::Expected<QuantizedWeight>
awq::formats::unpackKernelLayout(const KernelWeights &w) {
  if (w.bits != 4)
    return makeError("the kernel layout v1 defines only 4-bit packing");
  if (!isHalfDType(w.dtype))
    return makeError("the kernel layout stores scales and zeros as F16 or "
                     "BF16, not " +
                     dtypeName(w.dtype));
  if (w.n <= 0 || w.k <= 0 || w.groupSize <= 0 || w.k % w.groupSize != 0 ||
      w.k % 32 != 0)
    return makeError(llvm::formatv("invalid weight shape: n={0} k={1} "
                                   "group_size={2}",
                                   w.n, w.k, w.groupSize));
  int64_t words = w.k / 8;
  size_t groups = static_cast<size_t>(w.n * (w.k / w.groupSize));
  if (w.qweight.size() != static_cast<size_t>(w.n * words) ||
      w.scales.size() != groups ||
      (!w.zeros.empty() && w.zeros.size() != groups))
    return makeError("kernel layout tensors do not match n, k, group_size");
  QuantizedWeight out;
  out.n = w.n;
  out.k = w.k;
  out.groupSize = w.groupSize;
  out.bits = w.bits;
  out.q.resize(static_cast<size_t>(w.n * w.k));
  for (int64_t n = 0; n < w.n; ++n) {
    for (int64_t j = 0; j < words; ++j) {
      uint32_t word = static_cast<uint32_t>(w.qweight[n * words + j]);
      for (int p = 0; p < 8; ++p)
        out.q[n * w.k + kernelLayoutElement(j, p)] = (word >> (4 * p)) & 0xf;
    }
  }
  out.scales.reserve(groups);
  for (uint16_t s : w.scales)
    out.scales.push_back(decodeHalf(s, w.dtype));
  out.zeros.reserve(w.zeros.size());
  for (size_t i = 0; i < w.zeros.size(); ++i) {
    float z = decodeHalf(w.zeros[i], w.dtype);
    if (!(z >= 0 && z <= 15) || z != std::floor(z))
      return makeError(llvm::formatv(
          "zeros[{0}] = {1} is not an integer zero point in 0..15", i, z));
    out.zeros.push_back(static_cast<uint8_t>(z));
  }
  return out;
}
