//===- TempDir.h - a temporary directory for unit tests ---------*- C++ -*-===//
//
// Created unique, removed with its contents when the test's scope ends; the
// checkpoint writers' tests write their files into one.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_TEST_UNIT_TEMPDIR_H
#define AWQ_TEST_UNIT_TEMPDIR_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <string>

namespace awq::testutil {

/// A fresh directory named after `prefix`, removed by the destructor.
struct TempDir {
  llvm::SmallString<128> path;
  explicit TempDir(llvm::StringRef prefix = "awq-test") {
    llvm::sys::fs::createUniqueDirectory(prefix, path);
  }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }
  /// The path of `name` inside the directory.
  std::string file(llvm::StringRef name) const {
    llvm::SmallString<128> p(path);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
};

} // namespace awq::testutil

#endif // AWQ_TEST_UNIT_TEMPDIR_H
