// File: runtime/clock.h
//
// The clocks every measurement uses: a monotonic nanosecond clock for events and a
// per-thread CPU clock. Never wall-clock time, which can jump.
#ifndef GCLAB_RUNTIME_CLOCK_H_
#define GCLAB_RUNTIME_CLOCK_H_

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace gclab {

// Nanoseconds on CLOCK_MONOTONIC. Costs one vDSO call (~20 ns).
inline int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// CPU time consumed by the calling thread, in nanoseconds.
inline int64_t ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// A cheap, monotonic tick counter for timing many short intervals on one thread
// (the TSC on x86-64: one unserialised instruction, no call into the vDSO, whose
// code goes cold between samples in an allocation loop). Convert ticks to
// nanoseconds by calibrating against MonotonicNanos over the same span; elsewhere
// the ticks are MonotonicNanos themselves.
inline int64_t CycleTicks() {
#if defined(__x86_64__)
  return static_cast<int64_t>(__rdtsc());
#else
  return MonotonicNanos();
#endif
}

// The calling thread's OS thread id (for attributing work to threads in traces).
inline int32_t CurrentThreadId() { return static_cast<int32_t>(syscall(SYS_gettid)); }

}  // namespace gclab

#endif  // GCLAB_RUNTIME_CLOCK_H_
