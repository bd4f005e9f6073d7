#include "runtime/poison.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "runtime/base.h"

namespace gclab {
namespace {

constexpr int kMaxRanges = 64;
std::atomic<uintptr_t> range_begin[kMaxRanges];
std::atomic<uintptr_t> range_end[kMaxRanges];
struct sigaction previous_action;

void WriteAll(const char* text) {
  size_t length = std::strlen(text);
  while (length > 0) {
    const ssize_t n = write(STDERR_FILENO, text, length);
    if (n <= 0) return;
    text += n;
    length -= static_cast<size_t>(n);
  }
}

void OnSegv(int signal, siginfo_t* info, void* context) {
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  for (int i = 0; i < kMaxRanges; ++i) {
    const uintptr_t begin = range_begin[i].load(std::memory_order_relaxed);
    if (begin != 0 && address >= begin && address < range_end[i].load(std::memory_order_relaxed)) {
      WriteAll("gclab: fatal: access to poisoned from-space: a Ref held in a C++ variable "
               "across an allocation, poll, frame push or collection was used after the "
               "collector moved its object (keep such references in frame slots)\n");
      break;
    }
  }
  // Let the previous handler (a sanitizer's, or the default) deal with the fault:
  // returning re-executes the faulting access under it.
  sigaction(SIGSEGV, &previous_action, nullptr);
  (void)signal;
  (void)context;
}

void InstallHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action = {};
    action.sa_sigaction = OnSegv;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &previous_action);
  });
}

}  // namespace

void WatchForStaleReferences(std::span<std::byte> heap_segment) {
  InstallHandler();
  const auto begin = reinterpret_cast<uintptr_t>(heap_segment.data());
  for (int i = 0; i < kMaxRanges; ++i) {
    uintptr_t expected = 0;
    if (range_begin[i].compare_exchange_strong(expected, begin)) {
      range_end[i].store(begin + heap_segment.size());
      return;
    }
  }
  FatalError("WatchForStaleReferences: more than 64 poisoning heaps at once");
}

void StopWatchingForStaleReferences(std::span<std::byte> heap_segment) {
  const auto begin = reinterpret_cast<uintptr_t>(heap_segment.data());
  for (int i = 0; i < kMaxRanges; ++i) {
    if (range_begin[i].load() == begin) {
      range_end[i].store(0);
      range_begin[i].store(0);
      return;
    }
  }
}

void RetireRange(void* begin, size_t bytes, void* pages_to) {
  // MREMAP_DONTUNMAP leaves `begin` mapped (and empty), so no other thread's mmap can
  // land in a hole there before it is protected.
  void* moved = mremap(begin, bytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
                       pages_to);
  if (moved == MAP_FAILED) {
    // Kernels before 5.7: free the pages instead; the next space faults in fresh ones.
    GCLAB_CHECK(madvise(begin, bytes, MADV_DONTNEED) == 0, "RetireRange: madvise failed");
    GCLAB_CHECK(mprotect(pages_to, bytes, PROT_READ | PROT_WRITE) == 0,
                "RetireRange: mprotect failed");
  }
  GCLAB_CHECK(mprotect(begin, bytes, PROT_NONE) == 0, "RetireRange: mprotect failed");
}

}  // namespace gclab
