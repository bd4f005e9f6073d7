// Write-barrier cost on the mutator: a pointer store through Mutator::Store with the
// barrier inactive (kNone: the one test Go also pays outside marking) and active for
// each kind (dijkstra logs the new value, yuasa the old one, hybrid both, into the
// mutator's log, flushed to the collector when full; card marking dirties a card;
// field and object logging test an unlogged bit that is clear here, the common case
// of a slot or object already logged this cycle), next to a plain store of the same
// pointer. The where-barriers' filter passes every store here (its defaults), so
// their figures include it; field-logging-filtered is a store the filter rejects
// (old-to-old, or into a young object), which costs its compares and nothing else. Stores rotate over 1,024 objects (in cache), so the figure is the
// barrier's instructions, not memory. What the collector then does with the log
// (marking) is a cost of marking, measured by the collection benchmarks.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/micro/micro_runtime.h"

namespace gclab {
namespace {

constexpr size_t kObjects = 1024;
constexpr int64_t kBatch = 1 << 16;

enum class StoreKind {
  kPlain, kNone, kDijkstra, kYuasa, kHybrid, kCardMarking, kFieldLogging, kObjectLogging,
  kFieldLoggingFiltered
};

void BM_PointerStore(benchmark::State& state, StoreKind kind) {
  const SiteInfo* node = nullptr;
  const SiteInfo* array = nullptr;
  const FunctionInfo* frame = nullptr;
  // marksweep takes the log and drops it (Collector::FlushWriteBarrier's default).
  auto runtime = StartRuntime("marksweep", RuntimeConfig{}, [&](Runtime& rt) {
    node = &rt.code().DefineSite("bench.Node", rt.code().DefineStruct("Node", 2, {0}),
                                 Escape::kEscapes);
    array = &rt.code().DefineSite("bench.array", rt.code().DefineRefArray("[]*Node"),
                                  Escape::kEscapes);
    frame = &rt.code().DefineFunction("bench.main", 1, {0});
  });
  Mutator m(*runtime);
  {
    FrameScope f(m, *frame);
    f[0] = m.AllocateArray(*array, kObjects);
    for (size_t i = 0; i < kObjects; ++i) m.StoreElement(f[0], i, m.Allocate(*node));
    Ref objects = f[0];  // nothing allocates below: the array stays put
    // The tables a generational collector would own, over the whole heap: cards of
    // 512 bytes, and an unlogged bit per word (all clear: every slot already logged).
    const std::span<std::byte> heap = runtime->heap();
    const auto heap_begin = reinterpret_cast<uintptr_t>(heap.data());
    std::vector<Card> cards(heap.size() >> 9, Card::kClean);
    std::vector<uint64_t> unlogged(heap.size() >> 9);
    WhereBarrier where;
    where.card_table_biased = cards.data() - (heap_begin >> 9);
    where.unlogged_biased = unlogged.data() - (heap_begin >> 9);
    // Filtered: the filter rejects every store (no value is in its range), as a
    // generational collector's does for an old-to-old or young-holder store.
    if (kind == StoreKind::kFieldLoggingFiltered) where.value_span = 0;
    m.set_where_barrier(where);
    switch (kind) {
      case StoreKind::kDijkstra: m.set_barrier(BarrierKind::kDijkstra); break;
      case StoreKind::kYuasa: m.set_barrier(BarrierKind::kYuasa); break;
      case StoreKind::kHybrid: m.set_barrier(BarrierKind::kHybrid); break;
      case StoreKind::kCardMarking: m.set_barrier(BarrierKind::kCardMarking); break;
      case StoreKind::kFieldLogging:
      case StoreKind::kFieldLoggingFiltered: m.set_barrier(BarrierKind::kFieldLogging); break;
      case StoreKind::kObjectLogging: m.set_barrier(BarrierKind::kObjectLogging); break;
      default: break;
    }
    while (state.KeepRunningBatch(kBatch)) {
      for (int64_t i = 0; i < kBatch; ++i) {
        Ref holder = objects->element(i % kObjects);
        Ref value = objects->element((i + 1) % kObjects);
        if (kind == StoreKind::kPlain) {
          StoreRefRelaxed(holder->ref_slot(0), value);
        } else {
          m.Store(holder, 0, value);
        }
      }
      benchmark::ClobberMemory();
    }
    m.set_barrier(BarrierKind::kNone);
    if (kind == StoreKind::kCardMarking && cards[(reinterpret_cast<uintptr_t>(
                                                      objects->element(0)) - heap_begin) >> 9] !=
                                               Card::kDirty) {
      state.SkipWithError("the card-marking barrier dirtied no card");
    }
  }
}

}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  using gclab::StoreKind;
  for (auto [kind, label] : {std::pair{StoreKind::kPlain, "plain-store"},
                             std::pair{StoreKind::kNone, "inactive"},
                             std::pair{StoreKind::kDijkstra, "dijkstra-active"},
                             std::pair{StoreKind::kYuasa, "yuasa-active"},
                             std::pair{StoreKind::kHybrid, "hybrid-active"},
                             std::pair{StoreKind::kCardMarking, "card-marking-active"},
                             std::pair{StoreKind::kFieldLogging, "field-logging-no-log"},
                             std::pair{StoreKind::kObjectLogging, "object-logging-no-log"},
                             std::pair{StoreKind::kFieldLoggingFiltered,
                                       "field-logging-filtered"}}) {
    benchmark::RegisterBenchmark((std::string("BM_PointerStore/") + label).c_str(),
                                 gclab::BM_PointerStore, kind);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
