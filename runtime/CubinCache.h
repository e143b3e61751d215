//===- CubinCache.h - on-disk cache of driver-compiled cubins ---*- C++ -*-===//
//
// PTX -> SASS by the driver JIT costs ~100 ms per module; a process that
// loads the same artifact again finds the cubin here instead. Entries are
// keyed by the SHA-256 of everything that determines the cubin, written
// atomically (tmp file + rename) so that concurrent processes never see a
// partial file, and verified by a checksum when read.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_RUNTIME_CUBINCACHE_H
#define AWQ_RUNTIME_CUBINCACHE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace awq {
namespace runtime {

/// The cache directory: $AWQ_CACHE_DIR, else $XDG_CACHE_HOME/awq, else
/// $HOME/.cache/awq. Empty if caching is disabled (AWQ_CACHE_DISABLE set to
/// anything but "0") or no directory can be derived.
std::string defaultCacheDir();

/// Hex SHA-256 of `fields`, each prefixed by its length, so that no two
/// different lists concatenate to the same bytes: the cache keys.
std::string hashFields(llvm::ArrayRef<llvm::StringRef> fields);

/// Hex SHA-256 of the PTX text, the device architecture ("sm_90"), the driver
/// version and the JIT options; any change to one gives a new key.
std::string cubinCacheKey(llvm::StringRef ptx, llvm::StringRef deviceArch,
                          int driverVersion, llvm::StringRef jitOptions);

class CubinCache {
public:
  /// An empty `dir` disables the cache (lookups miss, stores do nothing).
  /// Entries are files `<key><suffix>` in `dir`; the JIT's result cache
  /// (runtime/jit/awq_jit.cpp) keeps its blobs the same way as ".awqjit".
  explicit CubinCache(std::string dir, std::string suffix = ".cubin")
      : dir(std::move(dir)), suffix(std::move(suffix)) {}

  bool enabled() const { return !dir.empty(); }
  const std::string &directory() const { return dir; }
  std::string pathFor(llvm::StringRef key) const;

  /// The cached cubin for `key`, or nullopt on a miss. A corrupt entry (bad
  /// header or checksum) counts as a miss and is removed.
  std::optional<std::vector<char>> lookup(llvm::StringRef key) const;

  /// Stores `cubin` under `key`: writes a uniquely named temporary file in
  /// the cache directory, then renames it over the final name.
  llvm::Error store(llvm::StringRef key, llvm::StringRef cubin) const;

  /// Removes the entry (used when the driver rejects a cached cubin).
  void remove(llvm::StringRef key) const;

private:
  std::string dir;
  std::string suffix;
};

} // namespace runtime
} // namespace awq

#endif // AWQ_RUNTIME_CUBINCACHE_H
