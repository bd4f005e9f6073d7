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

void PoisonRange(void* begin, size_t bytes) {
  InstallHandler();
  std::memset(begin, kPoisonByte, bytes);
  GCLAB_CHECK(mprotect(begin, bytes, PROT_NONE) == 0, "PoisonRange: mprotect failed");
  const auto b = reinterpret_cast<uintptr_t>(begin);
  for (int i = 0; i < kMaxRanges; ++i) {
    uintptr_t expected = 0;
    if (range_begin[i].compare_exchange_strong(expected, b)) {
      range_end[i].store(b + bytes);
      return;
    }
  }
  FatalError("PoisonRange: too many poisoned ranges");
}

void UnpoisonRange(void* begin, size_t bytes) {
  GCLAB_CHECK(mprotect(begin, bytes, PROT_READ | PROT_WRITE) == 0,
              "UnpoisonRange: mprotect failed");
  const auto b = reinterpret_cast<uintptr_t>(begin);
  for (int i = 0; i < kMaxRanges; ++i) {
    if (range_begin[i].load() == b) {
      range_end[i].store(0);
      range_begin[i].store(0);
      return;
    }
  }
}

}  // namespace gclab
