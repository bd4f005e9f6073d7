// Root scanning: ForEachRoot over N pointer roots held in frame slots (frames of 8
// slots) or in globals, every root pointing at the same heap object, the visitor
// reading each slot as a marker would. Reported as roots per second; its inverse is
// the cost per root a collector pays in every pause before it marks anything.
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/micro/micro_runtime.h"

namespace gclab {
namespace {

constexpr uint32_t kSlotsPerFrame = 8;

enum class RootKind { kFrameSlots, kGlobals };

void BM_RootScan(benchmark::State& state, RootKind kind) {
  const auto roots = static_cast<uint32_t>(state.range(0));
  const SiteInfo* node = nullptr;
  const FunctionInfo* frame = nullptr;
  std::vector<Global> globals;
  RuntimeConfig config;
  config.stack_bytes = 64 * MiB;
  config.data_bytes = 64 * MiB;
  auto runtime = StartRuntime("nogc", config, [&](Runtime& rt) {
    node = &rt.code().DefineSite("bench.Node", rt.code().DefineStruct("Node", 2, {0}),
                                 Escape::kEscapes);
    frame = &rt.code().DefineFunction("bench.frame", kSlotsPerFrame, {0, 1, 2, 3, 4, 5, 6, 7});
    if (kind == RootKind::kGlobals) {
      for (uint32_t i = 0; i < roots; ++i) globals.push_back(rt.data().DefineRef("g"));
    }
  });
  Mutator m(*runtime);
  Ref object = m.Allocate(*node);
  std::vector<Frame*> frames;
  if (kind == RootKind::kFrameSlots) {
    for (uint32_t i = 0; i < roots / kSlotsPerFrame; ++i) {
      Frame* f = m.PushFrame(*frame);
      for (uint32_t s = 0; s < kSlotsPerFrame; ++s) f->slots()[s] = object;
      frames.push_back(f);
    }
  } else {
    for (Global g : globals) m.StoreGlobal(g, object);
  }
  for (auto _ : state) {
    uintptr_t sum = 0;
    ForEachRoot(*runtime, [&](Ref* slot) { sum += reinterpret_cast<uintptr_t>(*slot); });
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * roots);
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) m.PopFrame(*it);
}

}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  using gclab::RootKind;
  benchmark::RegisterBenchmark("BM_RootScan/frame_slots", gclab::BM_RootScan,
                               RootKind::kFrameSlots)
      ->Arg(1 << 10)->Arg(1 << 16);
  benchmark::RegisterBenchmark("BM_RootScan/globals", gclab::BM_RootScan, RootKind::kGlobals)
      ->Arg(1 << 10)->Arg(1 << 16);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
