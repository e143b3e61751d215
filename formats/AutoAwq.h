//===- AutoAwq.h - AutoAWQ GEMM format --------------------------*- C++ -*-===//
//
// The AutoAWQ "GEMM" checkpoint format (DESIGN.md "Formats"), read and
// written byte-exactly: the packing of one linear, the quantization_config
// block of config.json, and whole checkpoint directories.
//
// Packing: per linear with W[N, K], `qweight` int32 [K, N/8] where nibble i
// (bits 4i..4i+3) of word (k, c) holds q of output channel 8c + kOrder[i],
// kOrder = {0, 2, 4, 6, 1, 3, 5, 7}; `qzeros` int32 [K/G, N/8] packed the
// same way; `scales` f16 [K/G, N] (transposed with respect to
// QuantizedWeight). This file has the only implementation of that order;
// the compiler's awq.weight storages awq_gemm_qweight/awq_gemm_qzeros and the
// runtime's awq_repack_autoawq call it.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_AUTOAWQ_H
#define AWQ_FORMATS_AUTOAWQ_H

#include "formats/HFConfig.h"
#include "formats/QuantizedWeight.h"
#include "formats/SafeTensors.h"

#include "llvm/Support/JSON.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace awq::formats {

//===----------------------------------------------------------------------===//
// Packing
//===----------------------------------------------------------------------===//

/// AutoAWQ's nibble order within a packed int32: nibble i of a word holds
/// output channel 8c + kAwqPackOrder[i].
constexpr int kAwqPackOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

/// Packs `values` [n, rows] (row-major, n a multiple of 8, values below 16)
/// into AutoAWQ words [rows, n/8].
void packAwqNibbles(const uint8_t *values, int64_t n, int64_t rows,
                    int32_t *words);

/// The inverse of packAwqNibbles: `wordBytes` holds [rows, n/8]
/// little-endian int32 words (any alignment); `values` receives [n, rows].
void unpackAwqNibbles(const uint8_t *wordBytes, int64_t rows, int64_t n,
                      uint8_t *values);

/// One linear in GEMM-packed form.
struct AwqGemmWeights {
  int64_t n = 0, k = 0, groupSize = 0;
  std::vector<int32_t> qweight; ///< [K, N/8]
  std::vector<int32_t> qzeros;  ///< [K/G, N/8]
  std::vector<uint16_t> scales; ///< f16 bits, [K/G, N]
};

/// Packs a 4-bit asymmetric QuantizedWeight. Errors if bits != 4, the
/// weight is symmetric or has no zeros, N % 8 != 0, or a scale is not
/// exactly an f16 value (quantize with QuantArith::F16 to get f16 scales, as
/// AutoAWQ does).
llvm::Expected<AwqGemmWeights> packAwqGemm(const QuantizedWeight &qw,
                                           llvm::StringRef name = "weight");

/// Unpacks one linear; checks the sizes against n, k and the group size.
/// Scales become floats exactly.
llvm::Expected<QuantizedWeight> unpackAwqGemm(const AwqGemmWeights &packed);

/// Copies the three GEMM tensors of linear `name` out of a checkpoint.
/// Shapes and dtypes are validated against each other (K and N from
/// qweight/scales, G = K / (K/G)); errors name the tensor.
llvm::Expected<AwqGemmWeights> awqGemmFromTensors(const TensorView &qweight,
                                                  const TensorView &qzeros,
                                                  const TensorView &scales,
                                                  llvm::StringRef name);

/// awqGemmFromTensors, then unpackAwqGemm.
llvm::Expected<QuantizedWeight> unpackAwqGemm(const TensorView &qweight,
                                              const TensorView &qzeros,
                                              const TensorView &scales,
                                              llvm::StringRef name);

//===----------------------------------------------------------------------===//
// quantization_config
//===----------------------------------------------------------------------===//

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
  std::map<std::string, AwqGemmWeights> linears;
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

} // namespace awq::formats

#endif // AWQ_FORMATS_AUTOAWQ_H
