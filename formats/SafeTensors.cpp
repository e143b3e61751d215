//===- SafeTensors.cpp - safetensors read/write ---------------------------===//
//
// Validation follows the rules of the reference (Rust) implementation, which
// are stricter than "offsets inside the file": tensors, sorted by offset,
// must tile the data section exactly (start at 0, no gaps, no overlaps, end
// at the end of the file). Any file the reference library accepts is
// accepted here and vice versa for the structural rules.
//
//===----------------------------------------------------------------------===//

#include "formats/SafeTensors.h"
#include "formats/Json.h"
#include "formats/Half.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

using namespace llvm;
using namespace awq::formats;

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

std::optional<int64_t>
awq::formats::checkedNumElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    if (d != 0 && n > (int64_t(1) << 62) / d)
      return std::nullopt;
    n *= d;
  }
  return n;
}

int64_t TensorView::numElements() const {
  return checkedNumElements(shape).value_or(0);
}

template <typename T> static T loadLE(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T)); // x86/ARM hosts are little-endian.
  return v;
}

std::vector<float> TensorView::toFloat() const {
  size_t n = bytes.size() / dtypeSize(dtype);
  std::vector<float> out(n);
  const uint8_t *p = bytes.data();
  for (size_t i = 0; i < n; ++i) {
    switch (dtype) {
    case DType::F64:
      out[i] = float(loadLE<double>(p + 8 * i));
      break;
    case DType::F32:
      out[i] = loadLE<float>(p + 4 * i);
      break;
    case DType::F16:
      out[i] = halfToFloat(loadLE<uint16_t>(p + 2 * i));
      break;
    case DType::BF16:
      out[i] = bf16ToFloat(loadLE<uint16_t>(p + 2 * i));
      break;
    case DType::I64:
      out[i] = float(loadLE<int64_t>(p + 8 * i));
      break;
    case DType::I32:
      out[i] = float(loadLE<int32_t>(p + 4 * i));
      break;
    case DType::I16:
      out[i] = float(loadLE<int16_t>(p + 2 * i));
      break;
    case DType::I8:
      out[i] = float(int8_t(p[i]));
      break;
    case DType::U8:
    case DType::Bool:
      out[i] = float(p[i]);
      break;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

namespace {
/// Builds errors that all start with the file name.
struct Diag {
  StringRef file;
  Error operator()(const Twine &msg) const {
    return createStringError(inconvertibleErrorCode(),
                             "safetensors file '" + file + "': " + msg);
  }
  Error tensor(StringRef name, const Twine &msg) const {
    return (*this)("tensor '" + name + "': " + msg);
  }
};
} // namespace

SafeTensorsFile::~SafeTensorsFile() = default;

Expected<std::unique_ptr<SafeTensorsFile>>
SafeTensorsFile::open(StringRef path) {
  auto bufOrErr = MemoryBuffer::getFile(path, /*IsText=*/false,
                                        /*RequiresNullTerminator=*/false);
  if (!bufOrErr)
    return createStringError(bufOrErr.getError(),
                             "safetensors file '" + path +
                                 "': cannot open: " +
                                 bufOrErr.getError().message());
  return fromBuffer(std::move(*bufOrErr), path);
}

Expected<std::unique_ptr<SafeTensorsFile>>
SafeTensorsFile::fromBuffer(std::unique_ptr<MemoryBuffer> buffer,
                            StringRef displayName) {
  std::unique_ptr<SafeTensorsFile> file(new SafeTensorsFile());
  file->filePath = displayName.str();
  file->buffer = std::move(buffer);
  if (Error err = file->parse())
    return std::move(err);
  return std::move(file);
}

Error SafeTensorsFile::parse() {
  Diag diag{filePath};
  const uint8_t *base =
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
  uint64_t fileSize = buffer->getBufferSize();
  if (fileSize < 8)
    return diag(formatv("truncated: {0} bytes, need at least 8 for the "
                        "header length",
                        fileSize));
  uint64_t headerLen = loadLE<uint64_t>(base);
  if (headerLen > kMaxSafeTensorsHeader)
    return diag(formatv("header length {0} exceeds the limit of {1} bytes",
                        headerLen, kMaxSafeTensorsHeader));
  if (headerLen > fileSize - 8)
    return diag(formatv("truncated: header length {0} but only {1} bytes "
                        "follow the length field",
                        headerLen, fileSize - 8));
  StringRef headerText(reinterpret_cast<const char *>(base + 8), headerLen);
  Expected<json::Value> header = json::parse(headerText);
  if (!header)
    return diag("header is not valid JSON: " + toString(header.takeError()));
  json::Object *root = header->getAsObject();
  if (!root)
    return diag("header is not a JSON object");

  uint64_t dataStart = 8 + headerLen;
  uint64_t dataSize = fileSize - dataStart;
  struct Span {
    uint64_t begin, end;
    size_t tensor;
  };
  std::vector<Span> spans;

  for (auto &kv : *root) {
    StringRef name = kv.first;
    if (name == "__metadata__") {
      json::Object *m = kv.second.getAsObject();
      if (!m)
        return diag("__metadata__ is not a JSON object");
      for (auto &mkv : *m) {
        std::optional<StringRef> s = mkv.second.getAsString();
        if (!s)
          return diag("__metadata__ value for '" + StringRef(mkv.first) +
                      "' is not a string");
        meta[mkv.first.str()] = s->str();
      }
      continue;
    }
    json::Object *t = kv.second.getAsObject();
    if (!t)
      return diag.tensor(name, "header entry is not a JSON object");
    for (auto &field : *t) {
      StringRef f = field.first;
      if (f != "dtype" && f != "shape" && f != "data_offsets")
        return diag.tensor(name, "unknown header field '" + f + "'");
    }
    std::optional<StringRef> dtypeStr = t->getString("dtype");
    if (!dtypeStr)
      return diag.tensor(name, "missing or non-string 'dtype'");
    std::optional<DType> dtype = parseDType(*dtypeStr);
    if (!dtype)
      return diag.tensor(name, "unsupported dtype '" + *dtypeStr + "'");
    json::Array *shapeArr = t->getArray("shape");
    if (!shapeArr)
      return diag.tensor(name, "missing or non-array 'shape'");
    std::vector<int64_t> shape;
    for (json::Value &d : *shapeArr) {
      std::optional<int64_t> v = jsonInteger(d);
      if (!v || *v < 0)
        return diag.tensor(name, "shape entries must be non-negative integers");
      shape.push_back(*v);
    }
    json::Array *offs = t->getArray("data_offsets");
    if (!offs || offs->size() != 2)
      return diag.tensor(name, "'data_offsets' must be an array of two "
                               "integers");
    std::optional<uint64_t> b = (*offs)[0].getAsUINT64();
    std::optional<uint64_t> e = (*offs)[1].getAsUINT64();
    if (!b || !e)
      return diag.tensor(name, "'data_offsets' must be non-negative integers");
    if (*b > *e)
      return diag.tensor(name, formatv("data_offsets [{0}, {1}] are reversed",
                                       *b, *e));
    if (*e > dataSize)
      return diag.tensor(name,
                         formatv("data_offsets [{0}, {1}] extend past the end "
                                 "of the data section ({2} bytes): file "
                                 "truncated or offsets corrupt",
                                 *b, *e, dataSize));
    std::optional<int64_t> numel = checkedNumElements(shape);
    if (!numel)
      return diag.tensor(name, "shape element count overflows");
    uint64_t expected = uint64_t(*numel) * dtypeSize(*dtype);
    if (expected / dtypeSize(*dtype) != uint64_t(*numel) ||
        expected != *e - *b)
      return diag.tensor(name,
                         formatv("byte length {0} does not match dtype {1} x "
                                 "shape ({2} elements = {3} bytes)",
                                 *e - *b, *dtypeStr, *numel, expected));
    TensorView view;
    view.name = name.str();
    view.dtype = *dtype;
    view.shape = std::move(shape);
    view.bytes = ArrayRef<uint8_t>(base + dataStart + *b, *e - *b);
    spans.push_back({*b, *e, tensorList.size()});
    tensorList.push_back(std::move(view));
  }

  // Tiling rule: sorted by offset, each tensor starts where the previous one
  // ended. Zero-size tensors may share an offset.
  llvm::sort(spans, [](const Span &a, const Span &b) {
    return std::tie(a.begin, a.end, a.tensor) <
           std::tie(b.begin, b.end, b.tensor);
  });
  uint64_t cursor = 0;
  const TensorView *prev = nullptr;
  for (const Span &s : spans) {
    const TensorView &t = tensorList[s.tensor];
    if (s.begin < cursor)
      return diag.tensor(t.name,
                         formatv("data_offsets [{0}, {1}] overlap tensor "
                                 "'{2}' (which ends at {3})",
                                 s.begin, s.end, prev ? prev->name : "",
                                 cursor));
    if (s.begin > cursor)
      return diag.tensor(t.name, formatv("gap in data section: bytes [{0}, "
                                         "{1}) belong to no tensor",
                                         cursor, s.begin));
    cursor = s.end;
    prev = &t;
  }
  if (cursor != dataSize)
    return diag(formatv("data section has {0} bytes but tensors cover only "
                        "{1}: trailing bytes belong to no tensor",
                        dataSize, cursor));

  // Keep tensors in data order: deterministic, and that of the writer.
  std::vector<TensorView> ordered;
  ordered.reserve(tensorList.size());
  for (const Span &s : spans)
    ordered.push_back(std::move(tensorList[s.tensor]));
  tensorList = std::move(ordered);
  for (size_t i = 0; i < tensorList.size(); ++i)
    index[tensorList[i].name] = i;
  return Error::success();
}

const TensorView *SafeTensorsFile::lookup(StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &tensorList[it->second];
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

Error SafeTensorsWriter::add(StringRef name, DType dtype,
                             ArrayRef<int64_t> shape, ArrayRef<uint8_t> bytes) {
  if (name.empty() || name == "__metadata__")
    return createStringError(inconvertibleErrorCode(),
                             "safetensors writer: invalid tensor name '" +
                                 name + "'");
  if (entries.count(name.str()))
    return createStringError(inconvertibleErrorCode(),
                             "safetensors writer: duplicate tensor '" + name +
                                 "'");
  std::optional<int64_t> numel = checkedNumElements(shape);
  if (!numel || uint64_t(*numel) * dtypeSize(dtype) != bytes.size())
    return createStringError(
        inconvertibleErrorCode(),
        formatv("safetensors writer: tensor '{0}': {1} bytes do not match "
                "dtype {2} x shape",
                name, bytes.size(), dtypeName(dtype)));
  entries[name.str()] = Entry{dtype, shape.vec(), bytes.vec()};
  return Error::success();
}

Error SafeTensorsWriter::addF32(StringRef name, ArrayRef<int64_t> shape,
                                ArrayRef<float> values) {
  return add(name, DType::F32, shape,
             ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                               values.size() * 4));
}

Error SafeTensorsWriter::addI32(StringRef name, ArrayRef<int64_t> shape,
                                ArrayRef<int32_t> values) {
  return add(name, DType::I32, shape,
             ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                               values.size() * 4));
}

Error SafeTensorsWriter::addF16Bits(StringRef name, ArrayRef<int64_t> shape,
                                    ArrayRef<uint16_t> values) {
  return add(name, DType::F16, shape,
             ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                               values.size() * 2));
}

uint64_t SafeTensorsWriter::dataBytes() const {
  uint64_t total = 0;
  for (auto &e : entries)
    total += e.second.bytes.size();
  return total;
}

std::string SafeTensorsWriter::serialize() const {
  std::vector<const std::pair<const std::string, Entry> *> order;
  for (auto &e : entries)
    order.push_back(&e);
  // Larger elements first keeps every tensor aligned to its element size.
  llvm::sort(order, [](auto *a, auto *b) {
    size_t sa = dtypeSize(a->second.dtype), sb = dtypeSize(b->second.dtype);
    return sa != sb ? sa > sb : a->first < b->first;
  });

  // The header is written by hand (not json::Object, which is unordered) so
  // that the byte stream is deterministic: metadata first, then tensors in
  // data order.
  std::string header;
  raw_string_ostream os(header);
  os << '{';
  bool first = true;
  if (!meta.empty()) {
    os << "\"__metadata__\":{";
    bool firstMeta = true;
    for (auto &kv : meta) {
      if (!firstMeta)
        os << ',';
      firstMeta = false;
      os << json::Value(kv.first) << ':' << json::Value(kv.second);
    }
    os << '}';
    first = false;
  }
  uint64_t offset = 0;
  for (auto *e : order) {
    if (!first)
      os << ',';
    first = false;
    os << json::Value(e->first) << ":{\"dtype\":\""
       << dtypeName(e->second.dtype) << "\",\"shape\":[";
    for (size_t i = 0; i < e->second.shape.size(); ++i)
      os << (i ? "," : "") << e->second.shape[i];
    uint64_t end = offset + e->second.bytes.size();
    os << "],\"data_offsets\":[" << offset << ',' << end << "]}";
    offset = end;
  }
  os << '}';
  os.flush();
  while ((8 + header.size()) % 8)
    header.push_back(' ');

  std::string out;
  out.reserve(8 + header.size() + offset);
  uint64_t len = header.size();
  out.append(reinterpret_cast<const char *>(&len), 8);
  out += header;
  for (auto *e : order)
    out.append(reinterpret_cast<const char *>(e->second.bytes.data()),
               e->second.bytes.size());
  return out;
}

Error awq::formats::writeFileAtomically(StringRef path, StringRef contents) {
  SmallString<256> tmpPath;
  int fd = -1;
  if (std::error_code ec =
          sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, tmpPath))
    return createStringError(ec, "cannot create temporary file for '" + path +
                                     "': " + ec.message());
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(contents.data(), contents.size());
    os.close();
    if (os.has_error()) {
      std::error_code ec = os.error();
      os.clear_error();
      sys::fs::remove(tmpPath);
      return createStringError(ec, "cannot write '" + tmpPath +
                                       "': " + ec.message());
    }
  }
  if (std::error_code ec = sys::fs::rename(tmpPath, path)) {
    sys::fs::remove(tmpPath);
    return createStringError(ec, "cannot rename '" + tmpPath + "' to '" +
                                     path + "': " + ec.message());
  }
  return Error::success();
}

