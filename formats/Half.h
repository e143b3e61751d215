//===- Half.h - f16 and bf16 conversions ------------------------*- C++ -*-===//
//
// Bit-exact conversions between IEEE binary32 and the two 16-bit formats that
// checkpoints, the kernel layout and the runtime use; the only copy in the
// project. f32 -> f16/bf16 rounds to nearest, ties to even, exactly as
// PyTorch's `.half()` / `.bfloat16()` and NumPy's `astype(np.float16)` do,
// so that quantization results can be compared bit for bit. 16 bits -> f32
// is exact. NaN stays NaN (quiet; the f16 direction keeps the payload's top
// bits).
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_HALF_H
#define AWQ_FORMATS_HALF_H

#include "formats/DType.h"

#include <cassert>
#include <cstdint>
#include <cstring>

namespace awq::formats {

inline uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float bitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// Converts IEEE half bits to float (exact: every f16 is an f32).
inline float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  if (exp == 0x1f) // Inf / NaN: keep the payload (quiet bit included).
    return bitsFloat(sign | 0x7f800000u | (man << 13));
  if (exp == 0) {
    if (man == 0)
      return bitsFloat(sign);
    // Subnormal: value = man * 2^-24, exactly representable in f32.
    float v = float(man) * bitsFloat(0x33800000u); // 2^-24
    return sign ? -v : v;
  }
  return bitsFloat(sign | ((exp + 112) << 23) | (man << 13));
}

/// Converts float to IEEE half bits, round to nearest even; overflow gives
/// Inf, NaN stays NaN (quiet).
inline uint16_t floatToHalf(float f) {
  uint32_t u = floatBits(f);
  uint16_t sign = uint16_t((u >> 16) & 0x8000);
  uint32_t absu = u & 0x7fffffffu;
  if (absu >= 0x7f800000u) // Inf or NaN.
    return sign | 0x7c00 |
           (absu > 0x7f800000u ? 0x200 | ((absu >> 13) & 0x3ff) : 0);
  if (absu >= 0x477ff000u) // >= 65520 rounds to Inf.
    return sign | 0x7c00;
  if (absu < 0x38800000u) { // Below 2^-14: subnormal half or zero.
    if (absu < 0x33000000u) // < 2^-25: rounds to zero (2^-25 ties to even 0).
      return sign;
    uint32_t exp = absu >> 23;
    uint32_t man = (absu & 0x7fffffu) | 0x800000u;
    // value = man * 2^(exp-150); half subnormal unit is 2^-24.
    uint32_t shift = 126 - exp; // in [14, 24]
    uint32_t q = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (q & 1)))
      ++q;
    return sign | uint16_t(q);
  }
  // Normal: rebias exponent, round the 13 dropped mantissa bits. A carry
  // into the exponent is the correct result (including overflow to Inf,
  // excluded above).
  uint32_t v = absu - (112u << 23);
  uint32_t q = v >> 13;
  uint32_t rem = v & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (q & 1)))
    ++q;
  return sign | uint16_t(q);
}

/// Rounds a float to the nearest f16 value (returned as float).
inline float roundToHalf(float f) { return halfToFloat(floatToHalf(f)); }

/// Converts bfloat16 bits to float (exact: bf16 is truncated f32).
inline float bf16ToFloat(uint16_t b) { return bitsFloat(uint32_t(b) << 16); }

/// Converts float to bfloat16 bits, round to nearest even; NaN stays NaN.
inline uint16_t floatToBf16(float f) {
  uint32_t u = floatBits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((u >> 16) | 0x40);
  uint32_t lsb = (u >> 16) & 1;
  u += 0x7fffu + lsb;
  return uint16_t(u >> 16);
}

/// Converts float to the bits of `dtype`, which must be F16 or BF16.
inline uint16_t encodeHalf(float f, DType dtype) {
  assert(isHalfDType(dtype) && "expected F16 or BF16");
  return dtype == DType::F16 ? floatToHalf(f) : floatToBf16(f);
}

/// Converts the bits of `dtype` (F16 or BF16) to float, exactly.
inline float decodeHalf(uint16_t bits, DType dtype) {
  assert(isHalfDType(dtype) && "expected F16 or BF16");
  return dtype == DType::F16 ? halfToFloat(bits) : bf16ToFloat(bits);
}

} // namespace awq::formats

#endif // AWQ_FORMATS_HALF_H
