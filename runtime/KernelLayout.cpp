//===- KernelLayout.cpp - weight layouts and the CPU reference ------------===//

#include "runtime/KernelLayout.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

using namespace awq;

const int awq::kInterleave[8] = {0, 2, 4, 6, 1, 3, 5, 7};

int64_t awq::kernelLayoutElement(int64_t word, int nibble) {
  // Word j is word t = j mod 4 of chunk c = j div 4; nibble p holds
  // q[n, 32c + 8 (p mod 4) + 2t + (p div 4)] (docs/artifact-format.md).
  int64_t chunk = word / 4, t = word % 4;
  return 32 * chunk + 8 * (nibble % 4) + 2 * t + nibble / 4;
}

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// 16-bit floats
//===----------------------------------------------------------------------===//

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

uint16_t awq::floatToHalfBits(float value) {
  uint32_t f = floatBits(value);
  uint16_t sign = static_cast<uint16_t>((f >> 16) & 0x8000);
  uint32_t absBits = f & 0x7fffffff;
  if (absBits >= 0x7f800000) // Inf or NaN (NaN keeps a mantissa bit).
    return sign | 0x7c00 | (absBits > 0x7f800000 ? 0x200 : 0);
  // Values >= 65520 round to infinity in binary16.
  if (absBits >= 0x477ff000)
    return sign | 0x7c00;
  int exponent = static_cast<int>(absBits >> 23) - 127;
  if (exponent < -25) // Below half the smallest subnormal: rounds to zero.
    return sign;
  uint32_t mantissa = (absBits & 0x7fffff) | 0x800000;
  // Normal half: keep 10 mantissa bits; subnormal: shift further.
  int shift = exponent < -14 ? 13 + (-14 - exponent) : 13;
  uint32_t kept = mantissa >> shift;
  uint32_t rest = mantissa & ((1u << shift) - 1);
  uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (kept & 1)))
    ++kept;
  if (exponent < -14)
    return sign | static_cast<uint16_t>(kept); // may carry into the exponent
  // kept includes the implicit bit at 1<<10; a carry to 1<<11 bumps the
  // exponent, which the addition below handles.
  return sign | static_cast<uint16_t>(((exponent + 14) << 10) + kept);
}

float awq::halfBitsToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0x1f)
    return bitsFloat(sign | 0x7f800000 | (mantissa << 13));
  if (exponent == 0) {
    // Subnormal (or zero): mantissa * 2^-24, exact in float.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return bitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t awq::floatToBf16Bits(float value) {
  uint32_t f = floatBits(value);
  if ((f & 0x7fffffff) > 0x7f800000) // NaN: keep it a NaN after truncation.
    return static_cast<uint16_t>((f >> 16) | 0x40);
  uint32_t rounding = 0x7fff + ((f >> 16) & 1);
  return static_cast<uint16_t>((f + rounding) >> 16);
}

float awq::bf16BitsToFloat(uint16_t bits) {
  return bitsFloat(static_cast<uint32_t>(bits) << 16);
}

uint16_t awq::floatToActBits(float value, ActDType dtype) {
  return dtype == ActDType::F16 ? floatToHalfBits(value)
                                : floatToBf16Bits(value);
}

float awq::actBitsToFloat(uint16_t bits, ActDType dtype) {
  return dtype == ActDType::F16 ? halfBitsToFloat(bits) : bf16BitsToFloat(bits);
}

//===----------------------------------------------------------------------===//
// Canonical <-> kernel layout
//===----------------------------------------------------------------------===//

llvm::Error awq::validate(const CanonicalWeights &w) {
  if (w.n <= 0 || w.k <= 0 || w.groupSize <= 0 || w.k % w.groupSize != 0)
    return makeError(llvm::formatv(
        "invalid weight shape: n={0} k={1} group_size={2} (group_size must "
        "divide k)",
        w.n, w.k, w.groupSize));
  if (w.bits != 4 && w.bits != 8)
    return makeError("bits must be 4 or 8, got " + llvm::Twine(w.bits));
  size_t elements = static_cast<size_t>(w.n * w.k);
  size_t groups = static_cast<size_t>(w.n * w.groups());
  if (w.q.size() != elements)
    return makeError(llvm::formatv("q has {0} elements, expected n*k = {1}",
                                   w.q.size(), elements));
  if (w.scales.size() != groups)
    return makeError(llvm::formatv(
        "scales has {0} elements, expected n*k/group_size = {1}",
        w.scales.size(), groups));
  if (!w.zeros.empty() && w.zeros.size() != groups)
    return makeError(llvm::formatv(
        "zeros has {0} elements, expected n*k/group_size = {1}",
        w.zeros.size(), groups));
  int maxQ = (1 << w.bits) - 1;
  for (size_t i = 0; i < elements; ++i)
    if (w.q[i] > maxQ)
      return makeError(llvm::formatv("q[{0}] = {1} exceeds {2} for {3} bits",
                                     i, w.q[i], maxQ, w.bits));
  for (size_t i = 0; i < w.zeros.size(); ++i)
    if (w.zeros[i] > maxQ)
      return makeError(llvm::formatv("zeros[{0}] = {1} exceeds {2}", i,
                                     w.zeros[i], maxQ));
  return llvm::Error::success();
}

