//===- AwqOps.td - awq dialect operations ------------------*- tablegen -*-===//
//
// Operations of the awq dialect. Shapes follow nn.Linear: activations are
// x[M, K], weights W[N, K] (row n = output channel n), results y[M, N].
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_OPS_TD
#define AWQ_OPS_TD

include "dialects/Awq/AwqDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

// The summaries name the rank: the default ("ranked tensor of ... values")
// reads as if tensor<64xf16> satisfied a rank-2 constraint.
def Awq_ActivationTensor : RankedTensorOf<[F16, BF16, F32],
    [HasAnyRankOfPred<[2]>], "rank-2 tensor">;
def Awq_FloatTensor : RankedTensorOf<[F16, BF16, F32]>;
def Awq_QuantTensor : RankedTensorOf<[I<3>, I<4>, I8],
    [HasAnyRankOfPred<[2]>], "rank-2 tensor">;
def Awq_VectorTensor : RankedTensorOf<[F16, BF16, F32],
    [HasAnyRankOfPred<[1]>], "rank-1 tensor">;

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

/// A list of integers spelled `[a, b, c]`. ArrayRefParameter's default
/// syntax is a bare comma-separated list, which inside `struct(params)`
/// swallows the next `key = value` and cannot be parsed back.
def Awq_BracketedI64List : ArrayRefParameter<"int64_t"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::SmallVector<int64_t>> {
    ::llvm::SmallVector<int64_t> values;
    if (::mlir::failed($_parser.parseCommaSeparatedList(
            ::mlir::AsmParser::Delimiter::Square, [&]() {
              return $_parser.parseInteger(values.emplace_back());
            })))
      return ::mlir::failure();
    return values;
  }() }];
  let printer = [{
    $_printer << '[';
    ::llvm::interleaveComma($_self, $_printer);
    $_printer << ']';
  }];
}

