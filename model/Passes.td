//===- Passes.td - whole-model passes ----------------------*- tablegen -*-===//
//
// Passes that run the model (CPU executor) as part of compilation.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_MODEL_PASSES_TD
#define AWQ_MODEL_PASSES_TD

include "mlir/Pass/PassBase.td"

def AwqCalibratePass : Pass<"awq-calibrate", "ModuleOp"> {
  let summary = "find AWQ scales and clips from calibration text";
  let description = [{
    Tokenizes a calibration text with the model's tokenizer, takes
    `samples` consecutive sequences of `tokens` tokens, runs the
    floating-point model on them layer by layer with the CPU executor and
    searches, per scaling group, the AWQ channel scale (loss on the output
    of the module the group feeds) and then each linear's clip
    (model/Calibration.h). The results go to `results` (safetensors:
    `<linear>.awq_scale`, `<linear>.awq_clip`), named by the module's
    `awq.calibration` attribute, and the scales are applied to the IR at
    once (as `awq-apply-scales` does: `awq.scale` on the inputs, W·diag(s)
    on the weights). Then: `awq-fold-scales`, `awq-apply-clips`,
    `awq-quantize-weights`.

    The calibration text is sliced like `awq-eval --slice` (fractions of
    its characters, each cut moved back to the start of its line) so that calibration and
    evaluation can use disjoint parts of one text.
  }];
  let options = [
    Option<"textFile", "text", "std::string", "\"\"",
           "calibration text file">,
    Option<"slice", "slice", "std::string", "\"0:1\"",
           "the part of the text to use, START:END as fractions">,
    Option<"samples", "samples", "int64_t", "128", "calibration sequences">,
    Option<"tokens", "tokens", "int64_t", "512", "tokens per sequence">,
    Option<"bits", "bits", "int64_t", "4", "bit width (3, 4 or 8)">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "quantization group size along K (0 = per-channel)">,
    Option<"symmetric", "symmetric", "bool", "false",
           "symmetric quantization (no zero points)">,
    Option<"lossSequences", "loss-sequences", "int64_t", "16",
           "sequences the scale search's losses are measured on (0: all)">,
    Option<"clip", "clip", "bool", "true",
           "run the clip search (AutoAWQ does; docs/quality.md measures it)">,
    Option<"clipTokens", "clip-tokens", "int64_t", "512",
           "tokens the clip search samples, evenly strided (AutoAWQ: 512)">,
    Option<"clipValidate", "clip-validate", "bool", "true",
           "keep a group's clip only where it also lowers the error on as "
           "many other tokens (docs/quality.md)">,
    Option<"clipArith", "clip-arith", "std::string", "\"f32\"",
           "arithmetic of the clip search: f32, or f16 as the reference "
           "computes it on the GPU (docs/quality.md)">,
    Option<"results", "results", "std::string", "\"calibration.safetensors\"",
           "where the scales and clips are written">,
    Option<"report", "report", "std::string", "\"\"",
           "also write the per-group search report as JSON here">,
    Option<"tokenizer", "tokenizer", "std::string", "\"\"",
           "tokenizer file (default: the module's awq.tokenizer)">,
    Option<"weightsDir", "weights-dir", "std::string", "\"\"",
           "directory relative awq.weight files are relative to">,
    Option<"showProgress", "progress", "bool", "true",
           "progress bars on stderr">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // AWQ_MODEL_PASSES_TD
