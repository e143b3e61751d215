//===- AutoAwq.h - AutoAWQ GEMM format and HF config.json -------*- C++ -*-===//
//
// The AutoAWQ "GEMM" checkpoint format (DESIGN.md "Formats"), read and
// written byte-exactly, and the Hugging Face config.json of Llama-family
// models (Llama, Mistral, Qwen2).
//
// Packing: per linear with W[N, K], `qweight` int32 [K, N/8] where nibble i
// (bits 4i..4i+3) of word (k, c) holds q of output channel 8c + kOrder[i],
// kOrder = {0, 2, 4, 6, 1, 3, 5, 7}; `qzeros` int32 [K/G, N/8] packed the
// same way; `scales` f16 [K/G, N] (transposed with respect to
// QuantizedWeight).
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_QUANTIZE_AUTOAWQ_H
#define AWQ_QUANTIZE_AUTOAWQ_H

#include "quantize/Quantize.h"
#include "quantize/SafeTensors.h"

#include "llvm/Support/JSON.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace awq::quant {

/// AutoAWQ's nibble order within a packed int32.
constexpr int kAwqPackOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

/// One linear in GEMM-packed form.
struct GemmPacked {
  int64_t k = 0, n = 0, groupSize = 0;
  std::vector<int32_t> qweight; ///< [K, N/8]
  std::vector<int32_t> qzeros;  ///< [K/G, N/8]
  std::vector<uint16_t> scales; ///< f16 bits, [K/G, N]
};

/// Packs a 4-bit asymmetric QuantizedWeight. Errors if bits != 4, the
/// weight is symmetric, N % 8 != 0, or a scale is not exactly an f16 value
/// (quantize with QuantArith::F16 to get f16 scales, as AutoAWQ does).
llvm::Expected<GemmPacked> packGemm(const QuantizedWeight &qw,
                                    llvm::StringRef name = "weight");

/// Unpacks the three GEMM tensors of linear `name`. Shapes are validated
/// against each other (K and N from qweight/scales, G = K / (K/G)).
llvm::Expected<QuantizedWeight> unpackGemm(const TensorView &qweight,
                                           const TensorView &qzeros,
                                           const TensorView &scales,
                                           llvm::StringRef name);

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

/// `rope_scaling` of a config.json: how rotary frequencies are stretched.
struct RopeScaling {
  std::string kind; ///< "linear" or "llama3"
  double factor = 1.0;
  double lowFreqFactor = 1.0;           ///< llama3 only
  double highFreqFactor = 4.0;          ///< llama3 only
  int64_t originalMaxPosition = 8192;   ///< llama3 only
};

/// The fields of a Llama-family config.json that the compiler needs.
struct HFModelConfig {
  std::string modelType; ///< "llama", "mistral", "qwen2"
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numAttentionHeads = 0;
  int64_t numKeyValueHeads = 0; ///< defaults to numAttentionHeads
  int64_t numHiddenLayers = 0;
  int64_t vocabSize = 0;
  int64_t headDim = 0; ///< defaults to hidden / heads
  double rmsNormEps = 0;
  double ropeTheta = 10000.0;
  bool tieWordEmbeddings = false;
  std::string torchDtype; ///< "float16", "bfloat16", "float32" or empty
  std::optional<RopeScaling> ropeScaling; ///< absent: none or "default"
};

llvm::Expected<HFModelConfig> parseHFConfig(const llvm::json::Value &json,
                                            llvm::StringRef path);
/// Reads `path` (config.json or a directory containing it).
llvm::Expected<HFModelConfig> readHFConfig(llvm::StringRef path);
/// Reads any JSON file into a value, with file-naming errors.
llvm::Expected<llvm::json::Value> readJsonFile(llvm::StringRef path);

/// The `quantization_config` block.
struct AwqQuantConfig {
  int bits = 4;
  int64_t groupSize = 128;
  bool zeroPoint = true;
  std::string version = "gemm";
  std::vector<std::string> modulesToNotConvert; ///< empty: written as null

  llvm::json::Value toJson() const;
};

/// Parses config["quantization_config"]; errors unless quant_method is
/// "awq" and version is GEMM (case-insensitive).
llvm::Expected<AwqQuantConfig> parseAwqQuantConfig(const llvm::json::Value &config,
                                                   llvm::StringRef path);

/// True for the weight tensors that AWQ quantizes in a Llama-family model:
/// `*.self_attn.{q,k,v,o}_proj.weight` and `*.mlp.{gate,up,down}_proj.weight`.
bool isQuantizableLinear(llvm::StringRef tensorName);

//===----------------------------------------------------------------------===//
// Checkpoint directories
//===----------------------------------------------------------------------===//

/// A tensor with its own storage.
struct OwnedTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  TensorView view() const { return TensorView{name, dtype, shape, bytes}; }
  static OwnedTensor copyOf(const TensorView &v) {
    return OwnedTensor{v.name, v.dtype, v.shape,
                       std::vector<uint8_t>(v.bytes.begin(), v.bytes.end())};
  }
};

/// An AutoAWQ GEMM checkpoint in memory.
struct AwqCheckpoint {
  /// The whole config.json (quantization_config included on write).
  llvm::json::Object config;
  AwqQuantConfig quant;
  /// Linear module name (without ".qweight") -> packed tensors.
  std::map<std::string, GemmPacked> linears;
  /// Every other tensor (embeddings, norms, biases, lm_head), kept as is.
  std::vector<OwnedTensor> others;
};

/// Reads a checkpoint directory; validates config, that each `.qweight`
/// has its `.qzeros` and `.scales`, and their shapes and dtypes.
llvm::Expected<AwqCheckpoint> readAwqCheckpoint(llvm::StringRef dir);

/// Writes config.json (with quantization_config set from `ckpt.quant`) and
/// the tensors, sharded at `maxShardBytes` (5 GB default, as HF). Each file
/// is written atomically; the index last.
llvm::Error writeAwqCheckpoint(llvm::StringRef dir, const AwqCheckpoint &ckpt,
                               uint64_t maxShardBytes = 5000000000ull);

} // namespace awq::quant

#endif // AWQ_QUANTIZE_AUTOAWQ_H
