//===- GgufFuzz.cpp - libFuzzer target: the GGUF reader ------------------===//

#include "formats/Gguf.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace awq::formats;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto buf = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz");
  auto file = GgufFile::fromBuffer(std::move(buf), "fuzz.gguf");
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  // Dequantize what validation accepted: bounds were promised.
  for (const GgufTensorInfo &t : (*file)->tensors()) {
    if (!ggmlCanDequantize(t.type) || t.numElements() > (1 << 20))
      continue;
    auto v = (*file)->dequantize(t);
    if (!v)
      llvm::consumeError(v.takeError());
  }
  return 0;
}
