//===- Gguf.h - GGUF (llama.cpp) reader -------------------------*- C++ -*-===//
//
// Memory-mapped, bounds-checked reading of GGUF v2/v3 files: header,
// metadata key/values (exposed as llvm::json values), tensor infos, and
// dequantization of F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K and Q6_K to f32
// following ggml's block definitions. A small writer exists for tests and
// fuzz seeds.
//
// Layout: "GGUF", u32 version, u64 tensor count, u64 kv count, kvs, tensor
// infos (name, u32 n_dims, u64 ne[n_dims], u32 type, u64 offset), padding to
// `general.alignment` (default 32), data. ne[0] is the contiguous dimension,
// so a torch weight [N, K] has ne = {K, N}.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_GGUF_H
#define AWQ_FORMATS_GGUF_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class MemoryBuffer;
} // namespace llvm

namespace awq::formats {

/// ggml tensor types (values are the on-disk enum).
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  BF16 = 30,
};

/// Name of a ggml type ("Q4_K"), or "type<N>" for unknown ones.
std::string ggmlTypeName(uint32_t type);
/// Elements per block and bytes per block; false for types we do not know.
bool ggmlBlockInfo(uint32_t type, int64_t &blockElems, int64_t &blockBytes);
/// Whether dequantizeGgml supports the type.
bool ggmlCanDequantize(uint32_t type);

/// Dequantizes `numElements` values (a multiple of the block size) from
/// `data`, which must hold exactly the blocks.
llvm::Error dequantizeGgml(uint32_t type, llvm::ArrayRef<uint8_t> data,
                           int64_t numElements, float *out);

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne; ///< ggml order: ne[0] contiguous
  uint32_t type = 0;
  uint64_t offset = 0; ///< relative to the data section
  llvm::ArrayRef<uint8_t> data;

  int64_t numElements() const;
  /// Shape in PyTorch order (ne reversed).
  std::vector<int64_t> shape() const;
};

class GgufFile {
public:
  static llvm::Expected<std::unique_ptr<GgufFile>> open(llvm::StringRef path);
  static llvm::Expected<std::unique_ptr<GgufFile>>
  fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer,
             llvm::StringRef displayName);
  ~GgufFile();

  llvm::StringRef path() const { return filePath; }
  uint32_t version() const { return ver; }
  uint64_t alignment() const { return align; }
  /// Metadata: integers/floats/bools/strings as json values, arrays as
  /// json arrays. Keys are in file order in `metadataKeys()`.
  const llvm::json::Object &metadata() const { return meta; }
  llvm::ArrayRef<std::string> metadataKeys() const { return keys; }
  /// The GGUF value type of each key (for printing).
  uint32_t metadataType(llvm::StringRef key) const;

  llvm::ArrayRef<GgufTensorInfo> tensors() const { return infos; }
  const GgufTensorInfo *lookup(llvm::StringRef name) const;
  /// Dequantizes a whole tensor to f32 in ggml element order (row-major
  /// over the torch shape).
  llvm::Expected<std::vector<float>>
  dequantize(const GgufTensorInfo &info) const;

private:
  GgufFile() = default;
  llvm::Error parse();

  std::string filePath;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  uint32_t ver = 0;
  uint64_t align = 32;
  llvm::json::Object meta;
  std::vector<std::string> keys;
  llvm::StringMap<uint32_t> keyTypes;
  std::vector<GgufTensorInfo> infos;
  llvm::StringMap<size_t> index;
};

/// Minimal GGUF v3 writer (tests, fuzz corpora): string/u32/f32/bool
/// metadata, string and i32 arrays (tokenizer data), raw tensor blocks.
class GgufWriter {
public:
  void addString(llvm::StringRef key, llvm::StringRef value);
  void addU32(llvm::StringRef key, uint32_t value);
  void addF32(llvm::StringRef key, float value);
  void addBool(llvm::StringRef key, bool value);
  void addStringArray(llvm::StringRef key,
                      llvm::ArrayRef<std::string> values);
  void addI32Array(llvm::StringRef key, llvm::ArrayRef<int32_t> values);
  /// `ne` in ggml order; `data` must be the exact block bytes.
  llvm::Error addTensor(llvm::StringRef name, llvm::ArrayRef<int64_t> ne,
                        GgmlType type, llvm::ArrayRef<uint8_t> data);
  std::string serialize(uint64_t alignment = 32) const;

private:
  std::string kvBytes;
  uint64_t kvCount = 0;
  struct T {
    std::string name;
    std::vector<int64_t> ne;
    uint32_t type;
    std::vector<uint8_t> data;
  };
  std::vector<T> tensorsToWrite;
};

} // namespace awq::formats

#endif // AWQ_FORMATS_GGUF_H