def Awq_KernelVariantAttr : AttrDef<Awq_Dialect, "KernelVariant"> {
  let mnemonic = "variant";
  let summary = "one generated kernel serving a range of M";
  let description = [{
    Recorded on an `awq.qlinear` by the GPU lowering: which kernel of the
    generated `gpu.module` serves which M range, and how to launch it.
    `grid[1]` is multiplied by `ceil(M / m_tile)` at launch.

    ```mlir
    #awq.variant<kernel = @awq_kernels::@gemv_m1, family = "gemv", m_min = 1,
                 m_max = 1, m_tile = 1, grid = [256, 1, 1],
                 block = [128, 1, 1], shared_bytes = 0>
    ```
  }];
  let parameters = (ins "::mlir::SymbolRefAttr":$kernel,
                        StringRefParameter<"kernel family">:$family,
                        "int64_t":$m_min, "int64_t":$m_max, "int64_t":$m_tile,
                        Awq_BracketedI64List:$grid,
                        Awq_BracketedI64List:$block,
                        "int64_t":$shared_bytes);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// awq.weight
//===----------------------------------------------------------------------===//

def Awq_WeightOp : Awq_Op<"weight", [Pure]> {
  let summary = "a weight tensor stored outside the IR, read lazily";
  let description = [{
    Names tensor `name` of the safetensors file `file` (relative paths are
    relative to the IR file's directory, or to `--weights-dir`). The IR
    holds only the reference; passes that need the values map the file.
    `storage` says how the stored bytes map onto the logical tensor:
    `plain` (same shape and dtype), `transposed` (stored [b, a] for a
    logical [a, b]), or the AutoAWQ GEMM packings `awq_gemm_qweight`
    (int32 [K, N/8] for a logical i4 [N, K]) and `awq_gemm_qzeros`.

    ```mlir
    %w = awq.weight "model.layers.0.mlp.up_proj.weight"
           from "model.safetensors" : tensor<14336x4096xf16>
    ```
  }];
  let arguments = (ins StrAttr:$name, StrAttr:$file,
                       DefaultValuedAttr<Awq_StorageAttr,
                         "::mlir::awq::Storage::plain">:$storage);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $name `from` $file (`storage` $storage^)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// awq.rms_norm
//===----------------------------------------------------------------------===//

def Awq_RmsNormOp : Awq_Op<"rms_norm",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "RMS normalisation with a per-channel weight";
  let description = [{
    `y[m, k] = x[m, k] / sqrt(mean_k(x[m, :]^2) + epsilon) * weight[k]`.
    The AWQ pipeline folds the inverse channel scale of the linears that
    consume `y` into `weight`.

    ```mlir
    %y = awq.rms_norm %x, %w {epsilon = 1.0e-05 : f32}
           : tensor<?x4096xf16>, tensor<4096xf16>
    ```
  }];
  let arguments = (ins Awq_ActivationTensor:$input, Awq_VectorTensor:$weight,
                       DefaultValuedAttr<F32Attr, "1.0e-6">:$epsilon);
  let results = (outs Awq_ActivationTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// awq.scale
//===----------------------------------------------------------------------===//

def Awq_ScaleOp : Awq_Op<"scale",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "divide a tensor by a channel scale along one axis";
  let description = [{
    `y = x / scale`, with `scale` broadcast along `axis` (default: the last
    dimension): for activations x[M, K], `y[m, k] = x[m, k] / scale[k]`;
    with `axis = 0` on a weight W[N, K], `y[n, k] = W[n, k] / scale[n]`.
    Computed in f32 and rounded once to the element type.

    `awq-apply-scales` inserts it in front of the linears whose weights it
    multiplied by the AWQ scale; `awq-fold-scales` moves it into the
    producer of x (an RMS norm weight, or the rows of the previous linear),
    where it becomes part of a weight expression that the quantizer
    evaluates. A scale of all ones folds away; two scales in a row on the
    same axis merge into one.

    ```mlir
    %y = awq.scale %x, %s : tensor<?x4096xf16>, tensor<4096xf32>
    %w2 = awq.scale %w, %r {axis = 0 : i64} : tensor<4096x11008xf16>, tensor<4096xf32>
    ```
  }];
  let arguments = (ins Awq_FloatTensor:$input, Awq_VectorTensor:$scale,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Awq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The broadcast axis with a negative `axis` resolved.
    int64_t getNormalizedAxis() {
      int64_t axis = getAxisAttr().getInt();
      return axis < 0 ? axis + getInput().getType().getRank() : axis;
    }
  }];
}

//===----------------------------------------------------------------------===//
// awq.linear
//===----------------------------------------------------------------------===//

def Awq_LinearOp : Awq_Op<"linear", [Pure]> {
  let summary = "floating-point linear layer, y = x · Wᵀ + bias";
  let description = [{
    The unquantized linear as it comes from the checkpoint. `name` is the
    module path in the checkpoint (`model.layers.0.self_attn.q_proj`); the
    quantizer uses it to name the packed tensors it writes.

    ```mlir
    %y = awq.linear %x, %w {name = "model.layers.0.mlp.up_proj"}
           : tensor<?x4096xf16>, tensor<14336x4096xf16> -> tensor<?x14336xf16>
    ```
  }];
  let arguments = (ins Awq_ActivationTensor:$input,
                       Awq_FloatTensor:$weight,
                       Optional<Awq_VectorTensor>:$bias,
                       OptionalAttr<StrAttr>:$name);
  let results = (outs Awq_ActivationTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^ `:` type($bias))? attr-dict `:`
    type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// awq.qlinear
//===----------------------------------------------------------------------===//

def Awq_QLinearOp : Awq_Op<"qlinear", [Pure, AttrSizedOperandSegments]> {
  let summary = "linear layer with group-quantized low-bit weights";
  let description = [{
    `y[m, n] = sum_k x[m, k] · (q[n, k] − z[n, k / G]) · s[n, k / G] + bias[n]`,
    accumulated in f32 and stored in the activation type. `q` holds
    unsigned values 0 … 2^bits − 1 in a signless integer tensor whose
    width is the bit width (i3, i4, i8). `zeros` absent means symmetric
    quantization (z = 2^(bits−1)). G = `group_size` divides K; G = K is
    per-channel quantization.

    ```mlir
    %y = awq.qlinear %x, %q, %s zeros %z {group_size = 128 : i64}
           : tensor<?x4096xf16>, tensor<14336x4096xi4>, tensor<14336x32xf16>,
             tensor<14336x32xi4> -> tensor<?x14336xf16>
    ```
  }];
  let arguments = (ins Awq_ActivationTensor:$input,
                       Awq_QuantTensor:$qweight,
                       Awq_FloatTensor:$scales,
                       Optional<Awq_QuantTensor>:$zeros,
                       Optional<Awq_VectorTensor>:$bias,
                       ConfinedAttr<I64Attr, [IntPositive]>:$group_size,
                       OptionalAttr<StrAttr>:$name,
                       OptionalAttr<TypedArrayAttrBase<Awq_KernelVariantAttr,
                         "kernel variants">>:$kernels);
  let results = (outs Awq_ActivationTensor:$result);
  let assemblyFormat = [{
    $input `,` $qweight `,` $scales (`zeros` $zeros^)? (`bias` $bias^)?
    attr-dict `:` type($input) `,` type($qweight) `,`
    custom<QuantParamTypes>(type($scales), type($zeros), type($bias))
    `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Bit width of the quantized values (the width of q's element type).
    unsigned getBits() {
      return getQweight().getType().getElementType().getIntOrFloatBitWidth();
    }
    int64_t getN() { return getQweight().getType().getDimSize(0); }
    int64_t getK() { return getQweight().getType().getDimSize(1); }
    bool isSymmetric() { return !getZeros(); }
  }];
}

#endif // AWQ_OPS_TD