Error SafeTensorsWriter::write(StringRef path) const {
  return writeFileAtomically(path, serialize());
}

//===----------------------------------------------------------------------===//
// Sharded models
//===----------------------------------------------------------------------===//

static Error modelError(StringRef path, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           "safetensors model '" + path + "': " + msg);
}

Expected<StringMap<std::string>>
awq::formats::parseShardIndex(StringRef json, StringRef indexPath) {
  Expected<json::Value> idx = json::parse(json);
  if (!idx)
    return modelError(indexPath, "invalid JSON: " + toString(idx.takeError()));
  json::Object *root = idx->getAsObject();
  json::Object *wm = root ? root->getObject("weight_map") : nullptr;
  if (!wm)
    return modelError(indexPath, "missing 'weight_map' object");
  StringMap<std::string> weightMap;
  for (auto &kv : *wm) {
    std::optional<StringRef> f = kv.second.getAsString();
    if (!f || f->empty() || f->contains('/') || f->contains('\\'))
      return modelError(indexPath, "weight_map entry for '" +
                                       StringRef(kv.first) +
                                       "' is not a plain file name");
    weightMap[kv.first] = f->str();
  }
  return std::move(weightMap);
}

Expected<std::unique_ptr<SafeTensorsModel>>
SafeTensorsModel::open(StringRef path) {
  auto model = std::make_unique<SafeTensorsModel>();
  SmallString<256> indexPath;
  std::vector<std::string> files;
  StringMap<std::string> weightMap;
  SmallString<256> dir;

  if (sys::fs::is_directory(path)) {
    dir = path;
    indexPath = path;
    sys::path::append(indexPath, "model.safetensors.index.json");
    if (!sys::fs::exists(indexPath)) {
      indexPath.clear();
      std::error_code ec;
      for (sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
           it.increment(ec))
        if (StringRef(it->path()).ends_with(".safetensors"))
          files.push_back(it->path());
      if (ec)
        return modelError(path, "cannot list directory: " + ec.message());
      llvm::sort(files);
      if (files.empty())
        return modelError(path, "no *.safetensors files and no "
                                "model.safetensors.index.json");
    }
  } else if (path.ends_with(".json")) {
    indexPath = path;
    dir = sys::path::parent_path(path);
  } else {
    files.push_back(path.str());
  }

  if (!indexPath.empty()) {
    auto buf = MemoryBuffer::getFile(indexPath, /*IsText=*/true);
    if (!buf)
      return modelError(indexPath, "cannot read: " + buf.getError().message());
    auto parsed = parseShardIndex((*buf)->getBuffer(), indexPath);
    if (!parsed)
      return parsed.takeError();
    weightMap = std::move(*parsed);
    StringSet<> seen;
    for (auto &kv : weightMap)
      if (seen.insert(kv.second).second) {
        SmallString<256> p(dir);
        sys::path::append(p, kv.second);
        files.push_back(std::string(p));
      }
    llvm::sort(files);
  }

  for (const std::string &f : files) {
    auto shard = SafeTensorsFile::open(f);
    if (!shard)
      return shard.takeError();
    for (const TensorView &t : (*shard)->tensors()) {
      auto [it, inserted] = model->byName.try_emplace(t.name, &t);
      if (!inserted)
        return modelError(path, "tensor '" + t.name + "' appears in two "
                                "shards, including '" + f + "'");
    }
    model->shards.push_back(std::move(*shard));
  }
  for (auto &kv : weightMap) {
    auto it = model->byName.find(kv.first());
    if (it == model->byName.end())
      return modelError(indexPath, "tensor '" + kv.first() +
                                       "' listed in weight_map is missing "
                                       "from shard '" + kv.second + "'");
  }
  return std::move(model);
}

