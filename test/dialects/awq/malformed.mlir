// RUN: not awq-opt %s --split-input-file 2>&1 | FileCheck %s

// Malformed IR: every case gets a diagnostic that names the file, line and
// column, and never a crash (`not` fails if awq-opt crashes). Each chunk is
// parsed on its own; the errors come out in order.

func.func @weight_missing_from() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:23: error: custom op 'awq.weight' expected 'from'
  %w = awq.weight "w" : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @weight_file_not_string() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:27: error: expected attribute value
  %w = awq.weight "w" from model : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @weight_missing_type() {
  // CHECK: malformed.mlir:[[@LINE+1]]:43: error: expected ':'
  %w = awq.weight "w" from "m.safetensors"
  return
}

// -----

func.func @weight_vector_type() -> vector<4xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:46: error: custom op 'awq.weight' invalid kind of type specified: expected builtin.tensor, but found 'vector<4xf16>'
  %w = awq.weight "w" from "m.safetensors" : vector<4xf16>
  return %w : vector<4xf16>
}

// -----

func.func @weight_bad_storage_syntax() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:51: error: expected '<'
  %w = awq.weight "w" from "m.safetensors" storage plain : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @linear_type_mismatch(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:19: error: use of value '%x' expects different type than prior uses: 'tensor<?x32xf16>' vs 'tensor<?x64xf16>'
  %y = awq.linear %x, %w : tensor<?x32xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @linear_missing_result_type(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>) -> tensor<?x32xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:63: error: expected '->'
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @linear_undefined_value(%x: tensor<?x64xf16>) -> tensor<?x32xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:23: error: use of undeclared SSA value name
  %y = awq.linear %x, %w : tensor<?x64xf16>, tensor<32x64xf16> -> tensor<?x32xf16>
  return %y : tensor<?x32xf16>
}

// -----

func.func @qlinear_bias_before_zeros(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x2xi4>, %b: tensor<16xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:149: error: custom op 'awq.qlinear' expected 'zeros' type once, before 'bias'
  %y = awq.qlinear %x, %q, %s zeros %z bias %b {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, bias tensor<16xf16>, zeros tensor<16x2xi4> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_zeros_without_type(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %z: tensor<16x2xi4>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:37: error: custom op 'awq.qlinear' number of operands and types do not match: got 1 operands and 0 types
  %y = awq.qlinear %x, %q, %s zeros %z {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_type_without_zeros(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:8: error: custom op 'awq.qlinear' number of operands and types do not match: got 0 operands and 1 types
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, zeros tensor<16x2xi4> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_unknown_keyword(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:111: error: custom op 'awq.qlinear' expected 'zeros' or 'bias'
  %y = awq.qlinear %x, %q, %s {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, scales tensor<16x2xi4> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_duplicate_bias(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>, %b: tensor<16xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:140: error: custom op 'awq.qlinear' expected 'bias' type once
  %y = awq.qlinear %x, %q, %s bias %b {group_size = 32 : i64} : tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>, bias tensor<16xf16>, bias tensor<16xf16> -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @qlinear_generic_missing_segments(%x: tensor<?x64xf16>, %q: tensor<16x64xi4>, %s: tensor<16x2xf16>) -> tensor<?x16xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:8: error: 'awq.qlinear' op operand count (3) does not match with the total size (0) specified in attribute 'operandSegmentSizes'
  %y = "awq.qlinear"(%x, %q, %s) <{group_size = 32 : i64}> : (tensor<?x64xf16>, tensor<16x64xi4>, tensor<16x2xf16>) -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// -----

func.func @weight_generic_missing_name() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:8: error: 'awq.weight' op requires attribute 'name'
  %w = "awq.weight"() <{file = "m.safetensors"}> : () -> tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

func.func @scale_wrong_operand_count(%x: tensor<?x64xf16>, %s: tensor<64xf32>) -> tensor<?x64xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:24: error: expected ':'
  %y = awq.scale %x, %s, %s : tensor<?x64xf16>, tensor<64xf32>
  return %y : tensor<?x64xf16>
}

// -----

func.func @rms_norm_epsilon_string(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:28: error: custom op 'awq.rms_norm' 'awq.rms_norm' op attribute 'epsilon' failed to satisfy constraint: 32-bit float attribute
  %y = awq.rms_norm %x, %w {epsilon = "small"} : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

// -----

func.func @unknown_op() {
  // CHECK: malformed.mlir:[[@LINE+1]]:3: error: custom op 'awq.frobnicate' is unknown
  awq.frobnicate
  return
}

// -----

// CHECK: malformed.mlir:[[@LINE+1]]:48: error: unknown attribute `bogus` in dialect `awq`
func.func @unknown_attr() attributes {a = #awq.bogus<1>} {
  return
}

// -----

// CHECK: malformed.mlir:[[@LINE+1]]:174: error: duplicate or unknown struct parameter name: smem
func.func @variant_unknown_key() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [1, 1, 1], block = [32, 1, 1], smem = 0>} {
  return
}

// -----

// CHECK: malformed.mlir:[[@LINE+2]]:104: error: expected integer value
// CHECK: malformed.mlir:[[@LINE+1]]:104: error: failed to parse Awq_KernelVariantAttr parameter 'm_min' which is to be a `int64_t`
func.func @variant_string_for_int() attributes {v = #awq.variant<kernel = @k, family = "gemm", m_min = "one", m_max = 64, m_tile = 16, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

// CHECK: malformed.mlir:[[@LINE+2]]:78: error: invalid kind of attribute specified
// CHECK: malformed.mlir:[[@LINE+1]]:81: error: failed to parse Awq_KernelVariantAttr parameter 'kernel' which is to be a `::mlir::SymbolRefAttr`
func.func @variant_kernel_not_symbol() attributes {v = #awq.variant<kernel = "k", family = "gemm", m_min = 1, m_max = 64, m_tile = 16, grid = [1, 1, 1], block = [32, 1, 1], shared_bytes = 0>} {
  return
}

// -----

func.func @unterminated_string() -> tensor<4x8xf16> {
  // CHECK: malformed.mlir:[[@LINE+1]]:28: error: custom op 'awq.weight' expected 'from'
  %w = awq.weight "w from "m.safetensors" : tensor<4x8xf16>
  return %w : tensor<4x8xf16>
}

// -----

// CHECK: malformed.mlir:[[@LINE+2]]:62: error: expected valid keyword or string
// CHECK: malformed.mlir:[[@LINE+1]]:62: error: failed to parse Awq_StorageAttr parameter 'value' which is to be a `::mlir::awq::Storage`
func.func @storage_attr_empty() attributes {a = #awq.storage<>} {
  return
}
