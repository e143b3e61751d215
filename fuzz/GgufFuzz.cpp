//===- GgufFuzz.cpp - libFuzzer target: the GGUF reader ------------------===//

#include "formats/Gguf.h"
#include "fuzz/FuzzInput.h"

using namespace awq::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto file =
      GgufFile::fromBuffer(awq::fuzz::asBuffer(data, size), "fuzz.gguf");
  if (awq::fuzz::rejected(file))
    return 0;
  // Dequantize what validation accepted: bounds were promised.
  for (const GgufTensorInfo &t : (*file)->tensors()) {
    if (!ggmlCanDequantize(t.type) || t.numElements() > (1 << 20))
      continue;
    auto v = (*file)->dequantize(t);
    (void)awq::fuzz::rejected(v);
  }
  return 0;
}
