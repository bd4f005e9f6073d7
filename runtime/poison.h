// File: runtime/poison.h
//
// Poisoning for moving collectors in checked builds. When a collection has moved
// every live object out of a space, the collector retires the space: its pages are
// returned and the addresses made inaccessible (PROT_NONE), so a workload bug that
// kept a raw Ref across a safepoint faults at its first use instead of reading stale
// data. Retired addresses stay poisoned for many collections, not one: the runtime
// gives such a collector (CollectorTraits::poisons_from_space) a heap segment
// kPoisoningHeapAddressMultiple times its budget in address space, and the collector
// puts each new space where no recent space was. Two semispaces that simply swap
// would hand a stale Ref's addresses back to the mutator one collection later.
//
// A SIGSEGV handler recognises faults in a watched heap segment and prints the likely
// cause before the process dies as it would have anyway. The handler and its small
// table of watched segments are process-wide (signals are).
#ifndef GCLAB_RUNTIME_POISON_H_
#define GCLAB_RUNTIME_POISON_H_

#include <cstddef>
#include <span>

namespace gclab {

// The address space of a poisoning collector's heap segment, in budgets. A space of
// half the budget (a semispace) is reused only after 2 * 32 - 1 later collections.
inline constexpr size_t kPoisoningHeapAddressMultiple = 32;

// Registers a heap segment with the fault handler (installed on first use): a fault
// inside it is reported as the use of a stale Ref. The runtime calls these.
void WatchForStaleReferences(std::span<std::byte> heap_segment);
void StopWatchingForStaleReferences(std::span<std::byte> heap_segment);

// Retires [begin, begin + bytes), with the world stopped: the addresses become
// inaccessible, and the pages that backed them move to [pages_to, pages_to + bytes),
// which becomes readable and writable with their stale contents: the collector's next
// space. Moving the pages rather than freeing them keeps memory use at the budget and
// spares the next space a page fault per page. Page-aligned; the ranges are disjoint.
void RetireRange(void* begin, size_t bytes, void* pages_to);

}  // namespace gclab

#endif  // GCLAB_RUNTIME_POISON_H_
