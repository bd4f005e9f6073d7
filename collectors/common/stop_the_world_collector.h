// File: collectors/common/stop_the_world_collector.h
//
// The skeleton every stop-the-world collector shares: try to allocate; when that
// fails, stop the world, collect in the pause and try again; after
// kOwnCollectionsBeforeOutOfMemory collections that made no room, report out of
// memory; verify the heap after every collection (when the runtime asks for it). A
// thread that wants to collect while another thread already stopped the world waits
// for that collection instead of running its own.
//
// A collector derives from StopTheWorldCollector, implements CollectInPause (the
// collection itself, world stopped, cycle started) and calls AllocateOrCollectFull
// from AllocateSlow. marksweep, copying, malloc-marksweep and examples/markcompact use it.
#ifndef GCLAB_COLLECTORS_COMMON_STOP_THE_WORLD_COLLECTOR_H_
#define GCLAB_COLLECTORS_COMMON_STOP_THE_WORLD_COLLECTOR_H_

#include <cstddef>

#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"

namespace gclab {

class StopTheWorldCollector : public Collector {
 public:
  void Collect(Mutator& mutator, GcCause cause, CollectionKind) override {
    CollectUnlessAnotherDid(mutator, cause);
  }

 protected:
  // Memory for `bytes` from `try_allocate` (which returns null when it has none),
  // collecting as often as the retry policy allows; throws OutOfMemory, whose
  // message gives the heap's capacity and live bytes from Usage().
  template <typename TryAllocate>
  std::byte* AllocateOrCollectFull(Mutator& mutator, size_t bytes, TryAllocate&& try_allocate) {
    return AllocateOrCollect(
        try_allocate, [&] { return CollectUnlessAnotherDid(mutator, GcCause::kHeapFull); },
        [&] {
          const HeapUsage usage = Usage();
          return OutOfMemoryStatus(traits().name, usage.capacity_bytes, usage.live_bytes, bytes);
        });
  }

  // A whole collection in one pause; false (and nothing done) if another thread
  // stopped the world first and collected instead.
  bool CollectUnlessAnotherDid(Mutator& mutator, GcCause cause) {
    StopTheWorldScope stw(mutator, PauseKind::kFull, cause);
    if (!stw.stopped()) return false;
    stw.StartCycle();
    CollectInPause(mutator, stw);
    stw.VerifyHeapIfEnabled(/*check_live_bytes=*/true);
    return true;
  }

  // The collection: every mutator stopped at a safepoint, `mutator` the one that
  // asked for it (its thread runs this), the cycle started.
  virtual void CollectInPause(Mutator& mutator, StopTheWorldScope& stw) = 0;
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_STOP_THE_WORLD_COLLECTOR_H_
