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

def Awq_KernelChoiceAttr : AttrDef<Awq_Dialect, "KernelChoice"> {
  let mnemonic = "kernel_choice";
  let summary = "the kernel chosen to serve a range of M, before it is built";
  let description = [{
    Recorded on an `awq.qlinear` by `awq-select-kernels` (policy: which
    kernel family and tiling serves which M), read by `convert-awq-to-gpu`
    (mechanism: build exactly that). `spec` is the tiling in the grammar of
    `--gemm-tiles` (codegen/KernelFamilies.h): `wBMxBNxWGxSTAGES[xkSPLIT]`
    for the warpgroup-MMA kernel, `sMTxNTxWARPSxUNROLL[...]` for the stream
    kernel, `BMxBNxWMxWNxSTAGES[...]` for the shared-memory GEMM and
    `vMTILExROWSxWARPSxUNROLL[xgGROUPS][xbBLOCKS]` for the GEMV. Whether a
    spec fits the op's shape is checked where it is built, with the reason.

    ```mlir
    #awq.kernel_choice<m_min = 33, m_max = 64, spec = "w64x64x1x6xk4">
    ```
  }];
  let parameters = (ins "int64_t":$m_min, "int64_t":$m_max,
                        StringRefParameter<"kernel spec">:$spec);
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

    A file ending in `.gguf` is a llama.cpp GGUF file: `name` is its tensor
    name and the stored blocks (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K,
    Q6_K) are dequantized to the declared element type. `rope_interleaved`
    undoes llama.cpp's reordering of the Q and K projection rows (within
    each head of `rope_head_dim` rows, GGUF row 2j + i holds the Hugging
    Face row i * rope_head_dim / 2 + j), so that the logical tensor is the
    Hugging Face weight and `awq.rope` needs one convention only.

    ```mlir
    %w = awq.weight "model.layers.0.mlp.up_proj.weight"
           from "model.safetensors" : tensor<14336x4096xf16>
    %q = awq.weight "blk.0.attn_q.weight" from "smollm2.gguf"
           storage <rope_interleaved> {rope_head_dim = 64 : i64}
           : tensor<576x576xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, StrAttr:$file,
                       DefaultValuedAttr<Awq_StorageAttr,
                         "::mlir::awq::Storage::plain">:$storage,
                       OptionalAttr<ConfinedAttr<I64Attr,
                         [IntPositive]>>:$rope_head_dim);
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
// Whole-model operations: embedding, rotary embedding, attention, SwiGLU.
// Activations of a sequence are rows [T, C]: T tokens (dynamic), C channels.
//===----------------------------------------------------------------------===//

def Awq_TokenIds : RankedTensorOf<[I32, I64], [HasAnyRankOfPred<[1]>],
    "rank-1 tensor">;

def Awq_EmbeddingOp : Awq_Op<"embedding", [Pure]> {
  let summary = "token embedding lookup";
  let description = [{
    `y[t, :] = table[tokens[t], :]`. A token id outside `[0, V)` is an
    error at run time.

    ```mlir
    %h = awq.embedding %table[%tokens]
           : tensor<49152x576xf32>, tensor<?xi64> -> tensor<?x576xf32>
    ```
  }];
  let arguments = (ins Awq_FloatTensor:$table, Awq_TokenIds:$tokens);
  let results = (outs Awq_ActivationTensor:$result);
  let assemblyFormat = [{
    $table `[` $tokens `]` attr-dict `:` type($table) `,` type($tokens)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Awq_RopeOp : Awq_Op<"rope",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding of each head";
  let description = [{
    Rotates each head of `head_dim` channels of row t by the angles
    `positions[t] * inv_freq[j]`, `inv_freq[j] = theta^(-2j / head_dim)`
    (after `scaling`), pairing channel j with channel j + head_dim / 2
    (the Hugging Face `rotate_half` convention):
    `y[j] = x[j] cos - x[j + d/2] sin`, `y[j + d/2] = x[j + d/2] cos + x[j] sin`.

    `scaling` stretches the frequencies for long contexts, as the
    checkpoint's `rope_scaling` says: `"linear"` divides every inverse
    frequency by `scaling_factor`; `"llama3"` (Llama 3.1) keeps wavelengths
    shorter than `original_max_position / high_freq_factor`, divides those
    longer than `original_max_position / low_freq_factor` by
    `scaling_factor`, and interpolates smoothly between.

    ```mlir
    %qr = awq.rope %q, %positions {head_dim = 64 : i64, theta = 1.0e+05 : f64}
            : tensor<?x576xf32>, tensor<?xi64>
    ```
  }];
  let arguments = (ins Awq_ActivationTensor:$input, Awq_TokenIds:$positions,
                       ConfinedAttr<I64Attr, [IntPositive]>:$head_dim,
                       F64Attr:$theta,
                       OptionalAttr<StrAttr>:$scaling,
                       OptionalAttr<F64Attr>:$scaling_factor,
                       OptionalAttr<F64Attr>:$low_freq_factor,
                       OptionalAttr<F64Attr>:$high_freq_factor,
                       OptionalAttr<I64Attr>:$original_max_position);
  let results = (outs Awq_ActivationTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Awq_AttentionOp : Awq_Op<"attention", [Pure]> {
  let summary = "causal multi-head attention with grouped key/value heads";
  let description = [{
    For each query head h and row t:
    `y[t, h] = softmax_s(q[t, h] · k[s, h / G] * scale) · v[s, h / G]`
    over the rows s ≤ t of the same sequence, where G = num_heads /
    num_kv_heads and `scale` defaults to 1 / sqrt(head_dim). Rows before
    the first row of `q` (an executor's key/value cache, when it runs a
    sequence in several calls) take part as earlier positions.

    ```mlir
    %a = awq.attention %q, %k, %v {num_heads = 9 : i64, num_kv_heads = 3 : i64,
                                   head_dim = 64 : i64}
           : tensor<?x576xf32>, tensor<?x192xf32>, tensor<?x192xf32>
           -> tensor<?x576xf32>
    ```
  }];
  let arguments = (ins Awq_ActivationTensor:$query, Awq_ActivationTensor:$key,
                       Awq_ActivationTensor:$value,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_heads,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_kv_heads,
                       ConfinedAttr<I64Attr, [IntPositive]>:$head_dim,
                       OptionalAttr<F64Attr>:$scale);
  let results = (outs Awq_ActivationTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value attr-dict `:` type($query) `,` type($key) `,`
    type($value) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The softmax scale: `scale`, or 1 / sqrt(head_dim).
    double getEffectiveScale();
  }];
}

def Awq_SwiGluOp : Awq_Op<"swiglu",
    [Pure, AllTypesMatch<["gate", "up", "result"]>]> {
  let summary = "SiLU-gated product of the MLP's two projections";
  let description = [{
    `y = gate * sigmoid(gate) * up`, elementwise.

    ```mlir
    %a = awq.swiglu %gate, %up : tensor<?x1536xf32>
    ```
  }];
  let arguments = (ins Awq_ActivationTensor:$gate, Awq_ActivationTensor:$up);
  let results = (outs Awq_ActivationTensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
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
// awq.clip
//===----------------------------------------------------------------------===//

def Awq_ClipOp : Awq_Op<"clip",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "clamp a weight to a per-row, per-group maximum magnitude";
  let description = [{
    `y[n, k] = clamp(w[n, k], -max[n, k / G], max[n, k / G])` with G =
    `group_size`: the AWQ clip search's result, recorded on the weight
    expression it applies to (after the channel scales are folded) so that
    the quantizer evaluates the clipped weight.

    ```mlir
    %c = awq.clip %w, %max {group_size = 64 : i64}
           : tensor<1536x576xf32>, tensor<1536x9xf32>
    ```
  }];
  let arguments = (ins Awq_FloatTensor:$input, Awq_FloatTensor:$max_value,
                       ConfinedAttr<I64Attr, [IntPositive]>:$group_size);
  let results = (outs Awq_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $max_value attr-dict `:` type($input) `,` type($max_value)
  }];
  let hasVerifier = 1;
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
    accumulated in f32 and stored in the activation type. The GPU kernels
    take f16 or bf16 activations; f32 activations are for model IR run on
    the CPU (calibration, evaluation) and are rejected by the GPU lowering. `q` holds
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
                       OptionalAttr<TypedArrayAttrBase<Awq_KernelChoiceAttr,
                         "kernel choices">>:$kernel_choices,
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
