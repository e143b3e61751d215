//===- Gguf.cpp - GGUF (llama.cpp) reader ---------------------------------===//
//
// Block layouts (ggml-common.h), restated from the format definition:
//   Q4_0 (32 values, 18 B): f16 d; u8 qs[16]. Value j (<16) is the low
//        nibble of qs[j], value j+16 the high nibble; x = (q - 8) * d.
//   Q4_1 (32, 20 B): f16 d, f16 m; u8 qs[16] as Q4_0; x = q * d + m.
//   Q8_0 (32, 34 B): f16 d; i8 qs[32]; x = q * d.
//   Q4_K (256, 144 B): f16 d, f16 dmin; u8 scales[12] (eight 6-bit scale/min
//        pairs); u8 qs[128]. Each 64-value chunk c uses the low nibbles of
//        qs[32c..32c+31] with pair 2c, then the high nibbles with pair 2c+1;
//        x = d*sc * q - dmin*m.
//   Q6_K (256, 210 B): u8 ql[128], u8 qh[64], i8 scales[16], f16 d; 6-bit
//        q = low 4 bits from ql, high 2 from qh, x = d * scale * (q - 32).
// Arithmetic order follows ggml's reference (CPU) dequantizers so results
// are bit-identical to theirs.
//
//===----------------------------------------------------------------------===//

#include "formats/Gguf.h"
#include "formats/Json.h"
#include "formats/Half.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace llvm;
using namespace awq::formats;

//===----------------------------------------------------------------------===//
// Types and dequantization
//===----------------------------------------------------------------------===//

std::string awq::formats::ggmlTypeName(uint32_t type) {
  switch (GgmlType(type)) {
  case GgmlType::F32:
    return "F32";
  case GgmlType::F16:
    return "F16";
  case GgmlType::Q4_0:
    return "Q4_0";
  case GgmlType::Q4_1:
    return "Q4_1";
  case GgmlType::Q5_0:
    return "Q5_0";
  case GgmlType::Q5_1:
    return "Q5_1";
  case GgmlType::Q8_0:
    return "Q8_0";
  case GgmlType::Q8_1:
    return "Q8_1";
  case GgmlType::Q2_K:
    return "Q2_K";
  case GgmlType::Q3_K:
    return "Q3_K";
  case GgmlType::Q4_K:
    return "Q4_K";
  case GgmlType::Q5_K:
    return "Q5_K";
  case GgmlType::Q6_K:
    return "Q6_K";
  case GgmlType::Q8_K:
    return "Q8_K";
  case GgmlType::BF16:
    return "BF16";
  }
  return "type" + std::to_string(type);
}

bool awq::formats::ggmlBlockInfo(uint32_t type, int64_t &blockElems,
                               int64_t &blockBytes) {
  switch (GgmlType(type)) {
  case GgmlType::F32:
    blockElems = 1, blockBytes = 4;
    return true;
  case GgmlType::F16:
  case GgmlType::BF16:
    blockElems = 1, blockBytes = 2;
    return true;
  case GgmlType::Q4_0:
    blockElems = 32, blockBytes = 18;
    return true;
  case GgmlType::Q4_1:
    blockElems = 32, blockBytes = 20;
    return true;
  case GgmlType::Q5_0:
    blockElems = 32, blockBytes = 22;
    return true;
  case GgmlType::Q5_1:
    blockElems = 32, blockBytes = 24;
    return true;
  case GgmlType::Q8_0:
    blockElems = 32, blockBytes = 34;
    return true;
  case GgmlType::Q8_1:
    blockElems = 32, blockBytes = 36;
    return true;
  case GgmlType::Q2_K:
    blockElems = 256, blockBytes = 84;
    return true;
  case GgmlType::Q3_K:
    blockElems = 256, blockBytes = 110;
    return true;
  case GgmlType::Q4_K:
    blockElems = 256, blockBytes = 144;
    return true;
  case GgmlType::Q5_K:
    blockElems = 256, blockBytes = 176;
    return true;
  case GgmlType::Q6_K:
    blockElems = 256, blockBytes = 210;
    return true;
  case GgmlType::Q8_K:
    blockElems = 256, blockBytes = 292;
    return true;
  }
  return false;
}

bool awq::formats::ggmlCanDequantize(uint32_t type) {
  switch (GgmlType(type)) {
  case GgmlType::F32:
  case GgmlType::F16:
  case GgmlType::BF16:
  case GgmlType::Q4_0:
  case GgmlType::Q4_1:
  case GgmlType::Q8_0:
  case GgmlType::Q4_K:
  case GgmlType::Q6_K:
    return true;
  default:
    return false;
  }
}

