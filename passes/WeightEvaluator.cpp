//===- WeightEvaluator.cpp - host evaluation of weight expressions ---------===//
//
// Walks a weight expression from the value a pass needs back to its leaves
// (constants and awq.weight references) and computes it on the host with
// the rounding of the IR's element types. See WeightEvaluator.h for the
// supported ops and the number semantics.
//
//===----------------------------------------------------------------------===//

#include "passes/WeightEvaluator.h"

#include "dialects/Awq/AwqOps.h"
#include "quantize/Gguf.h"
#include "quantize/Half.h"
#include "quantize/SafeTensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cstring>

using namespace mlir;
using namespace mlir::awq;
namespace quant = ::awq::quant;

//===----------------------------------------------------------------------===//
// HostTensor and rounding
//===----------------------------------------------------------------------===//

static bool isHostFloat(Type type) {
  return type.isF16() || type.isBF16() || type.isF32();
}

bool HostTensor::isFloat() const { return isHostFloat(elementType); }

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

float mlir::awq::roundToFloatType(Type type, float value) {
  if (type.isF16())
    return quant::roundToHalf(value);
  if (type.isBF16())
    return quant::bf16ToFloat(quant::floatToBf16(value));
  return value;
}

/// Integers of up to 8 bits are quantized values or zero points and read as
/// unsigned (a signless i4 holds 0 … 15); wider ones as signed.
static int64_t intValue(const APInt &v) {
  return v.getBitWidth() <= 8 ? int64_t(v.getZExtValue()) : v.getSExtValue();
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

static HostTensor emptyLike(RankedTensorType type) {
  HostTensor t;
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  t.elementType = type.getElementType();
  if (t.isFloat())
    t.floats.reserve(t.numElements());
  else
    t.ints.reserve(t.numElements());
  return t;
}

//===----------------------------------------------------------------------===//
// Reading safetensors data
//===----------------------------------------------------------------------===//

/// The safetensors dtypes that hold a logical element type unchanged.
static bool dtypeHolds(quant::DType dtype, Type type) {
  switch (dtype) {
  case quant::DType::F16:
    return type.isF16();
  case quant::DType::BF16:
    return type.isBF16();
  case quant::DType::F32:
    return type.isF32();
  case quant::DType::I64:
    return type.isInteger(64);
  case quant::DType::I32:
    return type.isInteger(32);
  case quant::DType::I16:
    return type.isInteger(16);
  case quant::DType::I8:
  case quant::DType::U8:
    return type.isInteger(8);
  case quant::DType::Bool:
    return type.isInteger(1);
  case quant::DType::F64:
    return false;
  }
  return false;
}

template <typename T> static T loadLE(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

/// Integer contents of a stored tensor, with the signedness rule of
/// HostTensor (I8 reads as unsigned: an i8 tensor holds 8-bit q values).
static std::vector<int64_t> readInts(const quant::TensorView &view) {
  size_t n = view.numElements();
  std::vector<int64_t> out(n);
  const uint8_t *p = view.bytes.data();
  for (size_t i = 0; i < n; ++i) {
    switch (view.dtype) {
    case quant::DType::I64:
      out[i] = loadLE<int64_t>(p + 8 * i);
      break;
    case quant::DType::I32:
      out[i] = loadLE<int32_t>(p + 4 * i);
      break;
    case quant::DType::I16:
      out[i] = loadLE<int16_t>(p + 2 * i);
      break;
    default: // I8, U8, Bool: one byte.
      out[i] = p[i];
      break;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// WeightEvaluator
//===----------------------------------------------------------------------===//

WeightEvaluator::WeightEvaluator(std::string baseDir)
    : baseDir(std::move(baseDir)) {}

WeightEvaluator::~WeightEvaluator() = default;

std::string WeightEvaluator::resolvePath(Operation *weightOp,
                                         StringRef file) const {
  if (llvm::sys::path::is_absolute(file))
    return file.str();
  SmallString<256> path;
  if (!baseDir.empty()) {
    path = baseDir;
  } else if (auto loc = weightOp->getLoc()->findInstanceOf<FileLineColLoc>()) {
    // The IR file's directory, so that a model's .mlir can sit next to its
    // weights and be run from anywhere.
    path = llvm::sys::path::parent_path(loc.getFilename().getValue());
  }
  llvm::sys::path::append(path, file);
  return std::string(path);
}

FailureOr<const quant::SafeTensorsFile *>
WeightEvaluator::openFile(Operation *op, StringRef path) {
  auto it = files.find(path);
  if (it != files.end())
    return it->second.get();
  auto file = quant::SafeTensorsFile::open(path);
  if (!file)
    return op->emitError("cannot read weights: ")
           << llvm::toString(file.takeError());
  const quant::SafeTensorsFile *raw = file->get();
  files[path] = std::move(*file);
  return raw;
}

FailureOr<const quant::GgufFile *>
WeightEvaluator::openGguf(Operation *op, StringRef path) {
  auto it = ggufFiles.find(path);
  if (it != ggufFiles.end())
    return it->second.get();
  auto file = quant::GgufFile::open(path);
  if (!file)
    return op->emitError("cannot read weights: ")
           << llvm::toString(file.takeError());
  const quant::GgufFile *raw = file->get();
  ggufFiles[path] = std::move(*file);
  return raw;
}

/// Undoes llama.cpp's row order for the Q and K projections: within each
/// head of `headDim` rows, stored row 2j + i holds logical row
/// i * headDim / 2 + j (convert_hf_to_gguf.py pairs the two rotary halves).
static void unpermuteRopeRows(std::vector<float> &values, int64_t rows,
                              int64_t cols, int64_t headDim) {
  std::vector<float> stored = values;
  int64_t half = headDim / 2;
  for (int64_t head = 0; head < rows / headDim; ++head)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < half; ++j) {
        int64_t logical = head * headDim + i * half + j;
        int64_t source = head * headDim + 2 * j + i;
        std::memcpy(&values[logical * cols], &stored[source * cols],
                    cols * sizeof(float));
      }
}

FailureOr<HostTensor> WeightEvaluator::evaluateGgufWeight(Operation *op,
                                                          StringRef path) {
  auto weight = cast<WeightOp>(op);
  auto type = cast<RankedTensorType>(weight.getType());
  if (weight.getStorage() != Storage::plain &&
      weight.getStorage() != Storage::rope_interleaved)
    return op->emitError("storage '")
           << stringifyStorage(weight.getStorage())
           << "' does not apply to GGUF file '" << path << "'";
  HostTensor out = emptyLike(type);
  if (!out.isFloat())
    return op->emitError("expected a float tensor type for GGUF tensor '")
           << weight.getName() << "', got " << type;
  FailureOr<const quant::GgufFile *> file = openGguf(op, path);
  if (failed(file))
    return failure();
  const quant::GgufTensorInfo *info = (*file)->lookup(weight.getName());
  if (!info)
    return op->emitError("tensor '")
           << weight.getName() << "' not found in '" << path << "'";
  if (ArrayRef<int64_t>(info->shape()) != type.getShape())
    return op->emitError("tensor '")
           << weight.getName() << "' in '" << path << "' has shape "
           << shapeString(info->shape()) << ", expected "
           << shapeString(type.getShape());
  auto values = (*file)->dequantize(*info);
  if (!values)
    return op->emitError("cannot dequantize tensor '")
           << weight.getName() << "' of '" << path
           << "': " << llvm::toString(values.takeError());
  out.floats = std::move(*values);
  for (float &v : out.floats)
    v = roundToFloatType(out.elementType, v);
  if (std::optional<uint64_t> headDim = weight.getRopeHeadDim())
    unpermuteRopeRows(out.floats, type.getDimSize(0), type.getDimSize(1),
                      *headDim);
  return out;
}

FailureOr<HostTensor> WeightEvaluator::evaluate(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return emitError(value.getLoc(), "cannot evaluate a value of type ")
           << value.getType() << " on the host: expected a statically "
           << "shaped tensor";
  Type element = type.getElementType();
  if (!isHostFloat(element) &&
      !(isa<IntegerType>(element) && element.getIntOrFloatBitWidth() <= 64))
    return emitError(value.getLoc(), "cannot evaluate a tensor of ")
           << element << " on the host: expected f16, bf16, f32 or an "
           << "integer type of at most 64 bits";
  Operation *op = value.getDefiningOp();
  if (!op)
    return emitError(value.getLoc(),
                     "cannot evaluate a block argument on the host: weights "
                     "must be constants, awq.weight references or "
                     "expressions of them");
  FailureOr<HostTensor> result = evaluateOp(op, value);
  if (failed(result))
    return failure();
  assert(result->shape == SmallVector<int64_t>(type.getShape()) &&
         "evaluated shape differs from the value's type");
  return result;
}

namespace {
/// Elementwise float arithmetic, each result rounded once to `type`.
template <typename Fn>
HostTensor elementwise(RankedTensorType type, ArrayRef<float> a,
                       ArrayRef<float> b, Fn fn) {
  HostTensor out = emptyLike(type);
  for (size_t i = 0; i < a.size(); ++i)
    out.floats.push_back(
        roundToFloatType(out.elementType, fn(a[i], b.empty() ? 0.0f : b[i])));
  return out;
}
} // namespace

FailureOr<HostTensor> WeightEvaluator::evaluateOp(Operation *op, Value value) {
  auto type = cast<RankedTensorType>(value.getType());

  // Constants: dense and splat elements attributes.
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
    if (!dense)
      return op->emitError("cannot evaluate this constant on the host: "
                           "expected a dense elements attribute");
    HostTensor out = emptyLike(type);
    if (out.isFloat()) {
      for (APFloat v : dense.getValues<APFloat>()) {
        bool lost;
        // Exact: every f16, bf16 and f32 value is an f32 value.
        v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
        out.floats.push_back(v.convertToFloat());
      }
    } else {
      for (const APInt &v : dense.getValues<APInt>())
        out.ints.push_back(intValue(v));
    }
    return out;
  }

  // References to a safetensors file.
  if (auto weight = dyn_cast<WeightOp>(op)) {
    std::string path = resolvePath(op, weight.getFile());
    if (StringRef(path).ends_with(".gguf"))
      return evaluateGgufWeight(op, path);
    FailureOr<const quant::SafeTensorsFile *> file = openFile(op, path);
    if (failed(file))
      return failure();
    const quant::TensorView *view = (*file)->lookup(weight.getName());
    if (!view)
      return op->emitError("tensor '")
             << weight.getName() << "' not found in '" << path << "'";
    HostTensor out = emptyLike(type);
    ArrayRef<int64_t> shape = type.getShape();
    auto mismatch = [&](ArrayRef<int64_t> expected) {
      return op->emitError("tensor '")
             << weight.getName() << "' in '" << path << "' has shape "
             << shapeString(view->shape) << ", expected "
             << shapeString(expected) << " for storage '"
             << stringifyStorage(weight.getStorage()) << "' of " << type;
    };
    switch (weight.getStorage()) {
    case Storage::plain:
    case Storage::transposed: {
      if (!dtypeHolds(view->dtype, out.elementType))
        return op->emitError("tensor '")
               << weight.getName() << "' in '" << path << "' has dtype "
               << quant::dtypeName(view->dtype) << ", which does not hold "
               << out.elementType << " values";
      bool transposed = weight.getStorage() == Storage::transposed;
      SmallVector<int64_t> stored(shape);
      if (transposed)
        std::swap(stored[0], stored[1]);
      if (ArrayRef<int64_t>(view->shape) != ArrayRef<int64_t>(stored))
        return mismatch(stored);
      if (out.isFloat())
        out.floats = view->toFloat();
      else
        out.ints = readInts(*view);
      if (transposed) {
        // Stored [b, a], logical [a, b].
        int64_t a = shape[0], b = shape[1];
        auto transpose = [&](auto &values) {
          auto copy = values;
          for (int64_t i = 0; i < a; ++i)
            for (int64_t j = 0; j < b; ++j)
              values[i * b + j] = copy[j * a + i];
        };
        if (out.isFloat())
          transpose(out.floats);
        else
          transpose(out.ints);
      }
      return out;
    }
    case Storage::awq_gemm_qweight:
    case Storage::awq_gemm_qzeros: {
      // Logical i4 [N, R] (R = K for qweight, K / G for qzeros), stored as
      // int32 [R, N / 8]: nibble i (bits 4i..4i+3) of word (r, c) holds
      // channel 8c + order[i] (DESIGN.md "Formats").
      static constexpr int kOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};
      int64_t n = shape[0], rows = shape[1];
      if (view->dtype != quant::DType::I32)
        return op->emitError("tensor '")
               << weight.getName() << "' in '" << path << "' has dtype "
               << quant::dtypeName(view->dtype) << ", expected I32 for "
               << "storage '" << stringifyStorage(weight.getStorage()) << "'";
      SmallVector<int64_t> stored = {rows, n / 8};
      if (ArrayRef<int64_t>(view->shape) != ArrayRef<int64_t>(stored))
        return mismatch(stored);
      out.ints.assign(n * rows, 0);
      const uint8_t *p = view->bytes.data();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < n / 8; ++c) {
          uint32_t word = loadLE<uint32_t>(p + 4 * (r * (n / 8) + c));
          for (int i = 0; i < 8; ++i)
            out.ints[(8 * c + kOrder[i]) * rows + r] = (word >> (4 * i)) & 15;
        }
      return out;
    }
    case Storage::rope_interleaved:
      return op->emitError("storage 'rope_interleaved' applies to GGUF "
                           "files only, got '")
             << path << "'";
    }
    llvm_unreachable("unknown storage");
  }

  // x / scale along one axis, in f32, rounded once.
  if (auto scale = dyn_cast<ScaleOp>(op)) {
    FailureOr<HostTensor> input = evaluate(scale.getInput());
    if (failed(input))
      return failure();
    FailureOr<HostTensor> factors = evaluate(scale.getScale());
    if (failed(factors))
      return failure();
    int64_t axis = scale.getNormalizedAxis();
    int64_t dim = type.getDimSize(axis);
    int64_t inner = 1;
    for (int64_t d : type.getShape().drop_front(axis + 1))
      inner *= d;
    HostTensor out = emptyLike(type);
    for (size_t i = 0; i < input->floats.size(); ++i)
      out.floats.push_back(roundToFloatType(
          out.elementType,
          input->floats[i] / factors->floats[(i / inner) % dim]));
    return out;
  }

  // clamp(w, -max, max) per row and group of K (the AWQ clip).
  if (auto clip = dyn_cast<ClipOp>(op)) {
    FailureOr<HostTensor> input = evaluate(clip.getInput());
    if (failed(input))
      return failure();
    FailureOr<HostTensor> limits = evaluate(clip.getMaxValue());
    if (failed(limits))
      return failure();
    int64_t k = type.getDimSize(1), g = clip.getGroupSize();
    HostTensor out = emptyLike(type);
    for (size_t i = 0; i < input->floats.size(); ++i) {
      float limit = limits->floats[(i / k) * (k / g) + (i % k) / g];
      out.floats.push_back(std::clamp(input->floats[i], -limit, limit));
    }
    return out;
  }

  // Elementwise float arithmetic on tensors.
  if (isa<arith::MulFOp, arith::DivFOp, arith::AddFOp, arith::SubFOp>(op)) {
    FailureOr<HostTensor> lhs = evaluate(op->getOperand(0));
    if (failed(lhs))
      return failure();
    FailureOr<HostTensor> rhs = evaluate(op->getOperand(1));
    if (failed(rhs))
      return failure();
    return llvm::TypeSwitch<Operation *, HostTensor>(op)
        .Case([&](arith::MulFOp) {
          return elementwise(type, lhs->floats, rhs->floats,
                             [](float a, float b) { return a * b; });
        })
        .Case([&](arith::DivFOp) {
          return elementwise(type, lhs->floats, rhs->floats,
                             [](float a, float b) { return a / b; });
        })
        .Case([&](arith::AddFOp) {
          return elementwise(type, lhs->floats, rhs->floats,
                             [](float a, float b) { return a + b; });
        })
        .Default([&](Operation *) {
          return elementwise(type, lhs->floats, rhs->floats,
                             [](float a, float b) { return a - b; });
        });
  }
  if (isa<arith::NegFOp, arith::ExtFOp, arith::TruncFOp>(op)) {
    if (auto trunc = dyn_cast<arith::TruncFOp>(op))
      if (trunc.getRoundingmode() &&
          *trunc.getRoundingmode() != arith::RoundingMode::to_nearest_even)
        return op->emitError("cannot evaluate a truncation with rounding "
                             "mode other than to_nearest_even on the host");
    FailureOr<HostTensor> in = evaluate(op->getOperand(0));
    if (failed(in))
      return failure();
    bool negate = isa<arith::NegFOp>(op);
    return elementwise(type, in->floats, {}, [&](float a, float) {
      return negate ? -a : a;
    });
  }

  // linalg.broadcast: the output's `dimensions` are the added ones.
  if (auto broadcast = dyn_cast<linalg::BroadcastOp>(op)) {
    FailureOr<HostTensor> in = evaluate(broadcast.getInput());
    if (failed(in))
      return failure();
    ArrayRef<int64_t> added = broadcast.getDimensions();
    ArrayRef<int64_t> shape = type.getShape();
    HostTensor out = emptyLike(type);
    int64_t total = out.numElements();
    SmallVector<int64_t> index(shape.size(), 0);
    for (int64_t i = 0; i < total; ++i) {
      // Row-major offset of the input element: the output index without
      // the added dimensions.
      int64_t offset = 0;
      for (size_t d = 0; d < shape.size(); ++d)
        if (!llvm::is_contained(added, int64_t(d)))
          offset = offset * shape[d] + index[d];
      if (out.isFloat())
        out.floats.push_back(in->floats[offset]);
      else
        out.ints.push_back(in->ints[offset]);
      for (int64_t d = shape.size() - 1; d >= 0; --d) {
        if (++index[d] < shape[d])
          break;
        index[d] = 0;
      }
    }
    return out;
  }

  // tensor.concat: for each index of the dimensions before `dim`, the
  // operands' contiguous blocks one after another.
  if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
    SmallVector<HostTensor> parts;
    for (Value operand : concat.getInputs()) {
      FailureOr<HostTensor> part = evaluate(operand);
      if (failed(part))
        return failure();
      parts.push_back(std::move(*part));
    }
    int64_t dim = concat.getDim();
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < dim; ++d)
      outer *= type.getDimSize(d);
    for (int64_t d = dim + 1; d < type.getRank(); ++d)
      inner *= type.getDimSize(d);
    HostTensor out = emptyLike(type);
    for (int64_t o = 0; o < outer; ++o)
      for (const HostTensor &part : parts) {
        int64_t block = part.shape[dim] * inner;
        if (out.isFloat())
          out.floats.insert(out.floats.end(),
                            part.floats.begin() + o * block,
                            part.floats.begin() + (o + 1) * block);
        else
          out.ints.insert(out.ints.end(), part.ints.begin() + o * block,
                          part.ints.begin() + (o + 1) * block);
      }
    return out;
  }

  return op->emitError("cannot evaluate '")
         << op->getName() << "' on the host: weights must be constants, "
         << "awq.weight references, or awq.scale, arith (mulf, divf, addf, "
         << "subf, negf, extf, truncf), linalg.broadcast and tensor.concat "
         << "of them";
}