llvm::Expected<KernelWeights> awq::packKernelLayout(const CanonicalWeights &w,
                                                    ActDType dtype) {
  if (llvm::Error e = validate(w))
    return std::move(e);
  if (w.bits != 4)
    return makeError("the kernel layout v1 defines only 4-bit packing");
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
    out.scales.push_back(floatToActBits(s, dtype));
  out.zeros.reserve(w.zeros.size());
  for (uint8_t z : w.zeros)
    out.zeros.push_back(floatToActBits(static_cast<float>(z), dtype));
  return out;
}

llvm::Expected<CanonicalWeights>
awq::unpackKernelLayout(const KernelWeights &w) {
  if (w.bits != 4)
    return makeError("the kernel layout v1 defines only 4-bit packing");
  if (w.n <= 0 || w.k <= 0 || w.groupSize <= 0 || w.k % w.groupSize != 0 ||
      w.k % 32 != 0)
    return makeError(llvm::formatv("invalid weight shape: n={0} k={1} "
                                   "group_size={2}",
                                   w.n, w.k, w.groupSize));
  int64_t words = w.k / 8;
  size_t groups = static_cast<size_t>(w.n * (w.k / w.groupSize));
  if (w.qweight.size() != static_cast<size_t>(w.n * words) ||
      w.scales.size() != groups || (!w.zeros.empty() && w.zeros.size() != groups))
    return makeError("kernel layout tensors do not match n, k, group_size");
  CanonicalWeights out;
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
    out.scales.push_back(actBitsToFloat(s, w.dtype));
  out.zeros.reserve(w.zeros.size());
  for (size_t i = 0; i < w.zeros.size(); ++i) {
    float z = actBitsToFloat(w.zeros[i], w.dtype);
    if (!(z >= 0 && z <= 15) || z != std::floor(z))
      return makeError(llvm::formatv(
          "zeros[{0}] = {1} is not an integer zero point in 0..15", i, z));
    out.zeros.push_back(static_cast<uint8_t>(z));
  }
  return out;
}

//===----------------------------------------------------------------------===//
// AutoAWQ GEMM
//===----------------------------------------------------------------------===//

llvm::Expected<CanonicalWeights>
awq::fromAutoAwqGemm(const AutoAwqGemmWeights &w) {
  if (w.n <= 0 || w.k <= 0 || w.groupSize <= 0 || w.k % w.groupSize != 0 ||
      w.n % 8 != 0)
    return makeError(llvm::formatv(
        "invalid AutoAWQ shape: n={0} (must be a multiple of 8) k={1} "
        "group_size={2}",
        w.n, w.k, w.groupSize));
  int64_t cols = w.n / 8;
  int64_t groups = w.k / w.groupSize;
  if (w.qweight.size() != static_cast<size_t>(w.k * cols))
    return makeError(llvm::formatv("qweight has {0} words, expected [K, N/8] "
                                   "= {1}",
                                   w.qweight.size(), w.k * cols));
  if (w.qzeros.size() != static_cast<size_t>(groups * cols))
    return makeError(llvm::formatv("qzeros has {0} words, expected [K/G, N/8] "
                                   "= {1}",
                                   w.qzeros.size(), groups * cols));
  if (w.scales.size() != static_cast<size_t>(groups * w.n))
    return makeError(llvm::formatv("scales has {0} elements, expected "
                                   "[K/G, N] = {1}",
                                   w.scales.size(), groups * w.n));
  CanonicalWeights out;
  out.n = w.n;
  out.k = w.k;
  out.groupSize = w.groupSize;
  out.bits = 4;
  out.q.resize(static_cast<size_t>(w.n * w.k));
  out.scales.resize(static_cast<size_t>(w.n * groups));
  out.zeros.resize(static_cast<size_t>(w.n * groups));
  for (int64_t k = 0; k < w.k; ++k) {
    for (int64_t c = 0; c < cols; ++c) {
      uint32_t word = static_cast<uint32_t>(w.qweight[k * cols + c]);
      for (int i = 0; i < 8; ++i)
        out.q[(8 * c + kInterleave[i]) * w.k + k] = (word >> (4 * i)) & 0xf;
    }
  }
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t c = 0; c < cols; ++c) {
      uint32_t word = static_cast<uint32_t>(w.qzeros[g * cols + c]);
      for (int i = 0; i < 8; ++i)
        out.zeros[(8 * c + kInterleave[i]) * groups + g] =
            (word >> (4 * i)) & 0xf;
    }
    for (int64_t n = 0; n < w.n; ++n)
      out.scales[n * groups + g] = halfBitsToFloat(w.scales[g * w.n + n]);
  }
  return out;
}

