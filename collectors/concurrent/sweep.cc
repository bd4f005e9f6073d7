// concurrent: sweeping. After mark termination the marker thread (or a mutator short
// of cells) sorts blocks against the live map, a few at a time: a small block with no
// live cell and an unmarked large object are freed, a small block with some go to its
// size class's list, where mutators sweep it lazily as they allocate.
//
// Invariant: a block taken for allocation after the last termination carries the
// current epoch (Go's sweepgen) and is not sorted until the next, since its new
// objects are in no map yet.
#include "collectors/concurrent/concurrent.h"

namespace gclab {

bool Concurrent::SweepSome(size_t count) { return space_.SweepSome(count, live_map()); }

void Concurrent::FinishSweepAndClear() {
  while (SweepSome(1024)) {
  }
  // The old live map is the next cycle's mark map: it must start empty.
  mark_map().ClearAll();
}

}  // namespace gclab
