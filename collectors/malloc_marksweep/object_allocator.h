// File: collectors/malloc_marksweep/object_allocator.h
//
// Where malloc-marksweep gets its objects: a general-purpose allocator, as in most
// language runtimes that collect on top of malloc.
//
// With jemalloc (release builds): an arena of the collector's own, so that jemalloc's
// statistics for that arena (mallctl "stats.arenas.<i>.*") count the collector's
// objects and nothing of the harness; and an explicit thread cache per mutator, which
// is what jemalloc gives every thread by default. Without it (sanitizer builds, where
// the sanitizer owns malloc): the system malloc and free, with the bytes counted
// here.
//
// Thread safety: Allocate and Free on one Cache from one thread at a time; Stats
// from any thread.
#ifndef GCLAB_COLLECTORS_MALLOC_MARKSWEEP_OBJECT_ALLOCATOR_H_
#define GCLAB_COLLECTORS_MALLOC_MARKSWEEP_OBJECT_ALLOCATOR_H_

#include <atomic>
#include <cstddef>
#include <string>

#include "absl/status/status.h"

namespace gclab {

class ObjectAllocator {
 public:
  // A mutator's thread cache.
  struct Cache {
    unsigned id = 0;
  };
  struct Stats {
    size_t allocated_bytes = 0;  // held by live allocations (and by thread caches)
    size_t resident_bytes = 0;   // physical memory the allocator maps for them
  };

  ObjectAllocator() = default;
  ~ObjectAllocator();  // every object and cache goes with it
  ObjectAllocator(const ObjectAllocator&) = delete;
  ObjectAllocator& operator=(const ObjectAllocator&) = delete;

  // With jemalloc, `prefault_bytes` of the arena's memory are touched now and kept
  // (the arena never returns freed pages to the system), as the other collectors
  // commit their whole heap before a run: the page faults of a first use land here,
  // outside the measured iteration, and freed objects' pages are reused, as a
  // program's own malloc/free would reuse them.
  absl::Status Init(size_t prefault_bytes);

  Cache CreateCache();
  void DestroyCache(Cache cache);

  // Null when the system has no memory left.
  void* Allocate(Cache& cache, size_t bytes);
  // `bytes` as given to Allocate.
  void Free(Cache& cache, void* memory, size_t bytes);
  // The bytes an allocation of `bytes` really takes (its size class).
  size_t UsableSize(size_t bytes) const;

  Stats ReadStats() const;
  // "jemalloc 5.3.0-0-g54eaed1d8b56 (own arena 5)" or "system malloc".
  std::string Describe() const;

 private:
  [[maybe_unused]] unsigned arena_ = 0;  // unused with the system malloc
  bool initialised_ = false;
  std::atomic<size_t> system_allocated_bytes_{0};  // without jemalloc
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_MALLOC_MARKSWEEP_OBJECT_ALLOCATOR_H_
