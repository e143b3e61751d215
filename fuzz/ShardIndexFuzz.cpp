//===- ShardIndexFuzz.cpp - libFuzzer target: model.safetensors.index.json ===//

#include "formats/SafeTensors.h"
#include "fuzz/FuzzInput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto index = awq::formats::parseShardIndex(awq::fuzz::asText(data, size),
                                             "model.safetensors.index.json");
  if (awq::fuzz::rejected(index))
    return 0;
  // What the reader promised: every shard is a plain, non-empty file name.
  for (auto &entry : *index)
    if (entry.second.empty() || llvm::StringRef(entry.second).contains('/'))
      __builtin_trap();
  return 0;
}
