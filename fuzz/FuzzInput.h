//===- FuzzInput.h - the fuzzer's bytes as LLVM types -----------*- C++ -*-===//

#ifndef AWQ_FUZZ_FUZZINPUT_H
#define AWQ_FUZZ_FUZZINPUT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>

namespace awq::fuzz {

inline llvm::StringRef asText(const uint8_t *data, size_t size) {
  return llvm::StringRef(reinterpret_cast<const char *>(data), size);
}

/// A private copy: the readers may keep the buffer past the call.
inline std::unique_ptr<llvm::MemoryBuffer> asBuffer(const uint8_t *data,
                                                    size_t size) {
  return llvm::MemoryBuffer::getMemBufferCopy(asText(data, size), "fuzz");
}

/// True, with the error dropped, when the parser rejected the input (the
/// outcome for most inputs); false when it accepted it.
template <typename T> bool rejected(llvm::Expected<T> &value) {
  if (value)
    return false;
  llvm::consumeError(value.takeError());
  return true;
}

} // namespace awq::fuzz

#endif // AWQ_FUZZ_FUZZINPUT_H
