//===- AtomicDir.h - an output directory replaced on success ----*- C++ -*-===//
//
// The tools that write a directory (awq-compile -o, awq-quantize --out,
// awq-build -o) build it under a temporary name beside the target, on the
// same file system, and rename it over the target only when every step
// succeeded. A failure leaves the earlier output as it was and no partial
// one; a success leaves no file of an earlier run.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_SUPPORT_ATOMICDIR_H
#define AWQ_SUPPORT_ATOMICDIR_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace awq {

/// A temporary directory `<target>.partial-XXXXXX` that becomes `target` on
/// commit() and is removed if destroyed uncommitted.
class AtomicDir {
public:
  /// Creates the temporary directory. `marker` is a file every output of the
  /// tool has (manifest.json, config.json): an existing non-empty `target`
  /// without it is refused, so that `-o ~` never deletes a home directory.
  static llvm::Expected<std::unique_ptr<AtomicDir>>
  create(llvm::StringRef target, llvm::StringRef marker);
  ~AtomicDir();
  AtomicDir(const AtomicDir &) = delete;
  AtomicDir &operator=(const AtomicDir &) = delete;

  /// The directory to write into.
  llvm::StringRef path() const { return temp; }
  /// Replaces the target with the temporary directory.
  llvm::Error commit();

private:
  AtomicDir(llvm::StringRef target, llvm::StringRef temp);

  llvm::SmallString<256> target, temp;
  bool committed = false;
};

} // namespace awq

#endif // AWQ_SUPPORT_ATOMICDIR_H
