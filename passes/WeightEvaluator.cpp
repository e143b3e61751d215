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
#include "formats/AutoAwq.h"
#include "formats/Checkpoint.h"
#include "formats/Gguf.h"
#include "formats/Half.h"
#include "formats/SafeTensors.h"

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
namespace formats = ::awq::formats;

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
    return formats::roundToHalf(value);
  if (type.isBF16())
    return formats::bf16ToFloat(formats::floatToBf16(value));
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
static bool dtypeHolds(formats::DType dtype, Type type) {
  switch (dtype) {
  case formats::DType::F16:
    return type.isF16();
  case formats::DType::BF16:
    return type.isBF16();
  case formats::DType::F32:
    return type.isF32();
  case formats::DType::I64:
    return type.isInteger(64);
  case formats::DType::I32:
    return type.isInteger(32);
  case formats::DType::I16:
    return type.isInteger(16);
  case formats::DType::I8:
  case formats::DType::U8:
    return type.isInteger(8);
  case formats::DType::Bool:
    return type.isInteger(1);
  case formats::DType::F64:
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
static std::vector<int64_t> readInts(const formats::TensorView &view) {
  size_t n = view.numElements();
  std::vector<int64_t> out(n);
  const uint8_t *p = view.bytes.data();
  for (size_t i = 0; i < n; ++i) {
    switch (view.dtype) {
    case formats::DType::I64:
      out[i] = loadLE<int64_t>(p + 8 * i);
      break;
    case formats::DType::I32:
      out[i] = loadLE<int32_t>(p + 4 * i);
      break;
    case formats::DType::I16:
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

FailureOr<const formats::SafeTensorsFile *>
WeightEvaluator::openFile(Operation *op, StringRef path) {
  auto it = files.find(path);
  if (it != files.end())
    return it->second.get();
  auto file = formats::SafeTensorsFile::open(path);
  if (!file)
    return op->emitError("cannot read weights: ")
           << llvm::toString(file.takeError());
  const formats::SafeTensorsFile *raw = file->get();
  files[path] = std::move(*file);
  return raw;
}

FailureOr<const formats::GgufFile *>
WeightEvaluator::openGguf(Operation *op, StringRef path) {
  auto it = ggufFiles.find(path);
  if (it != ggufFiles.end())
    return it->second.get();
  auto file = formats::GgufFile::open(path);
  if (!file)
    return op->emitError("cannot read weights: ")
           << llvm::toString(file.takeError());
  const formats::GgufFile *raw = file->get();
  ggufFiles[path] = std::move(*file);
  return raw;
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
  FailureOr<const formats::GgufFile *> file = openGguf(op, path);
  if (failed(file))
    return failure();
  const formats::GgufTensorInfo *info = (*file)->lookup(weight.getName());
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
    formats::unpermuteRopeRows(out.floats, type.getDimSize(0),
                               type.getDimSize(1), *headDim);
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
    FailureOr<const formats::SafeTensorsFile *> file = openFile(op, path);
    if (failed(file))
      return failure();
    const formats::TensorView *view = (*file)->lookup(weight.getName());
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
               << formats::dtypeName(view->dtype) << ", which does not hold "
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
      // int32 [R, N / 8] in AutoAWQ's nibble order (formats/AutoAwq.h).
      int64_t n = shape[0], rows = shape[1];
      if (view->dtype != formats::DType::I32)
        return op->emitError("tensor '")
               << weight.getName() << "' in '" << path << "' has dtype "
               << formats::dtypeName(view->dtype) << ", expected I32 for "
               << "storage '" << stringifyStorage(weight.getStorage()) << "'";
      SmallVector<int64_t> stored = {rows, n / 8};
      if (ArrayRef<int64_t>(view->shape) != ArrayRef<int64_t>(stored))
        return mismatch(stored);
      std::vector<uint8_t> nibbles(n * rows);
      formats::unpackAwqNibbles(view->bytes.data(), rows, n, nibbles.data());
      out.ints.assign(nibbles.begin(), nibbles.end());
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
