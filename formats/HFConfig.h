//===- HFConfig.h - Hugging Face config.json --------------------*- C++ -*-===//
//
// The fields of a Llama-family (Llama, Mistral, Qwen2) config.json that the
// compiler needs, strictly validated. GGUF checkpoints describe the same
// numbers in their metadata; formats/Checkpoint.h maps those onto this type.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_FORMATS_HFCONFIG_H
#define AWQ_FORMATS_HFCONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>

namespace awq::formats {

/// `rope_scaling` of a config.json: how rotary frequencies are stretched.
struct RopeScaling {
  std::string kind; ///< "linear" or "llama3"
  double factor = 1.0;
  double lowFreqFactor = 1.0;         ///< llama3 only
  double highFreqFactor = 4.0;        ///< llama3 only
  int64_t originalMaxPosition = 8192; ///< llama3 only
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

/// Validates a parsed config.json; `path` names it in errors.
llvm::Expected<HFModelConfig> parseHFConfig(const llvm::json::Value &json,
                                            llvm::StringRef path);
/// Reads `path` (config.json or a directory containing it).
llvm::Expected<HFModelConfig> readHFConfig(llvm::StringRef path);
/// Reads any JSON file into a value, with file-naming errors.
llvm::Expected<llvm::json::Value> readJsonFile(llvm::StringRef path);

/// The shortest decimal that is the same f32 as `v`: GGUF stores config
/// numbers as f32, and a config.json should say 1e-05, not
/// 9.999999747378752e-06.
double shortestF32(double v);

} // namespace awq::formats

#endif // AWQ_FORMATS_HFCONFIG_H