llvm::Expected<AutoAwqGemmWeights>
awq::toAutoAwqGemm(const CanonicalWeights &w) {
  if (llvm::Error e = validate(w))
    return std::move(e);
  if (w.bits != 4 || !w.hasZeros() || w.n % 8 != 0)
    return makeError("AutoAWQ GEMM needs 4-bit asymmetric weights with n a "
                     "multiple of 8");
  AutoAwqGemmWeights out;
  out.n = w.n;
  out.k = w.k;
  out.groupSize = w.groupSize;
  int64_t cols = w.n / 8;
  int64_t groups = w.groups();
  out.qweight.assign(static_cast<size_t>(w.k * cols), 0);
  out.qzeros.assign(static_cast<size_t>(groups * cols), 0);
  out.scales.resize(static_cast<size_t>(groups * w.n));
  for (int64_t k = 0; k < w.k; ++k) {
    for (int64_t c = 0; c < cols; ++c) {
      uint32_t word = 0;
      for (int i = 0; i < 8; ++i)
        word |= static_cast<uint32_t>(w.q[(8 * c + kInterleave[i]) * w.k + k])
                << (4 * i);
      out.qweight[k * cols + c] = static_cast<int32_t>(word);
    }
  }
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t c = 0; c < cols; ++c) {
      uint32_t word = 0;
      for (int i = 0; i < 8; ++i)
        word |= static_cast<uint32_t>(
                    w.zeros[(8 * c + kInterleave[i]) * groups + g])
                << (4 * i);
      out.qzeros[g * cols + c] = static_cast<int32_t>(word);
    }
    for (int64_t n = 0; n < w.n; ++n)
      out.scales[g * w.n + n] = floatToHalfBits(w.scales[n * groups + g]);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Reference
//===----------------------------------------------------------------------===//

void awq::referenceLinear(const std::vector<int64_t> &rows, const uint16_t *x,
                          ActDType dtype, const CanonicalWeights &w,
                          const uint16_t *bias, double *y, unsigned threads) {
  const int64_t n = w.n, k = w.k, groups = w.groups();
  const size_t numRows = rows.size();
  // The selected rows of x as doubles, once.
  std::vector<double> xs(numRows * k);
  for (size_t r = 0; r < numRows; ++r)
    for (int64_t c = 0; c < k; ++c)
      xs[r * k + c] = actBitsToFloat(x[rows[r] * k + c], dtype);

  // Each worker dequantizes its output channels one at a time (no [N,K]
  // What buffer: test layers can be Llama-sized) and dots them with x.
  auto work = [&](int64_t begin, int64_t end) {
    std::vector<double> wrow(k);
    for (int64_t o = begin; o < end; ++o) {
      for (int64_t g = 0; g < groups; ++g) {
        double s = w.scales[o * groups + g];
        double z = w.zeroAt(o, g);
        for (int64_t c = g * w.groupSize; c < (g + 1) * w.groupSize; ++c)
          wrow[c] = (static_cast<double>(w.q[o * k + c]) - z) * s;
      }
      double b = bias ? actBitsToFloat(bias[o], dtype) : 0.0;
      for (size_t r = 0; r < numRows; ++r) {
        const double *xr = &xs[r * k];
        double acc = 0;
        for (int64_t c = 0; c < k; ++c)
          acc += xr[c] * wrow[c];
        y[r * n + o] = acc + b;
      }
    }
  };
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<int64_t>(threads, n));
  if (threads <= 1) {
    work(0, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t chunk = (n + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    int64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin < end)
      pool.emplace_back(work, begin, end);
  }
  for (std::thread &t : pool)
    t.join();
}
