//===- TokenizerJsonFuzz.cpp - libFuzzer target: tokenizer.json -----------===//
//
// Loads the input as a tokenizer.json and, if it is accepted, encodes and
// decodes a fixed text with it (the loader's validation promises that
// every id the encoder can produce is in the vocabulary).
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzInput.h"
#include "tokenizer/Tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto tok = awq::tok::Tokenizer::fromHuggingFaceJsonText(
      awq::fuzz::asText(data, size), "fuzz.json");
  if (awq::fuzz::rejected(tok))
    return 0;
  std::vector<int32_t> ids =
      (*tok)->encode("Call me Ishmael. Some years ago\n\t 123 <|x|>\xc3\xa9!",
                     /*addSpecial=*/true);
  (void)(*tok)->decode(ids, /*skipSpecial=*/false);
  return 0;
}
