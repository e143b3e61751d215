//===- AtomicDir.cpp - an output directory replaced on success ------------===//

#include "support/AtomicDir.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace {

Error fail(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

bool isEmptyDirectory(StringRef path) {
  std::error_code ec;
  return sys::fs::directory_iterator(path, ec) == sys::fs::directory_iterator();
}

/// Whether `target` may be replaced: absent, empty, or an earlier output.
Error checkReplaceable(StringRef target, StringRef marker) {
  if (!sys::fs::exists(target))
    return Error::success();
  if (!sys::fs::is_directory(target))
    return fail("'" + target + "' exists and is not a directory");
  if (isEmptyDirectory(target))
    return Error::success();
  SmallString<256> markerPath(target);
  sys::path::append(markerPath, marker);
  if (!sys::fs::exists(markerPath))
    return fail("'" + target + "' exists and is not an earlier output (no " +
                marker + "): not replacing it");
  return Error::success();
}

} // namespace

awq::AtomicDir::AtomicDir(StringRef target, StringRef temp)
    : target(target), temp(temp) {}

awq::AtomicDir::~AtomicDir() {
  if (!committed)
    sys::fs::remove_directories(temp);
}

Expected<std::unique_ptr<awq::AtomicDir>>
awq::AtomicDir::create(StringRef target, StringRef marker) {
  // An absolute prefix: createUniqueDirectory makes a relative one in /tmp,
  // another file system, where the final rename would fail.
  SmallString<256> absolute(target);
  if (std::error_code ec = sys::fs::make_absolute(absolute))
    return fail("cannot resolve '" + target + "': " + ec.message());
  sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  if (Error err = checkReplaceable(absolute, marker))
    return std::move(err);
  StringRef parent = sys::path::parent_path(absolute);
  if (std::error_code ec = sys::fs::create_directories(parent))
    return fail("cannot create '" + parent + "': " + ec.message());
  SmallString<256> temp;
  if (std::error_code ec =
          sys::fs::createUniqueDirectory(absolute + ".partial", temp))
    return fail("cannot create a directory next to '" + target +
                "': " + ec.message());
  return std::unique_ptr<AtomicDir>(new AtomicDir(absolute, temp));
}

Error awq::AtomicDir::commit() {
  // rename() cannot replace a non-empty directory: the earlier output moves
  // aside first and comes back if the new one cannot take its place.
  SmallString<256> old;
  if (sys::fs::exists(target)) {
    old = temp;
    old += ".old";
    if (std::error_code ec = sys::fs::rename(target, old))
      return fail("cannot move '" + target + "' aside: " + ec.message());
  }
  if (std::error_code ec = sys::fs::rename(temp, target)) {
    if (!old.empty())
      sys::fs::rename(old, target);
    return fail("cannot rename '" + temp + "' to '" + target +
                "': " + ec.message());
  }
  committed = true;
  if (!old.empty())
    sys::fs::remove_directories(old);
  return Error::success();
}
