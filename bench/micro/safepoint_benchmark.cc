// Safepoint poll and frame push/pop, the two things every Go-like function does:
// Mutator::Poll (one relaxed load and a branch when no stop is pending) and a
// FrameScope of 4 pointer slots (zeroing the slots, linking the frame, polling),
// next to an empty loop of the same length.
#include <memory>

#include "benchmark/benchmark.h"
#include "bench/micro/micro_runtime.h"

namespace gclab {
namespace {

constexpr int64_t kBatch = 1 << 16;

std::unique_ptr<Runtime> PollRuntime(const FunctionInfo** frame) {
  return StartRuntime("marksweep", RuntimeConfig{}, [&](Runtime& rt) {
    *frame = &rt.code().DefineFunction("bench.f", 4, {0, 1, 2, 3});
  });
}

void BM_EmptyLoop(benchmark::State& state) {
  while (state.KeepRunningBatch(kBatch)) {
    for (int64_t i = 0; i < kBatch; ++i) benchmark::DoNotOptimize(i);
  }
}

void BM_Poll(benchmark::State& state) {
  const FunctionInfo* frame = nullptr;
  auto runtime = PollRuntime(&frame);
  Mutator m(*runtime);
  while (state.KeepRunningBatch(kBatch)) {
    for (int64_t i = 0; i < kBatch; ++i) {
      m.Poll();
      benchmark::DoNotOptimize(i);
    }
  }
}

void BM_PushPopFrame(benchmark::State& state) {
  const FunctionInfo* frame = nullptr;
  auto runtime = PollRuntime(&frame);
  Mutator m(*runtime);
  while (state.KeepRunningBatch(kBatch)) {
    for (int64_t i = 0; i < kBatch; ++i) {
      FrameScope f(m, *frame);
      benchmark::DoNotOptimize(f.frame());
    }
  }
}

}  // namespace
}  // namespace gclab

BENCHMARK(gclab::BM_EmptyLoop);
BENCHMARK(gclab::BM_Poll);
BENCHMARK(gclab::BM_PushPopFrame);
BENCHMARK_MAIN();
