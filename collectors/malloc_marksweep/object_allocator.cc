#include "collectors/malloc_marksweep/object_allocator.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "runtime/base.h"

#if GCLAB_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
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

absl::Status ObjectAllocator::Init() {
  unsigned arena = 0;
  size_t size = sizeof(arena);
  if (mallctl("arenas.create", &arena, &size, nullptr, 0) != 0) {
    return absl::ResourceExhaustedError("malloc-marksweep: jemalloc cannot create an arena");
  }
  arena_ = arena;
  initialised_ = true;
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

absl::Status ObjectAllocator::Init() {
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
