//===- Manifest.cpp - artifact manifest parsing and kernel ABI ------------===//
//
// Every rule of docs/artifact-format.md that can be checked without a GPU is
// checked here, with messages of the form
//   "<file>: layers[2] (model.mlp.up): variants[1].m_min: ..."
// so that a bad artifact is diagnosed at load, never at launch.
//
//===----------------------------------------------------------------------===//

#include "runtime/Manifest.h"
#include "formats/Json.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace awq::runtime;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
namespace json = llvm::json;

static Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

StringRef awq::runtime::manifestDTypeName(DType dtype) {
  switch (dtype) {
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I32:
    return "i32";
  default: // The manifest names no other element type.
    return "?";
  }
}

StringRef awq::runtime::roleName(Role role) {
  static const char *const names[kNumRoles] = {"x",     "qweight", "scales",
                                                "zeros", "bias",    "y"};
  return names[static_cast<unsigned>(role)];
}

//===----------------------------------------------------------------------===//
// JSON field access with located errors
//===----------------------------------------------------------------------===//

namespace {
/// Reads fields of one JSON object; every error names `where` + the field.
class FieldReader {
public:
  FieldReader(const json::Object &object, std::string where)
      : object(object), where(std::move(where)) {}

  std::string at(StringRef field) const {
    return where.empty() ? field.str() : where + "." + field.str();
  }

  const json::Value *get(StringRef field, Error &err) const {
    const json::Value *value = object.get(field);
    if (!value && !err)
      err = makeError(at(field) + ": missing required field");
    return value;
  }

  int64_t getInt(StringRef field, Error &err, int64_t min = INT64_MIN,
                 int64_t max = INT64_MAX) const {
    const json::Value *value = get(field, err);
    if (!value)
      return 0;
    std::optional<int64_t> i = awq::formats::jsonInteger(*value);
    if (!i) {
      if (!err)
        err = makeError(at(field) + ": expected an integer");
      return 0;
    }
    if (*i < min || *i > max) {
      if (!err)
        err = makeError(llvm::formatv("{0}: {1} is out of range [{2}, {3}]",
                                      at(field), *i, min, max));
      return 0;
    }
    return *i;
  }

  std::string getString(StringRef field, Error &err) const {
    const json::Value *value = get(field, err);
    if (!value)
      return {};
    std::optional<StringRef> s = value->getAsString();
    if (!s) {
      if (!err)
        err = makeError(at(field) + ": expected a string");
      return {};
    }
    return s->str();
  }

  bool getBool(StringRef field, Error &err) const {
    const json::Value *value = get(field, err);
    if (!value)
      return false;
    std::optional<bool> b = value->getAsBoolean();
    if (!b) {
      if (!err)
        err = makeError(at(field) + ": expected true or false");
      return false;
    }
    return *b;
  }

  const json::Array *getArray(StringRef field, Error &err) const {
    const json::Value *value = get(field, err);
    if (!value)
      return nullptr;
    const json::Array *array = value->getAsArray();
    if (!array && !err)
      err = makeError(at(field) + ": expected an array");
    return array;
  }

  const json::Object *getObject(StringRef field, Error &err) const {
    const json::Value *value = get(field, err);
    if (!value)
      return nullptr;
    const json::Object *obj = value->getAsObject();
    if (!obj && !err)
      err = makeError(at(field) + ": expected an object");
    return obj;
  }

  /// Reads an array of exactly three positive integers (grid, block).
  void getDim3(StringRef field, unsigned out[3], Error &err) const {
    const json::Array *array = getArray(field, err);
    if (!array)
      return;
    if (array->size() != 3) {
      if (!err)
        err = makeError(at(field) + ": expected 3 integers");
      return;
    }
    for (unsigned i = 0; i < 3; ++i) {
      std::optional<int64_t> v = awq::formats::jsonInteger((*array)[i]);
      if (!v || *v < 1 || *v > INT32_MAX) {
        if (!err)
          err = makeError(llvm::formatv(
              "{0}[{1}]: expected an integer in [1, 2^31-1]", at(field), i));
        return;
      }
      out[i] = static_cast<unsigned>(*v);
    }
  }

private:
  const json::Object &object;
  std::string where;
};
} // namespace

