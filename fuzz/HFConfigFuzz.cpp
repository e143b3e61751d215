//===- HFConfigFuzz.cpp - libFuzzer target: config.json -------------------===//

#include "formats/HFConfig.h"
#include "fuzz/FuzzInput.h"

#include "llvm/Support/JSON.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse(awq::fuzz::asText(data, size));
  if (awq::fuzz::rejected(json))
    return 0;
  auto config = awq::formats::parseHFConfig(*json, "config.json");
  (void)awq::fuzz::rejected(config);
  return 0;
}
