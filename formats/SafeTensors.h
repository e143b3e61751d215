//===- SafeTensors.h - safetensors read/write -------------------*- C++ -*-===//
//
// Memory-mapped, strictly validated reading of `.safetensors` files (single
// files and sharded models with `model.safetensors.index.json`), and atomic
// writing (temporary file + rename, so a failure never leaves a half-written
// file under the final name).
//
// Format: u64 little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F16", "shape": [..], "data_offsets": [b, e]}, ...,
//  "__metadata__": {"k": "v"}}, then the data section; offsets are relative
// to the start of the data section.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_SAFETENSORS_H
#define AWQ_FORMATS_SAFETENSORS_H

#include "formats/DType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class MemoryBuffer;
} // namespace llvm

namespace awq::formats {

/// Upper bound on the JSON header; real checkpoints use well under 1 MiB.
constexpr uint64_t kMaxSafeTensorsHeader = 100ull << 20;

/// A read-only view of one tensor. `bytes` points into the owning file's
/// mapping (or into a writer's buffer) and lives as long as that owner.
struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  llvm::ArrayRef<uint8_t> bytes;

  int64_t numElements() const;
  /// Converts any floating or integer dtype to f32 (f16/bf16 exactly).
  std::vector<float> toFloat() const;
};

/// Checked product of a shape; std::nullopt on negative dims or overflow
/// beyond 2^62.
std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape);

/// One `.safetensors` file, memory-mapped.
class SafeTensorsFile {
public:
  /// Opens and validates `path`. Every violation is an error naming the
  /// file and, where one is involved, the tensor.
  static llvm::Expected<std::unique_ptr<SafeTensorsFile>>
  open(llvm::StringRef path);
  /// Same, over an in-memory buffer (tests, fuzzing); `displayName` is used
  /// in diagnostics.
  static llvm::Expected<std::unique_ptr<SafeTensorsFile>>
  fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer,
             llvm::StringRef displayName);

  ~SafeTensorsFile();

  llvm::StringRef path() const { return filePath; }
  /// Tensors in header order.
  llvm::ArrayRef<TensorView> tensors() const { return tensorList; }
  const TensorView *lookup(llvm::StringRef name) const;
  const std::map<std::string, std::string> &metadata() const { return meta; }

private:
  SafeTensorsFile() = default;
  llvm::Error parse();

  std::string filePath;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::vector<TensorView> tensorList;
  llvm::StringMap<size_t> index;
  std::map<std::string, std::string> meta;
};

/// Collects tensors and writes one `.safetensors` file atomically. Like the
/// reference implementation, tensors are laid out contiguously sorted by
/// (element size descending, name), so every tensor is aligned to its element
/// size, and the header is padded with spaces so that the data section starts
/// 8-byte aligned. The output is a deterministic function of the contents.
class SafeTensorsWriter {
public:
  /// Adds a tensor (bytes are copied). Errors: duplicate name, byte length
  /// not equal to dtype size x elements, bad shape.
  llvm::Error add(llvm::StringRef name, DType dtype,
                  llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<uint8_t> bytes);
  llvm::Error addF32(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<float> values);
  llvm::Error addI32(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<int32_t> values);
  /// `values` are f16 bit patterns.
  llvm::Error addF16Bits(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                         llvm::ArrayRef<uint16_t> values);
  llvm::Error addView(const TensorView &view) {
    return add(view.name, view.dtype, view.shape, view.bytes);
  }
  void setMetadata(llvm::StringRef key, llvm::StringRef value) {
    meta[key.str()] = value.str();
  }

  size_t size() const { return entries.size(); }
  uint64_t dataBytes() const;
  bool contains(llvm::StringRef name) const { return entries.count(name.str()); }

  /// Serializes to a byte string (header + data).
  std::string serialize() const;
  /// Writes to `path` via `<path>.tmp-XXXXXX` and rename.
  llvm::Error write(llvm::StringRef path) const;

private:
  struct Entry {
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  std::map<std::string, Entry> entries;
  std::map<std::string, std::string> meta;
};

/// Writes `contents` to `path` atomically (temporary file in the same
/// directory, then rename).
llvm::Error writeFileAtomically(llvm::StringRef path,
                                llvm::StringRef contents);

/// The weight_map of a `model.safetensors.index.json` (tensor name -> shard
/// file name; each a plain file name). `indexPath` names it in errors.
llvm::Expected<llvm::StringMap<std::string>>
parseShardIndex(llvm::StringRef json, llvm::StringRef indexPath);

/// A model stored as one file or as shards listed in
/// `model.safetensors.index.json`.
class SafeTensorsModel {
public:
  /// `path` is a `.safetensors` file, an index `.json` file, or a directory
  /// containing `model.safetensors.index.json` or `*.safetensors`.
  static llvm::Expected<std::unique_ptr<SafeTensorsModel>>
  open(llvm::StringRef path);

  const TensorView *lookup(llvm::StringRef name) const;
  /// All tensor names, sorted.
  std::vector<std::string> tensorNames() const;
  llvm::ArrayRef<std::unique_ptr<SafeTensorsFile>> files() const {
    return shards;
  }
  /// The `__metadata__` of the first shard (empty if none).
  const std::map<std::string, std::string> &metadata() const;

private:
  std::vector<std::unique_ptr<SafeTensorsFile>> shards;
  llvm::StringMap<const TensorView *> byName;
};

/// Writes `tensors` as a model directory: tensors
/// are assigned in name order to shards of at most `maxShardBytes` of data
/// (a single larger tensor gets a shard of its own). One shard is written
/// as `model.safetensors`; more as `model-0000i-of-0000n.safetensors` plus
/// `model.safetensors.index.json`, matching the Hugging Face layout.
llvm::Error writeShardedModel(llvm::StringRef dir,
                              llvm::ArrayRef<TensorView> tensors,
                              uint64_t maxShardBytes,
                              const std::map<std::string, std::string> &meta);

} // namespace awq::formats

#endif // AWQ_FORMATS_SAFETENSORS_H