static uint16_t rd16(const uint8_t *p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

static float rdHalf(const uint8_t *p) { return halfToFloat(rd16(p)); }

/// The 6-bit scale and min of sub-block j of a Q4_K block: sub-blocks 0..3
/// keep theirs in the low 6 bits of bytes j and j+4; sub-blocks 4..7 take
/// their low 4 bits from byte j+4 and the top 2 bits from the spare high
/// bits of bytes j-4 (scale) and j (min).
static void q4kScaleMin(int j, const uint8_t *s, uint8_t &sc, uint8_t &m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

static void dequantBlock(GgmlType type, const uint8_t *b, float *y) {
  switch (type) {
  case GgmlType::Q4_0: {
    float d = rdHalf(b);
    const uint8_t *qs = b + 2;
    for (int j = 0; j < 16; ++j) {
      y[j] = float(int(qs[j] & 0x0f) - 8) * d;
      y[j + 16] = float(int(qs[j] >> 4) - 8) * d;
    }
    return;
  }
  case GgmlType::Q4_1: {
    float d = rdHalf(b), m = rdHalf(b + 2);
    const uint8_t *qs = b + 4;
    for (int j = 0; j < 16; ++j) {
      y[j] = float(qs[j] & 0x0f) * d + m;
      y[j + 16] = float(qs[j] >> 4) * d + m;
    }
    return;
  }
  case GgmlType::Q8_0: {
    float d = rdHalf(b);
    for (int j = 0; j < 32; ++j)
      y[j] = float(int8_t(b[2 + j])) * d;
    return;
  }
  case GgmlType::Q4_K: {
    float d = rdHalf(b), dmin = rdHalf(b + 2);
    const uint8_t *scales = b + 4, *q = b + 16;
    for (int c = 0; c < 4; ++c) {
      uint8_t sc, m;
      q4kScaleMin(2 * c, scales, sc, m);
      float d1 = d * float(sc), m1 = dmin * float(m);
      q4kScaleMin(2 * c + 1, scales, sc, m);
      float d2 = d * float(sc), m2 = dmin * float(m);
      for (int l = 0; l < 32; ++l)
        y[64 * c + l] = d1 * float(q[32 * c + l] & 0x0f) - m1;
      for (int l = 0; l < 32; ++l)
        y[64 * c + 32 + l] = d2 * float(q[32 * c + l] >> 4) - m2;
    }
    return;
  }
  case GgmlType::Q6_K: {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = reinterpret_cast<const int8_t *>(b + 192);
    float d = rdHalf(b + 208);
    // Two halves of 128 values; within a half, value l + 32·r (r = 0..3)
    // takes nibble (r / 2) of ql[l + 32·(r % 2)] and bits 2r..2r+1 of qh[l].
    for (int h = 0; h < 2; ++h) {
      const uint8_t *L = ql + 64 * h, *H = qh + 32 * h;
      const int8_t *S = sc + 8 * h;
      float *out = y + 128 * h;
      for (int l = 0; l < 32; ++l) {
        int is = l / 16;
        int q1 = int((L[l] & 0x0f) | (((H[l] >> 0) & 3) << 4)) - 32;
        int q2 = int((L[l + 32] & 0x0f) | (((H[l] >> 2) & 3) << 4)) - 32;
        int q3 = int((L[l] >> 4) | (((H[l] >> 4) & 3) << 4)) - 32;
        int q4 = int((L[l + 32] >> 4) | (((H[l] >> 6) & 3) << 4)) - 32;
        out[l] = d * float(S[is]) * float(q1);
        out[l + 32] = d * float(S[is + 2]) * float(q2);
        out[l + 64] = d * float(S[is + 4]) * float(q3);
        out[l + 96] = d * float(S[is + 6]) * float(q4);
      }
    }
    return;
  }
  default:
    return;
  }
}

Error awq::formats::dequantizeGgml(uint32_t type, ArrayRef<uint8_t> data,
                                 int64_t numElements, float *out) {
  int64_t be, bb;
  if (!ggmlCanDequantize(type) || !ggmlBlockInfo(type, be, bb))
    return createStringError(inconvertibleErrorCode(),
                             "cannot dequantize ggml type " +
                                 ggmlTypeName(type));
  if (numElements < 0 || numElements % be != 0 ||
      uint64_t(numElements / be * bb) != data.size())
    return createStringError(
        inconvertibleErrorCode(),
        formatv("{0}: {1} elements do not match {2} data bytes",
                ggmlTypeName(type), numElements, data.size()));
  if (numElements == 0) // Empty tensors: nothing to read (data() may be null).
    return Error::success();
  const uint8_t *p = data.data();
  switch (GgmlType(type)) {
  case GgmlType::F32:
    std::memcpy(out, p, numElements * 4);
    return Error::success();
  case GgmlType::F16:
    for (int64_t i = 0; i < numElements; ++i)
      out[i] = rdHalf(p + 2 * i);
    return Error::success();
  case GgmlType::BF16:
    for (int64_t i = 0; i < numElements; ++i)
      out[i] = bf16ToFloat(rd16(p + 2 * i));
    return Error::success();
  default:
    for (int64_t i = 0; i < numElements / be; ++i)
      dequantBlock(GgmlType(type), p + i * bb, out + i * be);
    return Error::success();
  }
}

//===----------------------------------------------------------------------===//
// Reader
//===----------------------------------------------------------------------===//

namespace {
enum ValueType : uint32_t {
  VT_U8 = 0,
  VT_I8,
  VT_U16,
  VT_I16,
  VT_U32,
  VT_I32,
  VT_F32,
  VT_BOOL,
  VT_STRING,
  VT_ARRAY,
  VT_U64,
  VT_I64,
  VT_F64,
};

/// A bounds-checked little-endian cursor; every read failure reports the
/// byte offset and what was being read.
struct Cursor {
  const uint8_t *base;
  uint64_t size, pos = 0;
  StringRef file;

  Error err(const Twine &what) const {
    return createStringError(inconvertibleErrorCode(),
                             "GGUF file '" + file + "': " + what);
  }
  Error truncated(const Twine &what) const {
    return err(formatv("truncated at byte {0} while reading ", pos) + what);
  }
  template <typename T> Error read(T &v, const Twine &what) {
    if (size - pos < sizeof(T))
      return truncated(what);
    std::memcpy(&v, base + pos, sizeof(T));
    pos += sizeof(T);
    return Error::success();
  }
  Error readString(std::string &s, const Twine &what) {
    uint64_t len;
    if (Error e = read(len, what))
      return e;
    if (len > size - pos)
      return err(formatv("string of length {0} at byte {1} runs past the end "
                         "of the file (",
                         len, pos - 8) +
                 what + ")");
    s.assign(reinterpret_cast<const char *>(base + pos), len);
    pos += len;
    return Error::success();
  }
};

size_t scalarSize(uint32_t t) {
  switch (t) {
  case VT_U8:
  case VT_I8:
  case VT_BOOL:
    return 1;
  case VT_U16:
  case VT_I16:
    return 2;
  case VT_U32:
  case VT_I32:
  case VT_F32:
    return 4;
  case VT_U64:
  case VT_I64:
  case VT_F64:
    return 8;
  default:
    return 0;
  }
}

std::string utf8(std::string s) {
  return json::isUTF8(s) ? s : json::fixUTF8(s);
}

Error readValue(Cursor &c, uint32_t type, json::Value &out, StringRef key,
                bool inArray) {
  auto what = [&] { return "value of key '" + utf8(key.str()) + "'"; };
  switch (type) {
#define SCALAR(VT, CT)                                                         \
  case VT: {                                                                   \
    CT v;                                                                      \
    if (Error e = c.read(v, what()))                                           \
      return e;                                                                \
    out = json::Value(v);                                                      \
    return Error::success();                                                   \
  }
    SCALAR(VT_U8, uint8_t)
    SCALAR(VT_I8, int8_t)
    SCALAR(VT_U16, uint16_t)
    SCALAR(VT_I16, int16_t)
    SCALAR(VT_U32, uint32_t)
    SCALAR(VT_I32, int32_t)
    SCALAR(VT_U64, uint64_t)
    SCALAR(VT_I64, int64_t)
#undef SCALAR
  case VT_F32: {
    float v;
    if (Error e = c.read(v, what()))
      return e;
    out = json::Value(double(v));
    return Error::success();
  }
  case VT_F64: {
    double v;
    if (Error e = c.read(v, what()))
      return e;
    out = json::Value(v);
    return Error::success();
  }
  case VT_BOOL: {
    uint8_t v;
    if (Error e = c.read(v, what()))
      return e;
    if (v > 1)
      return c.err(formatv("bool value {0} of key '{1}' is not 0 or 1", v,
                           utf8(key.str())));
    out = json::Value(bool(v));
    return Error::success();
  }
  case VT_STRING: {
    std::string s;
    if (Error e = c.readString(s, what()))
      return e;
    out = json::Value(utf8(std::move(s)));
    return Error::success();
  }
  case VT_ARRAY: {
    if (inArray)
      return c.err("nested arrays are not supported (key '" + utf8(key.str()) +
                   "')");
    uint32_t elemType;
    uint64_t count;
    if (Error e = c.read(elemType, what()))
      return e;
    if (Error e = c.read(count, what()))
      return e;
    if (elemType > VT_F64)
      return c.err(formatv("array of key '{0}' has unknown element type {1}",
                           utf8(key.str()), elemType));
    // Every element takes at least one byte (strings at least 8): reject
    // counts that cannot fit before allocating anything.
    uint64_t minSize = elemType == VT_STRING ? 8 : scalarSize(elemType);
    if (elemType == VT_ARRAY)
      return c.err("nested arrays are not supported (key '" + utf8(key.str()) +
                   "')");
    if (count > (c.size - c.pos) / minSize)
      return c.err(formatv("array of key '{0}' claims {1} elements, more "
                           "than the remaining {2} bytes can hold",
                           utf8(key.str()), count, c.size - c.pos));
    json::Array arr;
    arr.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      json::Value v(nullptr);
      if (Error e = readValue(c, elemType, v, key, /*inArray=*/true))
        return e;
      arr.push_back(std::move(v));
    }
    out = json::Value(std::move(arr));
    return Error::success();
  }
  default:
    return c.err(formatv("key '{0}' has unknown value type {1}",
                         utf8(key.str()), type));
  }
}
} // namespace

int64_t GgufTensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : ne)
    n *= d;
  return n;
}

