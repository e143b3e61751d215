//===- DType.cpp - element types of stored tensors ------------------------===//

#include "formats/DType.h"

#include "llvm/ADT/StringSwitch.h"

using namespace llvm;
using namespace awq::formats;

StringRef awq::formats::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return "F64";
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::I64:
    return "I64";
  case DType::I32:
    return "I32";
  case DType::I16:
    return "I16";
  case DType::I8:
    return "I8";
  case DType::U8:
    return "U8";
  case DType::Bool:
    return "BOOL";
  }
  return "?";
}

std::optional<DType> awq::formats::parseDType(StringRef name) {
  return StringSwitch<std::optional<DType>>(name)
      .Case("F64", DType::F64)
      .Case("F32", DType::F32)
      .Case("F16", DType::F16)
      .Case("BF16", DType::BF16)
      .Case("I64", DType::I64)
      .Case("I32", DType::I32)
      .Case("I16", DType::I16)
      .Case("I8", DType::I8)
      .Case("U8", DType::U8)
      .Case("BOOL", DType::Bool)
      .Default(std::nullopt);
}

size_t awq::formats::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
    return 2;
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  }
  return 1;
}
