// Allocation: objects of 16, 64 and 256 bytes through Mutator::Allocate, for every
// registered collector, next to jemalloc's malloc+free and libgc's GC_MALLOC of the
// same sizes in the same run. Every object is garbage at once, so the figure
// includes each collector's amortised slow path (buffer refills, and for collecting
// collectors the collections), as a program allocating this fast would see. For
// `bdw` the difference to BM_GcMalloc is the adapter (a virtual call per object).
#include <cstdlib>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "bench/micro/micro_runtime.h"

#if GCLAB_HAVE_BDWGC
#include <gc/gc.h>
#endif

#if GCLAB_HAVE_JEMALLOC
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp,
                       size_t newlen);
#endif

namespace gclab {
namespace {

struct Program {
  const SiteInfo* site = nullptr;
};

// A runtime whose one site allocates objects of `bytes` (a header and bytes/8 - 1
// fields, the first a pointer).
std::unique_ptr<Runtime> MakeRuntime(const std::string& collector, size_t heap_bytes,
                                     size_t bytes, Program& program) {
  RuntimeConfig config;
  config.heap_bytes = heap_bytes;
  config.prefault_heap = true;
  return StartRuntime(collector, config, [&](Runtime& rt) {
    const TypeInfo& type =
        rt.code().DefineStruct("Obj", static_cast<uint32_t>(bytes / kWordBytes - 1), {0});
    program.site = &rt.code().DefineSite("bench.Obj", type, Escape::kEscapes);
  });
}

void BM_Allocate(benchmark::State& state, const std::string& collector) {
  const auto bytes = static_cast<size_t>(state.range(0));
  const bool reclaims = CollectorRegistry::Global().Find(collector)->traits.reclaims;
  // A collector that never reclaims gets a fresh 1 GiB heap whenever one fills up
  // (outside the timed region); the others run in 64 MiB.
  const size_t heap_bytes = reclaims ? 64 * MiB : 1 * GiB;
  constexpr int64_t kBatch = 1 << 18;
  Program program;
  auto runtime = MakeRuntime(collector, heap_bytes, bytes, program);
  auto mutator = std::make_unique<Mutator>(*runtime);
  if (reclaims) {
    // Untimed: fill the heap twice, so that every collector runs on memory it has
    // used before (a segment collector's heap is prefaulted; a malloc-backed one's
    // arena must first get its pages from the kernel).
    for (size_t i = 0; i < 2 * heap_bytes / bytes; ++i) {
      benchmark::DoNotOptimize(mutator->Allocate(*program.site));
    }
  }
  int64_t batches_in_heap = 0;
  while (state.KeepRunningBatch(kBatch)) {
    if (!reclaims &&
        ++batches_in_heap * kBatch * static_cast<int64_t>(bytes) > static_cast<int64_t>(heap_bytes) - 1) {
      state.PauseTiming();
      mutator.reset();
      runtime.reset();
      runtime = MakeRuntime(collector, heap_bytes, bytes, program);
      mutator = std::make_unique<Mutator>(*runtime);
      batches_in_heap = 1;
      state.ResumeTiming();
    }
    for (int64_t i = 0; i < kBatch; ++i) {
      Ref object = mutator->Allocate(*program.site);
      benchmark::DoNotOptimize(object);
    }
  }
  state.counters["collections"] = static_cast<double>(runtime->collector().Usage().collections);
}

void BM_MallocFree(benchmark::State& state) {
  const auto bytes = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* p = std::malloc(bytes);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}

#if GCLAB_HAVE_BDWGC
// libgc's own allocation, garbage at once, collections included.
void BM_GcMalloc(benchmark::State& state) {
  const auto bytes = static_cast<size_t>(state.range(0));
  GC_INIT();
  for (auto _ : state) {
    void* p = GC_MALLOC(bytes);
    benchmark::DoNotOptimize(p);
  }
}
#endif

}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  for (const std::string& name : gclab::CollectorRegistry::Global().Names()) {
    benchmark::RegisterBenchmark(("BM_Allocate/" + name).c_str(), gclab::BM_Allocate, name)
        ->Arg(16)->Arg(64)->Arg(256);
  }
  benchmark::RegisterBenchmark("BM_MallocFree", gclab::BM_MallocFree)->Arg(16)->Arg(64)->Arg(256);
#if GCLAB_HAVE_BDWGC
  benchmark::RegisterBenchmark("BM_GcMalloc", gclab::BM_GcMalloc)->Arg(16)->Arg(64)->Arg(256);
#endif
#if GCLAB_HAVE_JEMALLOC
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) == 0) {
    benchmark::AddCustomContext("malloc", std::string("jemalloc ") + version);
  }
#else
  benchmark::AddCustomContext("malloc", "system malloc (no jemalloc in this build)");
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
