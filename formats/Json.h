//===- Json.h - integers from a user's JSON -----------------------*- C++ -*-===//
//
// llvm::json::Value::getAsInteger converts a double equal to 2^63 to
// int64_t, which is undefined (UBSan; the GGUF tokenizer fuzzer found it
// through a token_type array of doubles). Every integer read from a user's
// file (JSON, or GGUF metadata seen as JSON) goes through jsonInteger.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_JSON_H
#define AWQ_FORMATS_JSON_H

#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>

namespace awq::formats {

/// The value as an int64 if it is an integral number strictly inside
/// (-2^63, 2^63); std::nullopt otherwise (not a number, fractional, or too
/// large).
inline std::optional<int64_t> jsonInteger(const llvm::json::Value &value) {
  std::optional<double> d = value.getAsNumber();
  if (!d || !(*d > -9223372036854775808.0 && *d < 9223372036854775808.0))
    return std::nullopt;
  return value.getAsInteger();
}

/// jsonInteger of `object[key]`, std::nullopt if absent.
inline std::optional<int64_t> jsonInteger(const llvm::json::Object &object,
                                          llvm::StringRef key) {
  const llvm::json::Value *value = object.get(key);
  return value ? jsonInteger(*value) : std::nullopt;
}

} // namespace awq::formats

#endif // AWQ_FORMATS_JSON_H
