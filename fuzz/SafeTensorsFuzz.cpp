//===- SafeTensorsFuzz.cpp - libFuzzer target: the safetensors reader -----===//

#include "formats/SafeTensors.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace awq::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto buf = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz");
  auto file = SafeTensorsFile::fromBuffer(std::move(buf), "fuzz.safetensors");
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  // Touch every accepted tensor's bytes: validation promised they exist.
  for (const TensorView &t : (*file)->tensors())
    if (t.bytes.size() <= (1u << 20))
      (void)t.toFloat();
  return 0;
}
