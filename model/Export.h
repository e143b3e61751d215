//===- Export.h - a quantized model IR as an AutoAWQ checkpoint --*- C++
//-*-===//
//
// Writes model IR whose linears are awq.qlinear (after awq-quantize-weights)
// as the checkpoint AutoAWQ's save_quantized writes for `version: gemm`:
// config.json with quantization_config, model.safetensors with each
// linear's qweight/qzeros/scales (formats/AutoAwq.h packs them) and every
// other tensor in f16 under its Hugging Face name, so that transformers and
// `vllm serve DIR --quantization awq` load it and awq-import reads it back.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_EXPORT_H
#define AWQ_MODEL_EXPORT_H

#include "model/Checkpoint.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace awq::model {

/// config.json of the model: the source's own for a Hugging Face directory,
/// built from the GGUF metadata otherwise; torch_dtype float16.
llvm::Expected<llvm::json::Object> hfConfigJson(const ModelDescription &d);

/// Writes `dir` (which must not exist yet: the caller builds into a
/// temporary directory and renames it). 4-bit asymmetric weights only, as
/// the GEMM format holds.
llvm::Error exportAutoAwq(mlir::ModuleOp quantized, const ModelDescription &d,
                          int64_t groupSize, llvm::StringRef dir,
                          llvm::StringRef weightsDir = "");

} // namespace awq::model

#endif // AWQ_MODEL_EXPORT_H
