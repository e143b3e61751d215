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
    an elementwise product `act(gate) * up` it moves into the linear factor
    (`up`). The new weights are `awq.scale` ops with `axis = 0` on the old
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

#endif // AWQ_PASSES_TD
