//===- SafeTensorsFuzz.cpp - libFuzzer target: the safetensors reader -----===//

#include "formats/SafeTensors.h"
#include "fuzz/FuzzInput.h"

using namespace awq::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto file = SafeTensorsFile::fromBuffer(awq::fuzz::asBuffer(data, size),
                                          "fuzz.safetensors");
  if (awq::fuzz::rejected(file))
    return 0;
  // Touch every accepted tensor's bytes: validation promised they exist.
  for (const TensorView &t : (*file)->tensors())
    if (t.bytes.size() <= (1u << 20))
      (void)t.toFloat();
  return 0;
}
