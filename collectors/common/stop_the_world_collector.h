// File: collectors/common/stop_the_world_collector.h
//
// The skeleton every stop-the-world collector shares: try to allocate; when that
// fails, stop the world, collect in the pause and try again; after
// kOwnCollectionsBeforeOutOfMemory collections that made no room, report out of
// memory; verify the heap after every collection (when the runtime asks for it). A
// thread that wants to collect while another thread already stopped the world waits
// for that collection instead of running its own.
//
// A collector derives from StopTheWorldCollector, implements CollectInPause (a full
// collection, world stopped, cycle started) and calls AllocateOrCollectFull from
// AllocateSlow. marksweep, copying, malloc-marksweep and examples/markcompact use it.
//
// A generational collector also implements CollectMinorInPause (its young generation
// only) and calls AllocateOrCollectMinorFirst: Collect(kMinor), the allocation slow
// path's first collection and stress mode's minor collections (its traits'
// stress_minor_collections) then take the minor path, each pause recorded as minor,
// or as full when the minor path declines and the same pause collects everything.
#ifndef GCLAB_COLLECTORS_COMMON_STOP_THE_WORLD_COLLECTOR_H_
#define GCLAB_COLLECTORS_COMMON_STOP_THE_WORLD_COLLECTOR_H_

#include <cstddef>

#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"

namespace gclab {

class StopTheWorldCollector : public Collector {
 public:
  void Collect(Mutator& mutator, GcCause cause, CollectionKind kind) override {
    CollectUnlessAnotherDid(mutator, cause, kind);
  }

 protected:
  // Memory for `bytes` from `try_allocate` (which returns null when it has none),
  // collecting as often as the retry policy allows; throws OutOfMemory, whose
  // message gives the heap's capacity and live bytes from Usage().
  template <typename TryAllocate>
  std::byte* AllocateOrCollectFull(Mutator& mutator, size_t bytes, TryAllocate&& try_allocate) {
    return AllocateOrCollect(
        try_allocate, [&] { return CollectUnlessAnotherDid(mutator, GcCause::kHeapFull); },
        [&] { return OutOfMemoryFor(bytes); });
  }

  // As AllocateOrCollectFull, but the first collection is a minor one.
  template <typename TryAllocate>
  std::byte* AllocateOrCollectMinorFirst(Mutator& mutator, size_t bytes,
                                         TryAllocate&& try_allocate) {
    bool collected_minor = false;
    return AllocateOrCollect(
        try_allocate,
        [&] {
          const CollectionKind kind = collected_minor ? CollectionKind::kFull : CollectionKind::kMinor;
          const bool own = CollectUnlessAnotherDid(mutator, GcCause::kHeapFull, kind);
          collected_minor = collected_minor || own;
          return own;
        },
        [&] { return OutOfMemoryFor(bytes); });
  }

  absl::Status OutOfMemoryFor(size_t bytes) const {
    const HeapUsage usage = Usage();
    return OutOfMemoryStatus(traits().name, usage.capacity_bytes, usage.live_bytes, bytes);
  }

  // One collection of `kind` in one pause; false (and nothing done) if another thread
  // stopped the world first and collected instead.
  bool CollectUnlessAnotherDid(Mutator& mutator, GcCause cause,
                               CollectionKind kind = CollectionKind::kFull) {
    const bool minor = kind == CollectionKind::kMinor;
    StopTheWorldScope stw(mutator, minor ? PauseKind::kMinor : PauseKind::kFull, cause);
    if (!stw.stopped()) return false;
    stw.StartCycle();
    if (minor && CollectMinorInPause(mutator, stw)) {
      // Old objects a minor collection does not trace may be dead: no exact live count.
      stw.VerifyHeapIfEnabled(/*check_live_bytes=*/false);
      return true;
    }
    if (minor) stw.Reclassify(PauseKind::kFull);
    CollectInPause(mutator, stw);
    stw.VerifyHeapIfEnabled(/*check_live_bytes=*/true);
    return true;
  }

  // A full collection: every mutator stopped at a safepoint, `mutator` the one that
  // asked for it (its thread runs this), the cycle started.
  virtual void CollectInPause(Mutator& mutator, StopTheWorldScope& stw) = 0;

  // A minor collection (the young generation), in the same conditions. Returns false
  // to collect the whole heap instead, in this pause (a collector without generations
  // keeps this default; one whose old generation is full declines).
  virtual bool CollectMinorInPause(Mutator& mutator, StopTheWorldScope& stw) {
    (void)mutator;
    (void)stw;
    return false;
  }
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_STOP_THE_WORLD_COLLECTOR_H_