const TensorView *SafeTensorsModel::lookup(StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second;
}

std::vector<std::string> SafeTensorsModel::tensorNames() const {
  std::vector<std::string> names;
  for (auto &kv : byName)
    names.push_back(kv.first().str());
  llvm::sort(names);
  return names;
}

const std::map<std::string, std::string> &SafeTensorsModel::metadata() const {
  static const std::map<std::string, std::string> empty;
  return shards.empty() ? empty : shards.front()->metadata();
}

Error awq::formats::writeShardedModel(
    StringRef dir, ArrayRef<TensorView> tensors, uint64_t maxShardBytes,
    const std::map<std::string, std::string> &meta) {
  if (std::error_code ec = sys::fs::create_directories(dir))
    return modelError(dir, "cannot create directory: " + ec.message());
  std::vector<const TensorView *> sorted;
  for (const TensorView &t : tensors)
    sorted.push_back(&t);
  llvm::sort(sorted, [](const TensorView *a, const TensorView *b) {
    return a->name < b->name;
  });
  std::vector<SafeTensorsWriter> shards(1);
  uint64_t total = 0, current = 0;
  for (const TensorView *t : sorted) {
    if (current > 0 && current + t->bytes.size() > maxShardBytes) {
      shards.emplace_back();
      current = 0;
    }
    if (Error err = shards.back().addView(*t))
      return err;
    current += t->bytes.size();
    total += t->bytes.size();
  }
  for (SafeTensorsWriter &w : shards)
    for (auto &kv : meta)
      w.setMetadata(kv.first, kv.second);

  auto join = [&](StringRef name) {
    SmallString<256> p(dir);
    sys::path::append(p, name);
    return std::string(p);
  };
  if (shards.size() == 1)
    return shards[0].write(join("model.safetensors"));

  json::Object weightMap;
  size_t n = shards.size();
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) {
    char buf[64];
    snprintf(buf, sizeof(buf), "model-%05zu-of-%05zu.safetensors", i + 1, n);
    names.push_back(buf);
  }
  for (size_t i = 0; i < n; ++i)
    if (Error err = shards[i].write(join(names[i])))
      return err;
  size_t shardIdx = 0;
  uint64_t cur = 0;
  for (const TensorView *t : sorted) {
    if (cur > 0 && cur + t->bytes.size() > maxShardBytes) {
      ++shardIdx;
      cur = 0;
    }
    weightMap[t->name] = names[shardIdx];
    cur += t->bytes.size();
  }
  json::Object index{{"metadata", json::Object{{"total_size", total}}},
                     {"weight_map", std::move(weightMap)}};
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", json::Value(std::move(index))) << '\n';
  os.flush();
  // The index is written last: a reader never sees an index naming shards
  // that are not complete.
  return writeFileAtomically(join("model.safetensors.index.json"), text);
}
