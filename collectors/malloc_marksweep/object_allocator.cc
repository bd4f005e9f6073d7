#include "collectors/malloc_marksweep/object_allocator.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/base.h"

#if GCLAB_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>

// jemalloc's start-up options, read once when it initialises. By default it will not
// carve a small-object slab out of a free extent more than 64 times the slab's size
// (lg_extent_max_active_fit:6), so the memory Init touches ahead of a run (freed as
// large extents) would never serve objects: every slab of the run would be fresh
// pages, faulting inside the measured iteration. Allowing any ratio makes the touched
// pages the ones objects land on. It changes nothing else of jemalloc's behaviour.
extern "C" const char* malloc_conf;
const char* malloc_conf = "lg_extent_max_active_fit:63";
#endif

namespace gclab {

#if GCLAB_HAVE_JEMALLOC

namespace {

template <typename T>
T ReadMallctl(const std::string& name) {
  T value{};
  size_t size = sizeof(value);
  if (mallctl(name.c_str(), &value, &size, nullptr, 0) != 0) {
    FatalError(absl::StrCat("jemalloc: cannot read mallctl '", name, "'"));
  }
  return value;
}

}  // namespace

absl::Status ObjectAllocator::Init(size_t prefault_bytes) {
  unsigned arena = 0;
  size_t size = sizeof(arena);
  if (mallctl("arenas.create", &arena, &size, nullptr, 0) != 0) {
    return absl::ResourceExhaustedError("malloc-marksweep: jemalloc cannot create an arena");
  }
  arena_ = arena;
  initialised_ = true;
  // -1: never purge, so pages freed by a sweep stay for the next allocations instead
  // of going back to the kernel and faulting in again.
  ssize_t never = -1;
  for (const char* decay : {"dirty_decay_ms", "muzzy_decay_ms"}) {
    const std::string name = absl::StrCat("arena.", arena_, ".", decay);
    if (mallctl(name.c_str(), nullptr, nullptr, &never, sizeof(never)) != 0) {
      return absl::InternalError(absl::StrCat("malloc-marksweep: jemalloc refused ", name));
    }
  }
  constexpr size_t kChunkBytes = 2 * MiB;
  std::vector<void*> chunks;
  for (size_t touched = 0; touched < prefault_bytes; touched += kChunkBytes) {
    void* chunk = mallocx(kChunkBytes, MALLOCX_ARENA(arena_) | MALLOCX_TCACHE_NONE);
    if (chunk == nullptr) break;  // the system's memory: the run will tell
    std::memset(chunk, 0, kChunkBytes);
    chunks.push_back(chunk);
  }
  for (void* chunk : chunks) dallocx(chunk, MALLOCX_TCACHE_NONE);
  return absl::OkStatus();
}

ObjectAllocator::~ObjectAllocator() {
  if (!initialised_) return;
  // Discards every object still allocated in the arena: the runtime is gone.
  mallctl(absl::StrCat("arena.", arena_, ".destroy").c_str(), nullptr, nullptr, nullptr, 0);
}

ObjectAllocator::Cache ObjectAllocator::CreateCache() {
  return Cache{ReadMallctl<unsigned>("tcache.create")};
}

void ObjectAllocator::DestroyCache(Cache cache) {
  mallctl("tcache.destroy", nullptr, nullptr, &cache.id, sizeof(cache.id));
}

void* ObjectAllocator::Allocate(Cache& cache, size_t bytes) {
  return mallocx(bytes, MALLOCX_ARENA(arena_) | MALLOCX_TCACHE(cache.id));
}

void ObjectAllocator::Free(Cache& cache, void* memory, size_t bytes) {
  sdallocx(memory, bytes, MALLOCX_TCACHE(cache.id));
}

size_t ObjectAllocator::UsableSize(size_t bytes) const { return nallocx(bytes, 0); }

ObjectAllocator::Stats ObjectAllocator::ReadStats() const {
  // Statistics are snapshots refreshed by writing "epoch".
  uint64_t epoch = 1;
  size_t size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, size);
  const std::string prefix = absl::StrCat("stats.arenas.", arena_, ".");
  return Stats{
      .allocated_bytes = ReadMallctl<size_t>(prefix + "small.allocated") +
                         ReadMallctl<size_t>(prefix + "large.allocated"),
      .resident_bytes = ReadMallctl<size_t>(prefix + "resident"),
  };
}

std::string ObjectAllocator::Describe() const {
  return absl::StrCat("jemalloc ", ReadMallctl<const char*>("version"), " (own arena ",
                      arena_, ")");
}

#else  // the system allocator

namespace {
// What malloc may round a request to; an estimate, the system has no size classes
// to ask.
size_t SystemUsableSize(size_t bytes) { return AlignUp(bytes, 16); }
}  // namespace

absl::Status ObjectAllocator::Init(size_t) {
  initialised_ = true;
  return absl::OkStatus();
}

// The collector frees its objects before the allocator goes.
ObjectAllocator::~ObjectAllocator() = default;

ObjectAllocator::Cache ObjectAllocator::CreateCache() { return Cache{}; }
void ObjectAllocator::DestroyCache(Cache) {}

void* ObjectAllocator::Allocate(Cache&, size_t bytes) {
  void* memory = std::malloc(bytes);
  if (memory != nullptr) {
    system_allocated_bytes_.fetch_add(SystemUsableSize(bytes), std::memory_order_relaxed);
  }
  return memory;
}

void ObjectAllocator::Free(Cache&, void* memory, size_t bytes) {
  system_allocated_bytes_.fetch_sub(SystemUsableSize(bytes), std::memory_order_relaxed);
  std::free(memory);
}

size_t ObjectAllocator::UsableSize(size_t bytes) const { return SystemUsableSize(bytes); }

ObjectAllocator::Stats ObjectAllocator::ReadStats() const {
  const size_t allocated = system_allocated_bytes_.load(std::memory_order_relaxed);
  return Stats{.allocated_bytes = allocated, .resident_bytes = allocated};
}

std::string ObjectAllocator::Describe() const { return "system malloc"; }

#endif

}  // namespace gclab
