//===- OnceCacheTest.cpp - the JIT cache builds each key once -------------===//

#include "runtime/OnceCache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace awq::runtime;

namespace {

TEST(OnceCache, ConcurrentCallersBuildOnce) {
  OnceCache<int> cache;
  std::atomic<int> builds{0};
  std::atomic<bool> go{false};
  std::vector<int *> results(16, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      while (!go)
        std::this_thread::yield();
      llvm::Expected<int *> value = cache.get("key", [&] {
        ++builds;
        // Slow enough that the other threads arrive while building.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return llvm::Expected<std::unique_ptr<int>>(std::make_unique<int>(42));
      });
      if (value)
        results[t] = *value;
      else
        llvm::consumeError(value.takeError());
    });
  }
  go = true;
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(builds, 1);
  for (int *r : results) {
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r, results[0]);
    EXPECT_EQ(*r, 42);
  }
  EXPECT_EQ(cache.size(), 1u);
}

TEST(OnceCache, DistinctKeysBuildConcurrently) {
  // Two keys whose builds wait for each other: this only finishes if the
  // cache does not hold its lock while building.
  OnceCache<int> cache;
  std::atomic<int> started{0};
  auto build = [&](int value) {
    return [&, value] {
      ++started;
      auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (started < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
      return llvm::Expected<std::unique_ptr<int>>(
          std::make_unique<int>(value));
    };
  };
  int *a = nullptr, *b = nullptr;
  std::thread ta([&] { a = llvm::cantFail(cache.get("a", build(1))); });
  std::thread tb([&] { b = llvm::cantFail(cache.get("b", build(2))); });
  ta.join();
  tb.join();
  EXPECT_EQ(started, 2);
  EXPECT_EQ(*a, 1);
  EXPECT_EQ(*b, 2);
}

TEST(OnceCache, FailuresAreNotCached) {
  OnceCache<int> cache;
  int builds = 0;
  llvm::Expected<int *> first = cache.get("k", [&] {
    ++builds;
    return llvm::Expected<std::unique_ptr<int>>(llvm::createStringError(
        llvm::inconvertibleErrorCode(), "compiler exploded"));
  });
  ASSERT_FALSE(static_cast<bool>(first));
  EXPECT_EQ(llvm::toString(first.takeError()), "compiler exploded");
  EXPECT_EQ(cache.size(), 0u);
  llvm::Expected<int *> second = cache.get("k", [&] {
    ++builds;
    return llvm::Expected<std::unique_ptr<int>>(std::make_unique<int>(7));
  });
  ASSERT_TRUE(static_cast<bool>(second));
  EXPECT_EQ(**second, 7);
  EXPECT_EQ(builds, 2);
  // A hit does not build.
  llvm::Expected<int *> third = cache.get("k", [&] {
    ++builds;
    return llvm::Expected<std::unique_ptr<int>>(std::make_unique<int>(8));
  });
  ASSERT_TRUE(static_cast<bool>(third));
  EXPECT_EQ(**third, 7);
  EXPECT_EQ(builds, 2);
}

} // namespace
