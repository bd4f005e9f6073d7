// File: runtime/sync.h
//
// The mutex gclab uses: absl::Mutex (with Await on a predicate), behind a thin
// wrapper so that ThreadSanitizer builds can swap it for a std::mutex-based one.
// Why: Debian's Abseil is not built with TSan, so TSan cannot see absl::Mutex's
// internal synchronisation and would report races on everything it protects. The
// TSan variant wakes every waiter on every unlock, which is slow but exact.
#ifndef GCLAB_RUNTIME_SYNC_H_
#define GCLAB_RUNTIME_SYNC_H_

#include "absl/base/thread_annotations.h"

#if defined(__SANITIZE_THREAD__)
#define GCLAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GCLAB_TSAN 1
#endif
#endif

#if GCLAB_TSAN
#include <condition_variable>
#include <mutex>
#else
#include "absl/synchronization/mutex.h"
#endif

namespace gclab {

class ABSL_LOCKABLE Mutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
#if GCLAB_TSAN
    mu_.lock();
#else
    mu_.Lock();
#endif
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
#if GCLAB_TSAN
    changed_.notify_all();
    mu_.unlock();
#else
    mu_.Unlock();
#endif
  }
  // Releases the mutex until pred() holds (evaluated with the mutex held), then
  // returns with it held again. Caller must hold the mutex.
  template <typename Predicate>
  void Await(const Predicate& pred) {
#if GCLAB_TSAN
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    // Waiting releases the mutex without Unlock: wake the others, whose conditions
    // may hold now that this thread changed state under the lock.
    changed_.notify_all();
    changed_.wait(lock, pred);
    lock.release();
#else
    mu_.Await(absl::Condition(&pred));
#endif
  }

 private:
#if GCLAB_TSAN
  std::mutex mu_;
  std::condition_variable changed_;
#else
  absl::Mutex mu_;
#endif
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

}  // namespace gclab

#endif  // GCLAB_RUNTIME_SYNC_H_
