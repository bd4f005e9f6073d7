// File: runtime/poison.h
//
// Poisoning for moving collectors: after a collection, checked builds fill the
// abandoned from-space with a pattern and protect it (PROT_NONE), so a workload bug
// that kept a raw Ref across a safepoint faults at its first use instead of reading
// stale data. A SIGSEGV handler recognises faults in poisoned ranges and prints the
// likely cause before the process dies as it would have anyway.
//
// The handler and its small range table are process-wide (signals are); ranges are
// registered and removed only with the world stopped.
#ifndef GCLAB_RUNTIME_POISON_H_
#define GCLAB_RUNTIME_POISON_H_

#include <cstddef>

namespace gclab {

inline constexpr unsigned char kPoisonByte = 0xDB;

// Fills [begin, begin + bytes) with kPoisonByte, protects it, and registers it with
// the fault handler (installed on first use). Both must be page-aligned.
void PoisonRange(void* begin, size_t bytes);
// Makes a poisoned range readable and writable again and unregisters it.
void UnpoisonRange(void* begin, size_t bytes);

}  // namespace gclab

#endif  // GCLAB_RUNTIME_POISON_H_