std::vector<int64_t> GgufTensorInfo::shape() const {
  return std::vector<int64_t>(ne.rbegin(), ne.rend());
}

GgufFile::~GgufFile() = default;

Expected<std::unique_ptr<GgufFile>> GgufFile::open(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return createStringError(buf.getError(), "GGUF file '" + path +
                                                 "': cannot open: " +
                                                 buf.getError().message());
  return fromBuffer(std::move(*buf), path);
}

Expected<std::unique_ptr<GgufFile>>
GgufFile::fromBuffer(std::unique_ptr<MemoryBuffer> buffer,
                     StringRef displayName) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->filePath = displayName.str();
  f->buffer = std::move(buffer);
  if (Error e = f->parse())
    return std::move(e);
  return std::move(f);
}

Error GgufFile::parse() {
  Cursor c{reinterpret_cast<const uint8_t *>(buffer->getBufferStart()),
           buffer->getBufferSize(), 0, filePath};
  char magic[4];
  if (Error e = c.read(magic, "magic"))
    return e;
  if (std::memcmp(magic, "GGUF", 4) != 0)
    return c.err("bad magic (not a GGUF file)");
  if (Error e = c.read(ver, "version"))
    return e;
  if (ver != 2 && ver != 3)
    return c.err(formatv("unsupported GGUF version {0} (expected 2 or 3)",
                         ver));
  uint64_t nTensors, nKv;
  if (Error e = c.read(nTensors, "tensor count"))
    return e;
  if (Error e = c.read(nKv, "metadata count"))
    return e;
  // Each kv needs >= 13 bytes and each tensor info >= 24: a cheap bound that
  // stops absurd counts before any allocation.
  if (nKv > (c.size - c.pos) / 13 || nTensors > (c.size - c.pos) / 24)
    return c.err(formatv("header claims {0} tensors and {1} metadata keys, "
                         "more than the file size allows",
                         nTensors, nKv));

  for (uint64_t i = 0; i < nKv; ++i) {
    std::string key;
    if (Error e = c.readString(key, formatv("metadata key #{0}", i)))
      return e;
    key = utf8(std::move(key));
    uint32_t type;
    if (Error e = c.read(type, "type of key '" + key + "'"))
      return e;
    json::Value v(nullptr);
    if (Error e = readValue(c, type, v, key, /*inArray=*/false))
      return e;
    if (keyTypes.count(key))
      return c.err("duplicate metadata key '" + key + "'");
    keyTypes[key] = type;
    keys.push_back(key);
    meta[key] = std::move(v);
  }
  if (auto it = keyTypes.find("general.alignment"); it != keyTypes.end()) {
    std::optional<int64_t> a = jsonInteger(meta, "general.alignment");
    if (it->second != VT_U32 || !a || *a <= 0 || (*a & (*a - 1)) != 0)
      return c.err("general.alignment must be a u32 power of two");
    align = uint64_t(*a);
  }

  for (uint64_t i = 0; i < nTensors; ++i) {
    GgufTensorInfo t;
    if (Error e = c.readString(t.name, formatv("name of tensor #{0}", i)))
      return e;
    t.name = utf8(std::move(t.name));
    uint32_t nDims;
    if (Error e = c.read(nDims, "dimension count of tensor '" + t.name + "'"))
      return e;
    if (nDims == 0 || nDims > 4)
      return c.err(formatv("tensor '{0}': {1} dimensions (expected 1..4)",
                           t.name, nDims));
    int64_t numel = 1;
    for (uint32_t d = 0; d < nDims; ++d) {
      uint64_t ne;
      if (Error e = c.read(ne, "shape of tensor '" + t.name + "'"))
        return e;
      if (ne > (uint64_t(1) << 40) || (ne && uint64_t(numel) > (uint64_t(1) << 50) / ne))
        return c.err(formatv("tensor '{0}': dimension {1} = {2} is too large",
                             t.name, d, ne));
      numel *= int64_t(ne);
      t.ne.push_back(int64_t(ne));
    }
    if (Error e = c.read(t.type, "type of tensor '" + t.name + "'"))
      return e;
    if (Error e = c.read(t.offset, "offset of tensor '" + t.name + "'"))
      return e;
    int64_t be, bb;
    if (!ggmlBlockInfo(t.type, be, bb))
      return c.err(formatv("tensor '{0}': unknown ggml type {1}", t.name,
                           t.type));
    if (t.ne[0] % be != 0)
      return c.err(formatv("tensor '{0}': row length {1} is not a multiple "
                           "of the {2} block size {3}",
                           t.name, t.ne[0], ggmlTypeName(t.type), be));
    if (index.count(t.name))
      return c.err("duplicate tensor name '" + t.name + "'");
    index[t.name] = infos.size();
    infos.push_back(std::move(t));
  }

  uint64_t dataStart = (c.pos + align - 1) / align * align;
  if (infos.empty())
    return Error::success();
  if (dataStart > c.size)
    return c.err(formatv("truncated: data section would start at byte {0} "
                         "but the file has {1} bytes",
                         dataStart, c.size));
  uint64_t dataSize = c.size - dataStart;
  std::vector<size_t> order(infos.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  for (GgufTensorInfo &t : infos) {
    int64_t be, bb;
    ggmlBlockInfo(t.type, be, bb);
    uint64_t nbytes = uint64_t(t.numElements() / be) * uint64_t(bb);
    if (t.offset % align != 0)
      return c.err(formatv("tensor '{0}': offset {1} is not a multiple of "
                           "the alignment {2}",
                           t.name, t.offset, align));
    if (t.offset > dataSize || nbytes > dataSize - t.offset)
      return c.err(formatv("tensor '{0}': data [{1}, {2}) lies outside the "
                           "data section of {3} bytes (file truncated?)",
                           t.name, t.offset, t.offset + nbytes, dataSize));
    t.data = ArrayRef<uint8_t>(c.base + dataStart + t.offset, nbytes);
  }
  llvm::sort(order, [&](size_t a, size_t b) {
    return infos[a].offset < infos[b].offset ||
           (infos[a].offset == infos[b].offset && a < b);
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const GgufTensorInfo &p = infos[order[i - 1]], &t = infos[order[i]];
    if (t.offset < p.offset + p.data.size())
      return c.err(formatv("tensor '{0}' (offset {1}) overlaps tensor '{2}' "
                           "(bytes [{3}, {4}))",
                           t.name, t.offset, p.name, p.offset,
                           p.offset + p.data.size()));
  }
  return Error::success();
}

uint32_t GgufFile::metadataType(StringRef key) const {
  auto it = keyTypes.find(key);
  return it == keyTypes.end() ? ~0u : it->second;
}

const GgufTensorInfo *GgufFile::lookup(StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &infos[it->second];
}

Expected<std::vector<float>>
GgufFile::dequantize(const GgufTensorInfo &info) const {
  std::vector<float> out(info.numElements());
  if (Error e = dequantizeGgml(info.type, info.data, info.numElements(),
                               out.data()))
    return createStringError(inconvertibleErrorCode(),
                             "GGUF file '" + filePath + "': tensor '" +
                                 info.name + "': " + toString(std::move(e)));
  return std::move(out);
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

static void putBytes(std::string &s, const void *p, size_t n) {
  s.append(static_cast<const char *>(p), n);
}
template <typename T> static void put(std::string &s, T v) {
  putBytes(s, &v, sizeof(T));
}
static void putString(std::string &s, StringRef str) {
  put<uint64_t>(s, str.size());
  putBytes(s, str.data(), str.size());
}

void GgufWriter::addString(StringRef key, StringRef value) {
  putString(kvBytes, key);
  put<uint32_t>(kvBytes, VT_STRING);
  putString(kvBytes, value);
  ++kvCount;
}

void GgufWriter::addU32(StringRef key, uint32_t value) {
  putString(kvBytes, key);
  put<uint32_t>(kvBytes, VT_U32);
  put<uint32_t>(kvBytes, value);
  ++kvCount;
}

void GgufWriter::addF32(StringRef key, float value) {
  putString(kvBytes, key);
  put<uint32_t>(kvBytes, VT_F32);
  put<float>(kvBytes, value);
  ++kvCount;
}

void GgufWriter::addBool(StringRef key, bool value) {
  putString(kvBytes, key);
  put<uint32_t>(kvBytes, VT_BOOL);
  put<uint8_t>(kvBytes, value ? 1 : 0);
  ++kvCount;
}

void GgufWriter::addStringArray(StringRef key, ArrayRef<std::string> values) {
  putString(kvBytes, key);
  put<uint32_t>(kvBytes, VT_ARRAY);
  put<uint32_t>(kvBytes, VT_STRING);
  put<uint64_t>(kvBytes, values.size());
  for (const std::string &v : values)
    putString(kvBytes, v);
  ++kvCount;
}

void GgufWriter::addI32Array(StringRef key, ArrayRef<int32_t> values) {
  putString(kvBytes, key);
  put<uint32_t>(kvBytes, VT_ARRAY);
  put<uint32_t>(kvBytes, VT_I32);
  put<uint64_t>(kvBytes, values.size());
  for (int32_t v : values)
    put<int32_t>(kvBytes, v);
  ++kvCount;
}

Error GgufWriter::addTensor(StringRef name, ArrayRef<int64_t> ne,
                            GgmlType type, ArrayRef<uint8_t> data) {
  int64_t be, bb;
  if (!ggmlBlockInfo(uint32_t(type), be, bb) || ne.empty() || ne[0] % be)
    return createStringError(inconvertibleErrorCode(),
                             "GGUF writer: tensor '" + name +
                                 "': bad type or shape");
  int64_t n = 1;
  for (int64_t d : ne)
    n *= d;
  if (uint64_t(n / be * bb) != data.size())
    return createStringError(inconvertibleErrorCode(),
                             "GGUF writer: tensor '" + name +
                                 "': data size does not match shape");
  tensorsToWrite.push_back({name.str(), ne.vec(), uint32_t(type), data.vec()});
  return Error::success();
}

std::string GgufWriter::serialize(uint64_t alignment) const {
  std::string out;
  putBytes(out, "GGUF", 4);
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensorsToWrite.size());
  put<uint64_t>(out, kvCount + (alignment != 32 ? 1 : 0));
  out += kvBytes;
  if (alignment != 32) {
    putString(out, "general.alignment");
    put<uint32_t>(out, VT_U32);
    put<uint32_t>(out, uint32_t(alignment));
  }
  uint64_t offset = 0;
  std::vector<uint64_t> offsets;
  for (const T &t : tensorsToWrite) {
    putString(out, t.name);
    put<uint32_t>(out, t.ne.size());
    for (int64_t d : t.ne)
      put<uint64_t>(out, uint64_t(d));
    put<uint32_t>(out, t.type);
    put<uint64_t>(out, offset);
    offsets.push_back(offset);
    offset = (offset + t.data.size() + alignment - 1) / alignment * alignment;
  }
  while (out.size() % alignment)
    out.push_back('\0');
  size_t dataStart = out.size();
  for (size_t i = 0; i < tensorsToWrite.size(); ++i) {
    out.resize(dataStart + offsets[i], '\0');
    putBytes(out, tensorsToWrite[i].data.data(), tensorsToWrite[i].data.size());
  }
  return out;
}
