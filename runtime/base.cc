#include "runtime/base.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace gclab {

void FatalError(absl::string_view message) {
  std::fprintf(stderr, "gclab: fatal: %.*s\n", static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
  std::abort();
}

namespace {
std::atomic<HeapVerificationFailureHook> heap_verification_failure_hook{nullptr};
}  // namespace

void SetHeapVerificationFailureHook(HeapVerificationFailureHook hook) {
  heap_verification_failure_hook.store(hook);
}

void HeapVerificationFailed(absl::string_view message) {
  if (HeapVerificationFailureHook hook = heap_verification_failure_hook.load()) hook();
  FatalError(message);
}

}  // namespace gclab
