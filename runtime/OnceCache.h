//===- OnceCache.h - build-once map for JIT specialisations -----*- C++ -*-===//
//
// A thread-safe map from key to an immutable object that is built at most
// once at a time per key: the first caller builds (outside the lock, so other
// keys proceed), concurrent callers for the same key wait for its result. A
// failed build is reported to the callers that waited for it and then
// forgotten, so that a later call retries. Values live until the cache dies.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_RUNTIME_ONCECACHE_H
#define AWQ_RUNTIME_ONCECACHE_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace awq {
namespace runtime {

template <typename T> class OnceCache {
public:
  /// Returns the value for `key`, calling `build()` (which returns
  /// llvm::Expected<std::unique_ptr<T>>) if no value exists and no other
  /// thread is building one. `build` must not call get() for the same key.
  template <typename BuildFn>
  llvm::Expected<T *> get(llvm::StringRef key, BuildFn build) {
    std::shared_ptr<Slot> slot;
    {
      std::unique_lock<std::mutex> lock(mutex);
      auto it = slots.find(key);
      if (it != slots.end()) {
        slot = it->second;
        // Holding our own reference: the slot stays alive even if a failed
        // build erases it from the map while we wait.
        ready.wait(lock, [&] { return slot->done; });
        if (slot->value)
          return slot->value.get();
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       slot->error);
      }
      slot = std::make_shared<Slot>();
      slots[key] = slot;
    }

    llvm::Expected<std::unique_ptr<T>> built = build();
    T *result = nullptr;
    std::string error;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (built) {
        slot->value = std::move(*built);
        result = slot->value.get();
      } else {
        error = llvm::toString(built.takeError());
        slot->error = error;
        slots.erase(key);
      }
      slot->done = true;
    }
    ready.notify_all();
    if (!result)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
    return result;
  }

  /// Number of keys with a value or a build in progress.
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    return slots.size();
  }

  /// Destroys every value; no get() may run concurrently.
  void clear() {
    std::lock_guard<std::mutex> lock(mutex);
    slots.clear();
  }

private:
  struct Slot {
    std::unique_ptr<T> value;
    std::string error;
    bool done = false;
  };
  std::mutex mutex;
  std::condition_variable ready;
  llvm::StringMap<std::shared_ptr<Slot>> slots;
};

} // namespace runtime
} // namespace awq

#endif // AWQ_RUNTIME_ONCECACHE_H
