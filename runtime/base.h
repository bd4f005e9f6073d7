// File: runtime/base.h
//
// Small vocabulary shared by the runtime, collectors and workloads: inlining and
// branch hints, the GCLAB_CHECKS switch, fatal errors and byte-size helpers.
// Nothing here allocates or holds state.
#ifndef GCLAB_RUNTIME_BASE_H_
#define GCLAB_RUNTIME_BASE_H_

#include <cstddef>
#include <cstdint>
#include "absl/strings/string_view.h"

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"

#define GCLAB_ALWAYS_INLINE ABSL_ATTRIBUTE_ALWAYS_INLINE inline
#define GCLAB_NOINLINE ABSL_ATTRIBUTE_NOINLINE
// For lambdas on hot paths: [&](...) GCLAB_ALWAYS_INLINE_LAMBDA { ... }
#define GCLAB_ALWAYS_INLINE_LAMBDA __attribute__((always_inline))
#define GCLAB_LIKELY(x) ABSL_PREDICT_TRUE(x)
#define GCLAB_UNLIKELY(x) ABSL_PREDICT_FALSE(x)
#define GCLAB_CONCAT_INNER(a, b) a##b
#define GCLAB_CONCAT(a, b) GCLAB_CONCAT_INNER(a, b)

// GCLAB_CHECKS is set for the whole build by CMake (option GCLAB_CHECKS), so every
// translation unit sees the same inline fast paths.
#ifndef GCLAB_CHECKS
#define GCLAB_CHECKS 0
#endif

namespace gclab {

inline constexpr bool kChecks = GCLAB_CHECKS != 0;

inline constexpr size_t KiB = size_t{1} << 10;
inline constexpr size_t MiB = size_t{1} << 20;
inline constexpr size_t GiB = size_t{1} << 30;

// Prints "gclab: fatal: <message>" to stderr and aborts. For broken invariants and
// programming errors only; anything a user can cause is reported as a Status.
[[noreturn]] void FatalError(absl::string_view message);

// A heap verification failed: FatalError(message), after the hook, if one is set.
// The process that performs a harness's run (gclab run-once) sets a hook that records
// the outcome where the harness looks for it, so that a verification failure is told
// by that record, never by the message's text.
using HeapVerificationFailureHook = void (*)();
void SetHeapVerificationFailureHook(HeapVerificationFailureHook hook);
[[noreturn]] void HeapVerificationFailed(absl::string_view message);

constexpr size_t AlignUp(size_t n, size_t alignment) {
  return (n + alignment - 1) & ~(alignment - 1);
}
constexpr bool IsPowerOfTwo(size_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace gclab

// Checks an invariant in GCLAB_CHECKS builds; compiles to nothing otherwise.
#define GCLAB_DCHECK(cond, message)                           \
  do {                                                        \
    if constexpr (::gclab::kChecks) {                         \
      if (GCLAB_UNLIKELY(!(cond))) ::gclab::FatalError(message); \
    }                                                         \
  } while (false)

// Checks an invariant in every build.
#define GCLAB_CHECK(cond, message)                                  \
  do {                                                              \
    if (GCLAB_UNLIKELY(!(cond))) ::gclab::FatalError(message);      \
  } while (false)

#endif  // GCLAB_RUNTIME_BASE_H_
