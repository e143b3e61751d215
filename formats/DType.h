//===- DType.h - element types of stored tensors ----------------*- C++ -*-===//
//
// The one element-type enum of the project: safetensors tensors, GGUF
// tensors after dequantization, the kernel layout's scales and zeros and the
// artifact manifest's parameters all name their element type with it. Each
// format keeps its own spelling (safetensors "BF16", the manifest "bf16");
// the enum is shared so that no conversion table between enums is needed.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_DTYPE_H
#define AWQ_FORMATS_DTYPE_H

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace awq::formats {

/// Element types. Names follow the safetensors spelling.
enum class DType : uint8_t { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

/// The safetensors name of `dtype` ("F16", "BOOL").
llvm::StringRef dtypeName(DType dtype);
/// Parses a safetensors dtype name; std::nullopt for unknown names.
std::optional<DType> parseDType(llvm::StringRef name);
/// Bytes per element.
size_t dtypeSize(DType dtype);

/// Whether `dtype` is one of the two 16-bit float types (F16, BF16) that
/// activations, scales and zero points of the kernel layout use.
inline bool isHalfDType(DType dtype) {
  return dtype == DType::F16 || dtype == DType::BF16;
}

} // namespace awq::formats

#endif // AWQ_FORMATS_DTYPE_H
