//===- Checkpoint.h - what a decoder-only checkpoint holds ------*- C++ -*-===//
//
// Reads a checkpoint (a Hugging Face directory with config.json and
// safetensors, a llama.cpp GGUF file, or an AutoAWQ GEMM checkpoint) into a
// ModelDescription: the architecture's numbers and, for every tensor the
// model IR references, where it is stored and how. Every tensor is checked
// (present, shape, dtype) here, before any long work; ModelBuilder.h turns
// the description into model IR. The description holds no weight data.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_CHECKPOINT_H
#define AWQ_MODEL_CHECKPOINT_H

#include "formats/HFConfig.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace awq::model {

/// Element types of model IR tensors (mapped to MLIR types by the builder).
enum class ElementKind { F16, BF16, F32, I4 };

/// How a stored tensor maps onto the logical one: the `awq.weight` storage
/// kinds (dialects/Awq/AwqDialect.td).
enum class StorageKind {
  Plain,
  Transposed,
  AwqGemmQWeight,
  AwqGemmQZeros,
  RopeInterleaved
};

/// One `awq.weight` reference.
struct TensorRef {
  std::string name; ///< tensor name in `file`
  std::string file; ///< absolute path of the safetensors shard or GGUF file
  StorageKind storage = StorageKind::Plain;
  int64_t ropeHeadDim = 0;          ///< RopeInterleaved only
  llvm::SmallVector<int64_t> shape; ///< logical shape
  ElementKind element = ElementKind::F32;
};

/// A linear layer: float (`weight`) or group-quantized (`qweight`, `scales`,
/// `zeros`), with an optional bias.
struct LinearRef {
  std::string name; ///< Hugging Face module path ("model.layers.0.mlp.up_proj")
  std::optional<TensorRef> weight;
  std::optional<TensorRef> qweight, scales, zeros;
  int64_t groupSize = 0;
  std::optional<TensorRef> bias;

  bool isQuantized() const { return qweight.has_value(); }
};

struct LayerRefs {
  TensorRef inputNorm, postAttentionNorm;
  LinearRef q, k, v, o, gate, up, down;
};

struct ModelDescription {
  formats::HFModelConfig config;
  std::string source; ///< the checkpoint path as given
  std::string format; ///< "hf", "gguf" or "autoawq"
  ElementKind activation = ElementKind::F32;
  TensorRef embedding, finalNorm;
  LinearRef lmHead; ///< weight is the embedding table when tied
  std::vector<LayerRefs> layers;
  /// A file the tokenizer can be read from (tokenizer.json, a GGUF), or
  /// empty.
  std::string tokenizerPath;
};

/// Reads `path`: a `.gguf` file, or a directory with config.json (an AutoAWQ
/// checkpoint when config.json has `quantization_config` with
/// `quant_method: awq`).
llvm::Expected<ModelDescription> readCheckpoint(llvm::StringRef path);

} // namespace awq::model

#endif // AWQ_MODEL_CHECKPOINT_H
