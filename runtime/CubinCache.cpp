//===- CubinCache.cpp - on-disk cache of driver-compiled cubins -----------===//
//
// File format: 8-byte magic "AWQCUBN1", 32-byte SHA-256 of the payload, the
// payload (the cubin). The checksum guards against truncated or foreign
// files; the rename guards against readers seeing a file being written.
//
//===----------------------------------------------------------------------===//

#include "runtime/CubinCache.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace awq::runtime;
using llvm::StringRef;

static constexpr char kMagic[8] = {'A', 'W', 'Q', 'C', 'U', 'B', 'N', '1'};
static constexpr size_t kHeaderSize = sizeof(kMagic) + 32;

std::string awq::runtime::defaultCacheDir() {
  if (const char *off = std::getenv("AWQ_CACHE_DISABLE"))
    if (*off && StringRef(off) != "0")
      return {};
  if (const char *dir = std::getenv("AWQ_CACHE_DIR"); dir && *dir)
    return dir;
  llvm::SmallString<256> path;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    path = xdg;
  } else if (const char *home = std::getenv("HOME"); home && *home) {
    path = home;
    llvm::sys::path::append(path, ".cache");
  } else {
    return {};
  }
  llvm::sys::path::append(path, "awq");
  return std::string(path);
}

std::string awq::runtime::hashFields(llvm::ArrayRef<StringRef> fields) {
  llvm::SHA256 hash;
  for (StringRef field : fields) {
    uint64_t size = field.size();
    hash.update(llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(&size), sizeof(size)));
    hash.update(field);
  }
  std::array<uint8_t, 32> digest = hash.final();
  return llvm::toHex(digest, /*LowerCase=*/true);
}

std::string awq::runtime::cubinCacheKey(StringRef ptx, StringRef deviceArch,
                                        int driverVersion,
                                        StringRef jitOptions) {
  const std::string driver = std::to_string(driverVersion);
  return hashFields(
      {"awq-cubin-cache-v1", deviceArch, driver, jitOptions, ptx});
}

std::string CubinCache::pathFor(StringRef key) const {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, key + suffix);
  return std::string(path);
}

std::optional<std::vector<char>> CubinCache::lookup(StringRef key) const {
  if (!enabled())
    return std::nullopt;
  std::string path = pathFor(key);
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return std::nullopt;
  StringRef data = (*buffer)->getBuffer();
  if (data.size() <= kHeaderSize ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    remove(key);
    return std::nullopt;
  }
  StringRef payload = data.drop_front(kHeaderSize);
  std::array<uint8_t, 32> digest = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(payload.data()), payload.size()));
  if (std::memcmp(digest.data(), data.data() + sizeof(kMagic), 32) != 0) {
    remove(key);
    return std::nullopt;
  }
  return std::vector<char>(payload.begin(), payload.end());
}

llvm::Error CubinCache::store(StringRef key, StringRef cubin) const {
  if (!enabled())
    return llvm::Error::success();
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return llvm::createStringError(ec, "cannot create cubin cache directory " +
                                           dir + ": " + ec.message());
  // createUniqueFile picks a fresh name atomically (O_EXCL), so concurrent
  // writers of the same key never share a temporary.
  int fd;
  llvm::SmallString<256> tmpPath;
  std::string model = pathFor(key) + ".tmp-%%%%%%%%";
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(model, fd, tmpPath))
    return llvm::createStringError(ec, "cannot create a temporary file in " +
                                           dir + ": " + ec.message());
  std::array<uint8_t, 32> digest = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(cubin.data()), cubin.size()));
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(kMagic, sizeof(kMagic));
    os.write(reinterpret_cast<const char *>(digest.data()), digest.size());
    os.write(cubin.data(), cubin.size());
    os.close();
    if (os.has_error()) {
      std::error_code ec = os.error();
      os.clear_error();
      llvm::sys::fs::remove(tmpPath);
      return llvm::createStringError(ec, "cannot write " + tmpPath.str() +
                                             ": " + ec.message());
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmpPath, pathFor(key))) {
    llvm::sys::fs::remove(tmpPath);
    return llvm::createStringError(ec, "cannot rename " + tmpPath.str() +
                                           " to " + pathFor(key) + ": " +
                                           ec.message());
  }
  return llvm::Error::success();
}

void CubinCache::remove(StringRef key) const {
  if (enabled())
    llvm::sys::fs::remove(pathFor(key));
}
