//===- CubinCacheTest.cpp - on-disk cubin cache ---------------------------===//

#include "runtime/CubinCache.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

using namespace awq::runtime;

namespace {

class TempDir {
public:
  TempDir() {
    llvm::SmallString<128> path;
    std::error_code ec =
        llvm::sys::fs::createUniqueDirectory("awq-cubin-cache-test", path);
    EXPECT_FALSE(ec);
    dir = std::string(path);
  }
  ~TempDir() { llvm::sys::fs::remove_directories(dir); }
  std::string dir;
};

TEST(CubinCache, KeyDependsOnEveryInput) {
  std::string base = cubinCacheKey("ptx", "sm_90", 13000, "O4");
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, cubinCacheKey("ptx", "sm_90", 13000, "O4"));
  EXPECT_NE(base, cubinCacheKey("ptx2", "sm_90", 13000, "O4"));
  EXPECT_NE(base, cubinCacheKey("ptx", "sm_80", 13000, "O4"));
  EXPECT_NE(base, cubinCacheKey("ptx", "sm_90", 13010, "O4"));
  EXPECT_NE(base, cubinCacheKey("ptx", "sm_90", 13000, "O3"));
  // Field boundaries matter: no concatenation collisions.
  EXPECT_NE(cubinCacheKey("ab", "sm_90", 1, "c"),
            cubinCacheKey("b", "sm_90", 1, "ac"));
}

TEST(CubinCache, StoreThenLookup) {
  TempDir tmp;
  CubinCache cache(tmp.dir + "/nested/dir");
  std::string key = cubinCacheKey("ptx", "sm_90", 1, "");
  EXPECT_FALSE(cache.lookup(key).has_value());
  std::string cubin("\x7f" "ELF binary\0with nul", 20);
  ASSERT_FALSE(static_cast<bool>(cache.store(key, cubin)));
  std::optional<std::vector<char>> hit = cache.lookup(key);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(std::string(hit->begin(), hit->end()), cubin);
  // No temporary files are left behind.
  std::error_code ec;
  int files = 0;
  for (llvm::sys::fs::directory_iterator it(tmp.dir + "/nested/dir", ec), end;
       it != end && !ec; it.increment(ec))
    ++files;
  EXPECT_EQ(files, 1);
}

TEST(CubinCache, CorruptEntryIsAMissAndRemoved) {
  TempDir tmp;
  CubinCache cache(tmp.dir);
  std::string key = cubinCacheKey("ptx", "sm_90", 1, "");
  ASSERT_FALSE(static_cast<bool>(cache.store(key, "cubin-bytes")));
  // Flip one payload byte.
  {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf =
        llvm::MemoryBuffer::getFile(cache.pathFor(key));
    ASSERT_TRUE(static_cast<bool>(buf));
    std::string data = (*buf)->getBuffer().str();
    data.back() ^= 1;
    std::error_code ec;
    llvm::raw_fd_ostream os(cache.pathFor(key), ec);
    os << data;
  }
  EXPECT_FALSE(cache.lookup(key).has_value());
  EXPECT_FALSE(llvm::sys::fs::exists(cache.pathFor(key)));
  // A truncated header as well.
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(cache.pathFor(key), ec);
    os << "AWQ";
  }
  EXPECT_FALSE(cache.lookup(key).has_value());
}

TEST(CubinCache, ConcurrentWritersOfOneKey) {
  TempDir tmp;
  CubinCache cache(tmp.dir);
  std::string key = cubinCacheKey("p", "sm_90", 1, "");
  std::string cubin(1 << 20, 'c');
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back(
        [&] { llvm::consumeError(cache.store(key, cubin)); });
  for (std::thread &t : threads)
    t.join();
  std::optional<std::vector<char>> hit = cache.lookup(key);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->size(), cubin.size());
}

TEST(CubinCache, Disabled) {
  CubinCache cache("");
  EXPECT_FALSE(cache.enabled());
  EXPECT_FALSE(static_cast<bool>(cache.store("k", "x")));
  EXPECT_FALSE(cache.lookup("k").has_value());
}

TEST(CubinCache, DefaultDirFromEnvironment) {
  // Runs in its own process under ctest (gtest_discover_tests), so changing
  // the environment here affects no other test.
  setenv("AWQ_CACHE_DIR", "/tmp/awq-x", 1);
  unsetenv("AWQ_CACHE_DISABLE");
  EXPECT_EQ(defaultCacheDir(), "/tmp/awq-x");
  setenv("AWQ_CACHE_DISABLE", "1", 1);
  EXPECT_EQ(defaultCacheDir(), "");
  setenv("AWQ_CACHE_DISABLE", "0", 1);
  EXPECT_EQ(defaultCacheDir(), "/tmp/awq-x");
  unsetenv("AWQ_CACHE_DIR");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(defaultCacheDir(), "/xdg/awq");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(defaultCacheDir(), "/home/u/.cache/awq");
  unsetenv("AWQ_CACHE_DISABLE");
}

} // namespace