static bool parseManifestDType(StringRef s, DType &out) {
  if (s == "f16")
    out = DType::F16;
  else if (s == "bf16")
    out = DType::BF16;
  else if (s == "i32")
    out = DType::I32;
  else
    return false;
  return true;
}

static bool parseRole(StringRef s, Role &out) {
  for (unsigned i = 0; i < kNumRoles; ++i) {
    if (s == roleName(static_cast<Role>(i))) {
      out = static_cast<Role>(i);
      return true;
    }
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Manifest
//===----------------------------------------------------------------------===//

/// The dtype and shape the ABI prescribes for a role in `layer`.
static void expectedParam(const LayerSpec &layer, Role role, DType &dtype,
                          llvm::SmallVectorImpl<int64_t> &shape) {
  dtype = layer.dtype;
  int64_t groups = layer.k / layer.groupSize;
  switch (role) {
  case Role::X:
    shape.assign({-1, layer.k});
    return;
  case Role::QWeight:
    dtype = DType::I32;
    shape.assign({layer.n, layer.k * layer.bits / 32});
    return;
  case Role::Scales:
  case Role::Zeros:
    shape.assign({layer.n, groups});
    return;
  case Role::Bias:
    shape.assign({layer.n});
    return;
  case Role::Y:
    shape.assign({-1, layer.n});
    return;
  }
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

static Error parseVariant(const json::Value &value, const std::string &where,
                          const LayerSpec &layer, VariantSpec &variant) {
  const json::Object *obj = value.getAsObject();
  if (!obj)
    return makeError(where + ": expected an object");
  FieldReader r(*obj, where);
  Error err = Error::success();
  variant.kernel = r.getString("kernel", err);
  variant.family = r.getString("family", err);
  variant.mMin = r.getInt("m_min", err, 1, kMaxM);
  variant.mMax = r.getInt("m_max", err, 1, kMaxM);
  variant.mTile = r.getInt("m_tile", err, 1, kMaxM);
  r.getDim3("grid", variant.grid, err);
  r.getDim3("block", variant.block, err);
  variant.sharedBytes =
      static_cast<unsigned>(r.getInt("shared_bytes", err, 0, INT32_MAX));
  const json::Array *params = r.getArray("params", err);
  if (err)
    return err;
  if (variant.kernel.empty())
    return makeError(r.at("kernel") + ": empty kernel name");
  if (variant.family != "gemv" && variant.family != "gemm")
    return makeError(r.at("family") + ": '" + variant.family +
                     "' is neither \"gemv\" nor \"gemm\"");
  if (variant.mMin > variant.mMax)
    return makeError(llvm::formatv("{0}: m_min {1} > m_max {2}", where,
                                   variant.mMin, variant.mMax));
  if (uint64_t(variant.block[0]) * variant.block[1] * variant.block[2] > 1024)
    return makeError(r.at("block") + ": more than 1024 threads per block");

  bool seen[kNumRoles] = {};
  for (size_t i = 0; i < params->size(); ++i) {
    std::string pwhere = llvm::formatv("{0}[{1}]", r.at("params"), i);
    const json::Object *pobj = (*params)[i].getAsObject();
    if (!pobj)
      return makeError(pwhere + ": expected an object");
    FieldReader pr(*pobj, pwhere);
    ParamSpec param;
    param.name = pr.getString("name", err);
    std::string dtype = pr.getString("dtype", err);
    const json::Array *shape = pr.getArray("shape", err);
    if (err)
      return err;
    if (!parseRole(param.name, param.role))
      return makeError(pr.at("name") + ": unknown parameter role '" +
                       param.name +
                       "' (expected x, qweight, scales, zeros, bias or y)");
    unsigned roleIndex = static_cast<unsigned>(param.role);
    if (seen[roleIndex])
      return makeError(pr.at("name") + ": parameter '" + param.name +
                       "' appears twice");
    seen[roleIndex] = true;
    if (!parseManifestDType(dtype, param.dtype))
      return makeError(pr.at("dtype") + ": unknown dtype '" + dtype + "'");
    if (shape->empty() || shape->size() > kMaxRank)
      return makeError(pr.at("shape") + ": rank must be 1.." +
                       std::to_string(kMaxRank));
    for (const json::Value &dim : *shape) {
      std::optional<int64_t> d = awq::formats::jsonInteger(dim);
      if (!d || (*d < 1 && *d != -1))
        return makeError(pr.at("shape") +
                         ": dimensions must be positive integers or -1 (M)");
      param.shape.push_back(*d);
    }

    // The ABI fixes every parameter's type and shape given the layer; a
    // mismatch means compiler and runtime disagree about the kernel.
    DType wantType;
    llvm::SmallVector<int64_t, 2> wantShape;
    expectedParam(layer, param.role, wantType, wantShape);
    if (param.dtype != wantType)
      return makeError(pr.at("dtype") + ": '" + param.name + "' has dtype " +
                       manifestDTypeName(param.dtype) + ", the layer needs " +
                       manifestDTypeName(wantType));
    if (llvm::ArrayRef<int64_t>(param.shape) !=
        llvm::ArrayRef<int64_t>(wantShape))
      return makeError(pr.at("shape") + ": '" + param.name + "' has shape " +
                       shapeString(param.shape) + ", the layer needs " +
                       shapeString(wantShape));
    variant.numScalarParams += 3 + 2 * param.shape.size();
    variant.params.push_back(std::move(param));
  }
  auto requireRole = [&](Role role, bool wanted) -> Error {
    bool present = seen[static_cast<unsigned>(role)];
    if (present == wanted)
      return Error::success();
    return makeError(r.at("params") + ": parameter '" + roleName(role) +
                     (wanted ? "' is missing" : "' is present") +
                     (role == Role::Zeros
                          ? (wanted ? " but has_zeros is true"
                                    : " but has_zeros is false")
                      : role == Role::Bias
                          ? (wanted ? " but has_bias is true"
                                    : " but has_bias is false")
                          : ""));
  };
  if (Error e = requireRole(Role::X, true))
    return e;
  if (Error e = requireRole(Role::QWeight, true))
    return e;
  if (Error e = requireRole(Role::Scales, true))
    return e;
  if (Error e = requireRole(Role::Y, true))
    return e;
  if (Error e = requireRole(Role::Zeros, layer.hasZeros))
    return e;
  if (Error e = requireRole(Role::Bias, layer.hasBias))
    return e;
  if (variant.numScalarParams > kMaxScalarParams)
    return makeError(r.at("params") + ": too many kernel parameters");
  return Error::success();
}

/// Parses a variant list at `path` into `out`, sorted by m_min; the
/// ranges must tile [1, kMaxM] exactly.
static Error parseVariantList(const json::Array &variants,
                              const std::string &path, const LayerSpec &layer,
                              std::vector<VariantSpec> &out) {
  if (variants.empty())
    return makeError(path + ": no variants");
  for (size_t i = 0; i < variants.size(); ++i) {
    VariantSpec variant;
    if (Error e = parseVariant(variants[i], llvm::formatv("{0}[{1}]", path, i),
                               layer, variant))
      return e;
    out.push_back(std::move(variant));
  }
  // Plain sort (few elements; stable_sort trips a libstdc++ deprecation).
  std::sort(out.begin(), out.end(),
            [](const VariantSpec &a, const VariantSpec &b) {
              return a.mMin < b.mMin || (a.mMin == b.mMin && a.mMax < b.mMax);
            });
  int64_t next = 1;
  for (const VariantSpec &v : out) {
    if (v.mMin > next)
      return makeError(
          llvm::formatv("{0}: variants leave M in [{1}, {2}] uncovered", path,
                        next, v.mMin - 1));
    if (v.mMin < next)
      return makeError(llvm::formatv(
          "{0}: variant '{1}' [{2}, {3}] overlaps the M range of another "
          "variant",
          path, v.kernel, v.mMin, v.mMax));
    next = v.mMax + 1;
  }
  if (next <= kMaxM)
    return makeError(llvm::formatv(
        "{0}: variants leave M in [{1}, {2}] uncovered", path, next, kMaxM));
  return Error::success();
}

static Error parseLayer(const json::Value &value, const std::string &index,
                        LayerSpec &layer) {
  const json::Object *obj = value.getAsObject();
  if (!obj)
    return makeError(index + ": expected an object");
  // Errors name the layer by index, and by name once it is known.
  std::optional<StringRef> name = obj->getString("name");
  std::string where =
      name ? index + " (" + name->str() + ")" : index;
  FieldReader r(*obj, where);
  Error err = Error::success();
  layer.name = r.getString("name", err);
  layer.n = r.getInt("n", err, 1, INT32_MAX);
  layer.k = r.getInt("k", err, 1, INT32_MAX);
  layer.groupSize = r.getInt("group_size", err, 1, INT32_MAX);
  layer.bits = static_cast<int>(r.getInt("bits", err, 1, 32));
  std::string dtype = r.getString("dtype", err);
  layer.hasZeros = r.getBool("has_zeros", err);
  layer.hasBias = r.getBool("has_bias", err);
  const json::Array *variants = r.getArray("variants", err);
  if (err)
    return err;
  if (layer.name.empty())
    return makeError(r.at("name") + ": empty layer name");
  if (layer.bits != 4 && layer.bits != 8)
    return makeError(r.at("bits") + ": " + std::to_string(layer.bits) +
                     " is not supported (4 or 8)");
  if (!parseManifestDType(dtype, layer.dtype) || layer.dtype == DType::I32)
    return makeError(r.at("dtype") + ": '" + dtype +
                     "' is not an activation dtype (f16 or bf16)");
  if (layer.k % layer.groupSize != 0)
    return makeError(llvm::formatv("{0}: group_size {1} does not divide k {2}",
                                   where, layer.groupSize, layer.k));
  if ((layer.k * layer.bits) % 32 != 0)
    return makeError(llvm::formatv(
        "{0}: k {1} does not fill whole 32-bit words at {2} bits", where,
        layer.k, layer.bits));
  if (const json::Value *tensors = obj->get("tensors")) {
    const json::Object *tobj = tensors->getAsObject();
    if (!tobj)
      return makeError(r.at("tensors") + ": expected an object");
    for (const auto &entry : *tobj) {
      std::optional<StringRef> s = entry.second.getAsString();
      if (!s)
        return makeError(r.at("tensors") + "." + entry.first.str() +
                         ": expected a string");
      layer.tensors[entry.first.str()] = s->str();
    }
  }
  if (Error e =
          parseVariantList(*variants, r.at("variants"), layer, layer.variants))
    return e;
  // Optional lists for single archs whose kernels differ (sm_90a's wgmma
  // GEMM): the runtime uses the one of the arch it loads.
  if (const json::Value *byArch = obj->get("arch_variants")) {
    const json::Object *archObj = byArch->getAsObject();
    if (!archObj)
      return makeError(r.at("arch_variants") + ": expected an object");
    for (const auto &entry : *archObj) {
      std::string path = r.at("arch_variants") + "." + entry.first.str();
      if (Expected<Arch> a = parseArch(entry.first); !a)
        return makeError(path + ": " + llvm::toString(a.takeError()));
      const json::Array *list = entry.second.getAsArray();
      if (!list)
        return makeError(path + ": expected an array of variants");
      std::vector<VariantSpec> parsed;
      if (Error e = parseVariantList(*list, path, layer, parsed))
        return e;
      layer.archVariants[entry.first.str()] = std::move(parsed);
    }
  }
  return Error::success();
}

Expected<Manifest> awq::runtime::parseManifest(StringRef text, StringRef source,
                                                bool requirePtx) {
  std::string prefix = source.str() + ": ";
  Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return makeError(prefix + "malformed JSON: " +
                     llvm::toString(parsed.takeError()));
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return makeError(prefix + "expected a JSON object at the top level");

  Manifest manifest;
  FieldReader r(*root, "");
  Error err = Error::success();
  std::string format = r.getString("format", err);
  manifest.version = static_cast<int>(r.getInt("version", err));
  const json::Array *layers = r.getArray("layers", err);
  if (err)
    return makeError(prefix + llvm::toString(std::move(err)));
  if (format != "awq-artifact")
    return makeError(prefix + "format: expected \"awq-artifact\", got \"" +
                     format + "\"");
  if (manifest.version != 1)
    return makeError(prefix + "version: " + std::to_string(manifest.version) +
                     " is not supported (this runtime reads version 1)");

  if (const json::Value *ptx = root->get("ptx")) {
    const json::Object *pobj = ptx->getAsObject();
    if (!pobj)
      return makeError(prefix + "ptx: expected an object");
    for (const auto &entry : *pobj) {
      StringRef arch = entry.first;
      if (Expected<Arch> a = parseArch(arch); !a)
        return makeError(prefix + "ptx." + arch + ": " +
                         llvm::toString(a.takeError()));
      std::optional<StringRef> file = entry.second.getAsString();
      if (!file || file->empty())
        return makeError(prefix + "ptx." + arch + ": expected a file name");
      // The file must stay inside the artifact directory.
      if (file->contains('/') || file->contains('\\') || *file == ".." ||
          *file == ".")
        return makeError(prefix + "ptx." + arch + ": '" + *file +
                         "' is not a plain file name in the artifact");
      manifest.ptx[arch.str()] = file->str();
    }
  }
  if (requirePtx && manifest.ptx.empty())
    return makeError(prefix + "ptx: missing or empty (no PTX module)");
  if (std::optional<StringRef> weights = root->getString("weights"))
    manifest.weights = weights->str();

  llvm::StringMap<size_t> seen;
  for (size_t i = 0; i < layers->size(); ++i) {
    LayerSpec layer;
    if (Error e = parseLayer((*layers)[i], llvm::formatv("layers[{0}]", i),
                             layer))
      return makeError(prefix + llvm::toString(std::move(e)));
    for (const auto &entry : layer.archVariants)
      if (!manifest.ptx.empty() && !manifest.ptx.count(entry.first))
        return makeError(llvm::formatv(
            "{0}layers[{1}] ({2}).arch_variants.{3}: the artifact has no "
            "PTX for {3}",
            prefix, i, layer.name, entry.first));
    auto inserted = seen.try_emplace(layer.name, i);
    if (!inserted.second)
      return makeError(llvm::formatv("{0}layers[{1}]: duplicate layer name "
                                     "'{2}' (also layers[{3}])",
                                     prefix, i, layer.name,
                                     inserted.first->second));
    manifest.layers.push_back(std::move(layer));
  }
  return manifest;
}

//===----------------------------------------------------------------------===//
// Architectures
//===----------------------------------------------------------------------===//

Expected<Arch> awq::runtime::parseArch(StringRef name) {
  StringRef digits = name;
  Arch arch;
  if (!digits.consume_front("sm_"))
    return makeError("unknown architecture '" + name +
                     "' (expected sm_XY or sm_XYa)");
  if (digits.consume_back("a"))
    arch.archSpecific = true;
  unsigned value;
  if (digits.size() < 2 || digits.size() > 3 ||
      !llvm::all_of(digits, llvm::isDigit) || digits.getAsInteger(10, value))
    return makeError("unknown architecture '" + name +
                     "' (expected sm_XY or sm_XYa)");
  arch.major = value / 10;
  arch.minor = value % 10;
  if (arch.major < 5)
    return makeError("unknown architecture '" + name + "'");
  return arch;
}

void awq::runtime::selectArchVariants(Manifest &manifest, StringRef arch) {
  for (LayerSpec &layer : manifest.layers) {
    auto own = layer.archVariants.find(arch.str());
    if (own != layer.archVariants.end())
      layer.variants = own->second;
    layer.archVariants.clear();
  }
}

/// The most dynamic shared memory a block of `arch`'s variants asks for.
static uint64_t sharedBytesNeeded(const Manifest &manifest,
                                  const std::string &arch) {
  uint64_t most = 0;
  for (const LayerSpec &layer : manifest.layers) {
    auto own = layer.archVariants.find(arch);
    const std::vector<VariantSpec> &variants =
        own != layer.archVariants.end() ? own->second : layer.variants;
    for (const VariantSpec &variant : variants)
      most = std::max<uint64_t>(most, variant.sharedBytes);
  }
  return most;
}

void awq::runtime::selectArchVariants(json::Object &layer, StringRef arch) {
  if (json::Object *byArch = layer.getObject("arch_variants")) {
    if (json::Value *own = byArch->get(arch))
      layer["variants"] = *own;
    layer.erase("arch_variants");
  }
}

Expected<std::string> awq::runtime::selectPtxArch(const Manifest &manifest,
                                                  unsigned major,
                                                  unsigned minor,
                                                  uint64_t maxSharedBytes) {
  unsigned device = major * 10 + minor;
  std::string best;
  unsigned bestValue = 0;
  bool bestSpecific = false;
  std::string tooLarge;
  for (const auto &entry : manifest.ptx) {
    Expected<Arch> arch = parseArch(entry.first);
    if (!arch) {
      llvm::consumeError(arch.takeError());
      continue;
    }
    unsigned value = arch->major * 10 + arch->minor;
    // PTX for sm_XYa uses features that exist only on exactly sm_XY; plain
    // PTX is forward compatible within what the driver can JIT.
    if (arch->archSpecific ? value != device : value > device)
      continue;
    // An arch whose tiles need more shared memory than the device has per
    // block (sm_90 tiles on a 99 KiB GPU of a later generation) leaves the
    // choice to an older arch.
    if (uint64_t needed = sharedBytesNeeded(manifest, entry.first);
        maxSharedBytes > 0 && needed > maxSharedBytes) {
      tooLarge +=
          llvm::formatv("{0}{1} needs {2} bytes per block",
                        tooLarge.empty() ? "" : ", ", entry.first, needed)
              .str();
      continue;
    }
    if (best.empty() || value > bestValue ||
        (value == bestValue && arch->archSpecific && !bestSpecific)) {
      best = entry.first;
      bestValue = value;
      bestSpecific = arch->archSpecific;
    }
  }
  if (best.empty()) {
    std::string have;
    for (const auto &entry : manifest.ptx)
      have += (have.empty() ? "" : ", ") + entry.first;
    return makeError(llvm::formatv(
        "no PTX usable on sm_{0}{1}: the artifact has {2}{3}", major, minor,
        have.empty() ? std::string("none") : have,
        tooLarge.empty()
            ? std::string()
            : llvm::formatv(" ({0} of shared memory; the device allows {1})",
                            tooLarge, maxSharedBytes)
                  .str()));
  }
  return best;
}

//===----------------------------------------------------------------------===//
// PTX entry scan
//===----------------------------------------------------------------------===//

/// Size in bytes of a PTX fundamental type (".u64" -> 8).
static unsigned ptxTypeSize(StringRef type) {
  if (type.size() < 3 || type[0] != '.')
    return 0;
  unsigned bits;
  if (type.drop_front(2).getAsInteger(10, bits))
    return 0;
  return bits / 8;
}

llvm::SmallVector<StringRef> awq::runtime::splitPtxModules(StringRef ptx) {
  llvm::SmallVector<StringRef> parts;
  size_t start = 0;
  for (size_t at = ptx.find("\n.version"); at != StringRef::npos;
       at = ptx.find("\n.version", at + 1)) {
    StringRef part = ptx.slice(start, at + 1);
    if (part.contains(".version")) {
      parts.push_back(part);
      start = at + 1;
    }
  }
  parts.push_back(ptx.substr(start));
  return parts;
}

PtxEntries awq::runtime::scanPtxEntries(StringRef ptx) {
  PtxEntries entries;
  size_t pos = 0;
  while ((pos = ptx.find(".entry", pos)) != StringRef::npos) {
    pos += 6;
    StringRef rest = ptx.substr(pos).ltrim();
    size_t nameEnd = rest.find_first_of("( \t\r\n");
    if (nameEnd == StringRef::npos)
      break;
    StringRef name = rest.substr(0, nameEnd);
    rest = rest.substr(nameEnd).ltrim();
    std::vector<unsigned> sizes;
    if (rest.consume_front("(")) {
      size_t close = rest.find(')');
      StringRef list = rest.substr(0, close);
      llvm::SmallVector<StringRef, 16> params;
      list.split(params, ',', -1, false);
      for (StringRef param : params) {
        // ".param .u64 name" or ".param .align 8 .b8 name[16]".
        llvm::SmallVector<StringRef, 6> words;
        param.split(words, ' ', -1, false);
        llvm::SmallVector<StringRef, 6> tokens;
        for (StringRef w : words)
          if (!w.trim().empty())
            tokens.push_back(w.trim());
        unsigned size = 0;
        for (size_t i = 1; i < tokens.size(); ++i) {
          if (tokens[i] == ".align") {
            ++i;
            continue;
          }
          if (tokens[i].starts_with(".") && tokens[i] != ".ptr") {
            size = ptxTypeSize(tokens[i]);
            StringRef decl = tokens.back();
            size_t bracket = decl.find('[');
            unsigned count;
            if (bracket != StringRef::npos &&
                !decl.substr(bracket + 1).drop_back().getAsInteger(10, count))
              size *= count;
            break;
          }
        }
        sizes.push_back(size);
      }
    }
    entries[name] = std::move(sizes);
  }
  return entries;
}

llvm::StringSet<>
awq::runtime::scanEntriesWaitingForPrerequisiteGrids(StringRef ptx) {
  llvm::StringSet<> waiting;
  size_t pos = ptx.find(".entry");
  while (pos != StringRef::npos) {
    size_t next = ptx.find(".entry", pos + 6);
    // The entry's text up to the next entry (or the end of the module).
    StringRef body = ptx.slice(pos + 6, next);
    StringRef rest = body.ltrim();
    StringRef name = rest.substr(0, rest.find_first_of("( \t\r\n"));
    if (!name.empty() && body.contains("griddepcontrol.wait"))
      waiting.insert(name);
    pos = next;
  }
  return waiting;
}

Error awq::runtime::checkKernelsInPtx(const Manifest &manifest, StringRef ptx,
                                      StringRef ptxName, bool requireAll) {
  PtxEntries entries = scanPtxEntries(ptx);
  for (const LayerSpec &layer : manifest.layers) {
    for (const VariantSpec &variant : layer.variants) {
      auto it = entries.find(variant.kernel);
      if (it == entries.end() && !requireAll)
        continue;
      if (it == entries.end())
        return makeError(ptxName + ": layer '" + layer.name + "': kernel '" +
                         variant.kernel + "' is not an entry of the module");
      const std::vector<unsigned> &sizes = it->second;
      if (sizes.size() != variant.numScalarParams)
        return makeError(llvm::formatv(
            "{0}: layer '{1}': kernel '{2}' has {3} parameters, the "
            "manifest's params expand to {4} (3 + 2*rank per memref)",
            ptxName, layer.name, variant.kernel, sizes.size(),
            variant.numScalarParams));
      for (size_t i = 0; i < sizes.size(); ++i)
        if (sizes[i] != 8)
          return makeError(llvm::formatv(
              "{0}: layer '{1}': kernel '{2}' parameter {3} is {4} bytes, "
              "the ABI passes only 64-bit values",
              ptxName, layer.name, variant.kernel, i, sizes[i]));
    }
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Launch-path helpers
//===----------------------------------------------------------------------===//

void awq::runtime::packKernelParams(const VariantSpec &variant, int64_t m,
                                    const LaunchPointers &pointers,
                                    uint64_t *out) {
  for (const ParamSpec &param : variant.params) {
    uint64_t ptr = pointers.byRole[static_cast<unsigned>(param.role)];
    *out++ = ptr; // allocated pointer
    *out++ = ptr; // aligned pointer
    *out++ = 0;   // offset
    size_t rank = param.shape.size();
    int64_t sizes[kMaxRank];
    for (size_t d = 0; d < rank; ++d) {
      sizes[d] = param.shape[d] == -1 ? m : param.shape[d];
      *out++ = static_cast<uint64_t>(sizes[d]);
    }
    // Row-major strides, innermost 1.
    int64_t stride = 1;
    int64_t strides[kMaxRank];
    for (size_t d = rank; d-- > 0;) {
      strides[d] = stride;
      stride *= sizes[d];
    }
    for (size_t d = 0; d < rank; ++d)
      *out++ = static_cast<uint64_t>(strides[d]);
  }
}

const VariantSpec *awq::runtime::selectVariant(const LayerSpec &layer,
                                               int64_t m) {
  // A handful of variants per layer: a linear scan beats a binary search.
  for (const VariantSpec &variant : layer.variants)
    if (m >= variant.mMin && m <= variant.mMax)
      return &variant;
  return nullptr;
}
