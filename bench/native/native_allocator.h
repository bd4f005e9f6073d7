// File: bench/native/native_allocator.h
//
// The two libraries gclab's library-backed baselines stand for, used the way a
// plain C or C++ program uses them, with nothing of gclab in between, and the floor
// under both:
//
//   libgc     GC_MALLOC, and GC_MALLOC_ATOMIC for data without pointers; no frees:
//             libgc collects. Default settings (all interior pointers recognised).
//   jemalloc  calloc/free; the program frees what it drops
//   bump      a pointer bumped through prefaulted memory, never freed: what the
//             program costs with no memory manager at all, the native counterpart of
//             gclab's nogc. gclab's nogc over it is what gclab's runtime (frames with
//             precise slots, object headers, stores through the barrier interface)
//             adds to the program before any collector does anything.
//
// A native reference program is compiled once per allocator
// (GCLAB_NATIVE_ALLOCATOR_BDW, _JEMALLOC or _BUMP) and runs the same work, with the
// same constants and checks, as the gclab workload of the same name, so
// `scripts/native.py` can put its time next to gclab's bdw, malloc-marksweep and nogc.
// Each program uses its data's natural layout (no word mirrors gclab's object
// header); --header-word adds one unused word to every object, as a control that
// shows what gclab's header costs the library.
#ifndef GCLAB_BENCH_NATIVE_NATIVE_ALLOCATOR_H_
#define GCLAB_BENCH_NATIVE_NATIVE_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(GCLAB_NATIVE_ALLOCATOR_BDW)
#include <gc/gc.h>
#elif defined(GCLAB_NATIVE_ALLOCATOR_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(GCLAB_NATIVE_ALLOCATOR_BUMP)
#include <sys/mman.h>
#else
#error "define GCLAB_NATIVE_ALLOCATOR_BDW, GCLAB_NATIVE_ALLOCATOR_JEMALLOC or GCLAB_NATIVE_ALLOCATOR_BUMP"
#endif

namespace gclab::native {

#if defined(GCLAB_NATIVE_ALLOCATOR_BDW)
struct Allocator {
  static constexpr const char* kName = "libgc";
  static inline bool frees = false;
  static inline size_t header_bytes = 0;  // --header-word: 8
  // heap_mb > 0: start with a heap that large (as GC_INITIAL_HEAP_SIZE does); 0:
  // libgc's defaults, which is how gclab's bdw runs (its budget only caps the bytes
  // in use; below it libgc grows its heap and collects by its own policy).
  static void Init(size_t heap_mb) {
    GC_INIT();
    if (heap_mb > 0) GC_expand_hp(heap_mb << 20);
  }
  // Zeroed, as GC_MALLOC returns memory.
  static void* Allocate(size_t bytes) { return GC_MALLOC(bytes + header_bytes); }
  // Data without pointers, which libgc never scans. Not zeroed.
  static void* AllocateAtomic(size_t bytes) { return GC_MALLOC_ATOMIC(bytes + header_bytes); }
  static void Free(void*) {}
  static uint64_t Collections() { return GC_get_gc_no(); }
};
#elif defined(GCLAB_NATIVE_ALLOCATOR_BUMP)
struct Allocator {
  static constexpr const char* kName = "bump";
  static inline bool frees = false;
  static inline size_t header_bytes = 0;  // --header-word: 8
  static inline uintptr_t cursor = 0;
  static inline uintptr_t limit = 0;
  // heap_mb: the memory to map and touch before the timed region, as gclab prefaults
  // nogc's heap (0: 2 GiB). Running past it is fatal, not a page fault in the timing.
  static void Init(size_t heap_mb) {
    const size_t bytes = (heap_mb > 0 ? heap_mb : 2048) << 20;
    void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) {
      std::fprintf(stderr, "bump: cannot map %zu MiB\n", bytes >> 20);
      std::exit(1);
    }
    for (size_t offset = 0; offset < bytes; offset += 4096) {
      static_cast<volatile char*>(memory)[offset] = 0;
    }
    cursor = reinterpret_cast<uintptr_t>(memory);
    limit = cursor + bytes;
  }
  // Zeroed: the memory is fresh from mmap and never reused.
  static void* Allocate(size_t bytes) {
    const size_t step = (bytes + header_bytes + 15) & ~size_t{15};  // malloc's alignment
    if (limit - cursor < step) {
      std::fprintf(stderr, "bump: out of memory; give a larger --heap-mb\n");
      std::exit(1);
    }
    void* memory = reinterpret_cast<void*>(cursor);
    cursor += step;
    return memory;
  }
  static void* AllocateAtomic(size_t bytes) { return Allocate(bytes); }
  static void Free(void*) {}
  static uint64_t Collections() { return 0; }
};
#else
struct Allocator {
  static constexpr const char* kName = "jemalloc";
  // --no-free turns it off: a control that shows what deferring every free costs
  // (fresh memory instead of memory reused while it is in cache).
  static inline bool frees = true;
  static inline size_t header_bytes = 0;  // --header-word: 8
  static void Init(size_t) {}
  static void* Allocate(size_t bytes) { return calloc(1, bytes + header_bytes); }
  static void* AllocateAtomic(size_t bytes) { return malloc(bytes + header_bytes); }
  static void Free(void* p) { free(p); }
  static uint64_t Collections() { return 0; }
};
#endif

enum class Size { kSmall, kDefault, kLarge };

struct Options {
  Size size = Size::kDefault;
  size_t heap_mb = 0;
};

// --size=small|default|large --heap-mb=N --no-free --header-word; exits 2 with one
// line on anything else.
inline Options ParseOptions(int argc, char** argv, const char* program) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--size=small") {
      options.size = Size::kSmall;
    } else if (arg == "--size=default") {
      options.size = Size::kDefault;
    } else if (arg == "--size=large") {
      options.size = Size::kLarge;
    } else if (arg == "--no-free") {
      Allocator::frees = false;
    } else if (arg == "--header-word") {
      Allocator::header_bytes = 8;
    } else if (arg.rfind("--heap-mb=", 0) == 0) {
      char* end = nullptr;
      const unsigned long long mb = std::strtoull(arg.c_str() + 10, &end, 10);
      if (end == arg.c_str() + 10 || *end != '\0' || mb > (1ull << 20)) {
        std::fprintf(stderr, "%s: --heap-mb: '%s' is not a heap size; valid: 0 to 1048576\n",
                     program, arg.c_str() + 10);
        std::exit(2);
      }
      options.heap_mb = mb;
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s'; valid: --size=small|default|large, "
                   "--heap-mb=N, --no-free, --header-word\n", program, arg.c_str());
      std::exit(2);
    }
  }
  return options;
}

// One line a script reads: name=value pairs.
inline void Report(const char* workload, double wall_seconds, uint64_t ops, bool ok,
                   const std::string& error) {
  std::printf("workload=%s allocator=%s wall_s=%.6f ops=%llu ops_per_s=%.1f collections=%llu "
              "check=%s%s%s\n",
              workload, Allocator::kName, wall_seconds, static_cast<unsigned long long>(ops),
              wall_seconds > 0 ? ops / wall_seconds : 0.0,
              static_cast<unsigned long long>(Allocator::Collections()), ok ? "ok" : "failed",
              ok ? "" : " error=", ok ? "" : error.c_str());
}

}  // namespace gclab::native

#endif  // GCLAB_BENCH_NATIVE_NATIVE_ALLOCATOR_H_
