//===- Checkpoint.h - open a checkpoint: HF-named tensors + config -*- C++
//-*-===//
//
// The one entry point to a model checkpoint, whatever its format:
//   - a Hugging Face directory (config.json + one or sharded safetensors);
//   - an AutoAWQ GEMM checkpoint (the same, with quantization_config);
//   - a llama.cpp .gguf file, whose tensor names are mapped to Hugging Face
//     names and whose metadata is mapped to an HFModelConfig.
// Callers look tensors up by their Hugging Face name and need not know the
// format. The llama.cpp name map and its Q/K row order live here too.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_CHECKPOINT_H
#define AWQ_FORMATS_CHECKPOINT_H

#include "formats/AutoAwq.h"
#include "formats/Gguf.h"
#include "formats/HFConfig.h"
#include "formats/SafeTensors.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace awq::formats {

//===----------------------------------------------------------------------===//
// llama.cpp names and row order
//===----------------------------------------------------------------------===//

/// llama.cpp's tensor name for a Hugging Face one
/// ("model.layers.3.self_attn.q_proj.weight" -> "blk.3.attn_q.weight");
/// names without a counterpart are returned unchanged.
std::string ggufTensorName(llvm::StringRef hfName);

/// The inverse of ggufTensorName; std::nullopt for llama.cpp names that have
/// no Hugging Face counterpart (e.g. rope_freqs.weight).
std::optional<std::string> hfTensorName(llvm::StringRef ggufName);

/// Whether llama.cpp's converter stored the Q and K projections of
/// architecture `arch` with interleaved rotary rows (llama does; qwen2 keeps
/// Hugging Face's order).
bool ggufPermutesRopeRows(llvm::StringRef arch);

/// Undoes llama.cpp's row order for Q and K: within each head of `headDim`
/// rows, stored row 2j + i holds logical row i * headDim / 2 + j
/// (convert_hf_to_gguf.py pairs the two rotary halves). `values` is
/// [rows, cols], row-major.
void unpermuteRopeRows(std::vector<float> &values, int64_t rows, int64_t cols,
                       int64_t headDim);

/// The HFModelConfig that a GGUF file's `<arch>.*` metadata describes
/// (llama and qwen2). Errors name the missing or invalid key.
llvm::Expected<HFModelConfig> ggufModelConfig(const GgufFile &file);

//===----------------------------------------------------------------------===//
// Checkpoint
//===----------------------------------------------------------------------===//

enum class CheckpointFormat { HF, AutoAwq, Gguf };

/// A tensor of a checkpoint, found by its Hugging Face name.
struct CheckpointTensor {
  std::string storedName;     ///< its name in `file` (llama.cpp's in a GGUF)
  std::string file;           ///< absolute path of its shard or GGUF file
  std::vector<int64_t> shape; ///< PyTorch order
  /// Exactly one is set: the safetensors view or the GGUF tensor.
  const TensorView *view = nullptr;
  const GgufTensorInfo *gguf = nullptr;
};

/// An open checkpoint; owns the memory-mapped files its tensors point into.
class Checkpoint {
public:
  /// Opens `path`: a `.gguf` file, or a directory with config.json (an
  /// AutoAWQ checkpoint when config.json has a quantization_config).
  static llvm::Expected<std::unique_ptr<Checkpoint>> open(llvm::StringRef path);

  CheckpointFormat format() const { return kind; }
  /// "hf", "autoawq" or "gguf".
  llvm::StringRef formatName() const;
  /// The path as given to open().
  llvm::StringRef path() const { return source; }
  const HFModelConfig &config() const { return hfConfig; }
  /// The AutoAWQ quantization_config (AutoAwq format only).
  const std::optional<AwqQuantConfig> &quantization() const { return quant; }
  /// For GGUF: whether Q and K rows are in llama.cpp's rotary order.
  bool ropeRowsPermuted() const { return permuted; }

  /// The tensor `hfName`, or std::nullopt if the checkpoint has none.
  std::optional<CheckpointTensor> lookup(llvm::StringRef hfName) const;

  /// The underlying files: exactly one is non-null.
  const SafeTensorsModel *safetensors() const { return st.get(); }
  const GgufFile *gguf() const { return ggufFile.get(); }

private:
  Checkpoint() = default;
  static llvm::Expected<std::unique_ptr<Checkpoint>>
  openDirectory(llvm::StringRef dir);
  static llvm::Expected<std::unique_ptr<Checkpoint>>
  openGguf(llvm::StringRef path);

  CheckpointFormat kind = CheckpointFormat::HF;
  std::string source;
  HFModelConfig hfConfig;
  std::optional<AwqQuantConfig> quant;
  bool permuted = false;
  std::unique_ptr<SafeTensorsModel> st;
  std::unique_ptr<GgufFile> ggufFile;
  std::string ggufPath; ///< absolute
};

} // namespace awq::formats

#endif // AWQ_FORMATS_CHECKPOINT_H
