//===- AwqDialect.td - awq dialect definition --------------*- tablegen -*-===//
//
// The awq dialect: linear layers of a language model on their way from
// floating point to 4-bit AWQ, and the operations AWQ folds through.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_DIALECT_TD
#define AWQ_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Awq_Dialect : Dialect {
  let name = "awq";
  let summary = "4-bit AWQ quantized linear layers";
  let description = [{
    Ops for the linear layers of a transformer block and the producers AWQ
    folds its channel scales into (RMS norms, previous linears), the
    calibration-derived activation scale itself, quantized linears with
    packed low-bit weights, and references to weight tensors stored outside
    the IR, read lazily.
  }];
  let cppNamespace = "::mlir::awq";
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 0;
}

class Awq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Awq_Dialect, mnemonic, traits>;

/// How the bytes of a stored tensor map onto the logical tensor that an
/// `awq.weight` op produces.
def Awq_StoragePlain : I32EnumAttrCase<"plain", 0>;
def Awq_StorageAwqGemmQWeight : I32EnumAttrCase<"awq_gemm_qweight", 1>;
def Awq_StorageAwqGemmQZeros : I32EnumAttrCase<"awq_gemm_qzeros", 2>;
def Awq_StorageTransposed : I32EnumAttrCase<"transposed", 3>;
def Awq_StorageRopeInterleaved : I32EnumAttrCase<"rope_interleaved", 4>;
def Awq_StorageEnum : I32EnumAttr<"Storage",
    "how a stored tensor's bytes map onto the logical tensor",
    [Awq_StoragePlain, Awq_StorageAwqGemmQWeight, Awq_StorageAwqGemmQZeros,
     Awq_StorageTransposed, Awq_StorageRopeInterleaved]> {
  let cppNamespace = "::mlir::awq";
  let genSpecializedAttr = 0;
}
def Awq_StorageAttr : EnumAttr<Awq_Dialect, Awq_StorageEnum, "storage"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // AWQ_DIALECT_TD
