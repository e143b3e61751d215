//===- Passes.td - awq model-IR passes ---------------------*- tablegen -*-===//
//
// The AWQ pipeline on model IR: scales in, scales folded, weights quantized,
// linears that share an input fused.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_PASSES_TD
#define AWQ_PASSES_TD

include "mlir/Pass/PassBase.td"

def AwqFoldScalesPass : Pass<"awq-fold-scales", "func::FuncOp"> {
  let summary = "fold awq.scale ops into the producer of their input";
  let description = [{
    `awq.scale %x, %s` divides activations by a channel scale. When `%x` is
    produced by an `awq.rms_norm`, the division moves into the norm's weight
    (`w / s`); when it is produced by an `awq.linear`, it moves into that
    linear's output rows and bias (`W[n, :] / s[n]`, `b[n] / s[n]`); through
    an elementwise product `act(gate) * up` or an `awq.swiglu` it moves into
    the linear factor (`up`); through an `awq.attention` without grouped
    key/value heads it moves into the rows of the value projection. The new weights are `awq.scale` ops with `axis = 0` on the old
    ones: weight expressions that no pass reads until the quantizer
    evaluates them (WeightEvaluator), so referenced weights stay lazy.
    Scales whose producer is anything else, or whose producer has other
    users, are left in place (folding would change those users).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AwqFuseLinearsPass : Pass<"awq-fuse-linears", "func::FuncOp"> {
  let summary = "fuse quantized linears that read the same input";
  let description = [{
    `awq.qlinear` ops with the same input, group size, bit width, symmetry
    and bias presence (q, k, v; gate, up) become one `awq.qlinear` whose
    weights are concatenated along N, followed by `tensor.extract_slice`s
    that hand each former user its columns. One kernel then streams the
    input once and fills the GPU with a wider N.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AwqQuantizeWeightsPass : Pass<"awq-quantize-weights", "func::FuncOp"> {
  let summary = "replace awq.linear by awq.qlinear with RTN-quantized weights";
  let description = [{
    Quantizes each `awq.linear` whose weight is a constant (or a constant
    computed from constants) by round-to-nearest group quantization, as
    DESIGN.md defines it (round half to even), and replaces it by an
    `awq.qlinear` holding q, scales and (asymmetric) zero points as dense
    constants. AWQ's activation-aware part happens before this pass: the
    searched scales are already applied (`awq-apply-scales`) and folded.
  }];
  let options = [
    Option<"groupSize", "group-size", "int64_t", "128",
           "quantization group size along K (0 = per-channel)">,
    Option<"bits", "bits", "int64_t", "4", "bit width (3, 4 or 8)">,
    Option<"symmetric", "symmetric", "bool", "false",
           "symmetric quantization (no zero points)">,
    Option<"weightsDir", "weights-dir", "std::string", "\"\"",
           "directory that relative awq.weight file names are relative to "
           "(default: the IR file's directory)">,
    ListOption<"skip", "skip", "std::string",
               "names of linears left in floating point (default: lm_head)",
               "llvm::cl::list_init<std::string>({\"lm_head\"})">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def AwqApplyScalesPass : Pass<"awq-apply-scales", "func::FuncOp"> {
  let summary = "apply calibration-derived AWQ channel scales to linears";
  let description = [{
    For each `awq.linear` named in the scales file (a safetensors file with
    one f32 tensor `<linear name>.awq_scale` of shape [K] per linear, as
    the quantizer's search writes it), multiplies the weight's columns by
    the scale (`W' = W · diag(s)`) and divides the input by it through an
    `awq.scale` op, which `awq-fold-scales` then moves into the producer.
    Linears that share an input and a scale share one `awq.scale`.

    The new weight is an expression, evaluated only when a pass needs the
    numbers: `arith.extf` to f32, `arith.mulf` by the scale broadcast over
    the rows (`linalg.broadcast`), `arith.truncf` back to the weight type,
    which rounds like PyTorch's `fc.weight.mul_(scales.view(1, -1))`.
    Scales must be finite and positive; linears without a scale in the file
    are left alone.
  }];
  let options = [
    Option<"scalesFile", "scales-file", "std::string", "\"\"",
           "safetensors file of per-linear AWQ scales">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def AwqApplyClipsPass : Pass<"awq-apply-clips", "func::FuncOp"> {
  let summary = "clamp linear weights to the AWQ clip search's maxima";
  let description = [{
    For each `awq.linear` named in the clips file (a safetensors file with
    one f32 tensor `<linear name>.awq_clip` of shape [N, K / G] per
    linear, as `awq-calibrate` writes it), wraps the linear's weight
    expression in `awq.clip`, whose maxima are read lazily from the file
    (`awq.weight`). Run it after `awq-fold-scales`: the maxima are in the
    units of the final weight (all channel scales applied), as AutoAWQ's
    clip search computes them. The file defaults to the one the module's
    `awq.calibration` attribute names.
  }];
  let options = [
    Option<"clipsFile", "clips-file", "std::string", "\"\"",
           "safetensors file of per-linear clip maxima (default: the "
           "module's awq.calibration attribute)">,
  ];
}

#endif // AWQ_PASSES_TD
