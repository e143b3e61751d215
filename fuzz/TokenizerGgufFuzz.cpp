//===- TokenizerGgufFuzz.cpp - libFuzzer target: a GGUF's vocab and merges ===//
//
// A GGUF file (header, metadata) whose tokenizer.ggml.* keys are loaded as
// a tokenizer; an accepted one encodes and decodes a fixed text.
//
//===----------------------------------------------------------------------===//

#include "formats/Gguf.h"
#include "fuzz/FuzzInput.h"
#include "tokenizer/Tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto file = awq::formats::GgufFile::fromBuffer(
      awq::fuzz::asBuffer(data, size), "fuzz.gguf");
  if (awq::fuzz::rejected(file))
    return 0;
  auto tok = awq::tok::Tokenizer::fromGguf(**file);
  if (awq::fuzz::rejected(tok))
    return 0;
  std::vector<int32_t> ids =
      (*tok)->encode("Call me Ishmael.\n\t 123 \xc3\xa9!", /*addSpecial=*/true);
  (void)(*tok)->decode(ids, /*skipSpecial=*/true);
  return 0;
}
