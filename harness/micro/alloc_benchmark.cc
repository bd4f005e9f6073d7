// Allocation fast path: a 32-byte object (header + 3 words) through
// Mutator::Allocate, for every registered collector, next to jemalloc's malloc+free
// of 32 bytes in the same run. Every object is garbage at once, so the figure
// includes each collector's amortised slow path (buffer refills, and for collecting
// collectors the collections), as a program allocating this fast would see.
#include <cstdlib>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "runtime/runtime.h"

#if GCLAB_HAVE_JEMALLOC
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp,
                       size_t newlen);
#endif

namespace gclab {
namespace {

struct Program {
  const SiteInfo* site = nullptr;
  const FunctionInfo* frame = nullptr;
};

std::unique_ptr<Runtime> MakeRuntime(const std::string& collector, size_t heap_bytes,
                                     Program& program) {
  RuntimeConfig config;
  config.heap_bytes = heap_bytes;
  config.prefault_heap = true;
  auto runtime = Runtime::Create(config, *CollectorRegistry::Global().Create(collector));
  if (!runtime.ok()) FatalError(runtime.status().ToString());
  const TypeInfo& type = (*runtime)->code().DefineStruct("Obj32", 3, {0});
  program.site = &(*runtime)->code().DefineSite("bench.Obj32", type, Escape::kEscapes);
  if (absl::Status s = (*runtime)->Start(); !s.ok()) FatalError(s.ToString());
  return *std::move(runtime);
}

void BM_Allocate32(benchmark::State& state, const std::string& collector) {
  const bool reclaims = CollectorRegistry::Global().Find(collector)->traits.reclaims;
  // A collector that never reclaims gets a fresh 1 GiB heap whenever one fills up
  // (outside the timed region); the others run in 64 MiB.
  const size_t heap_bytes = reclaims ? 64 * MiB : 1 * GiB;
  constexpr int64_t kBatch = 1 << 20;
  Program program;
  auto runtime = MakeRuntime(collector, heap_bytes, program);
  auto mutator = std::make_unique<Mutator>(*runtime);
  int64_t batches_in_heap = 0;
  while (state.KeepRunningBatch(kBatch)) {
    if (!reclaims && ++batches_in_heap * kBatch * 32 > static_cast<int64_t>(heap_bytes) - 1) {
      state.PauseTiming();
      mutator.reset();
      runtime = MakeRuntime(collector, heap_bytes, program);
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

void BM_MallocFree32(benchmark::State& state) {
  for (auto _ : state) {
    void* p = std::malloc(32);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}

}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  for (const std::string& name : gclab::CollectorRegistry::Global().Names()) {
    benchmark::RegisterBenchmark(("BM_Allocate32/" + name).c_str(), gclab::BM_Allocate32, name);
  }
  benchmark::RegisterBenchmark("BM_MallocFree32", gclab::BM_MallocFree32);
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
