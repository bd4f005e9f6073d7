// Where a value lives, and what reading it costs: a frame slot, a global, a field of
// a heap object, a field of a frame-arena (stack-allocated) object. The popular
// claim is that stack access is faster than global access, and heap access slowest.
//
//   in_cache      read-modify-write of one value through the runtime's own access
//                 path (FrameScope::word, DataSegment::word, Object::i64): address
//                 computation plus a load and a store that stay in L1
//   out_of_cache  a dependent chain of loads (each value is the address of the next)
//                 through 64 MiB of cells of that kind, one cell per 64-byte line, in
//                 random order: memory latency, TLB misses included
//
// The out-of-cache cells: 1M frames of 5 scalar slots (64 bytes each) on a stack;
// every 8th of 8M word globals; 1M heap objects of 64 bytes (nogc's bump heap); 1M
// arena objects of 64 bytes in one frame's arena.
#include <algorithm>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/micro/micro_runtime.h"

namespace gclab {
namespace {

constexpr size_t kLine = 64;
constexpr size_t kCells = 1 << 20;  // x 64 bytes = 64 MiB
constexpr int64_t kBatch = 1 << 16;

enum class Where { kFrameSlot, kGlobal, kHeap, kStackArena };

struct Program {
  const FunctionInfo* main = nullptr;
  const FunctionInfo* cell_frame = nullptr;  // 5 scalar slots: 24 + 40 = 64 bytes
  const FunctionInfo* arena_frame = nullptr;
  const SiteInfo* heap_cell = nullptr;
  const SiteInfo* arena_cell = nullptr;
  std::vector<Global> globals;
};

std::unique_ptr<Runtime> AccessRuntime(Where where, bool out_of_cache, Program& p) {
  RuntimeConfig config;
  config.heap_bytes = 256 * MiB;
  config.stack_bytes = 256 * MiB;
  config.data_bytes = out_of_cache && where == Where::kGlobal ? 80 * MiB : 64 * KiB;
  config.prefault_heap = true;
  return StartRuntime("nogc", config, [&](Runtime& rt) {
    const TypeInfo& cell = rt.code().DefineStruct("Cell", 7, {});  // 8 words
    p.heap_cell = &rt.code().DefineSite("bench.heapCell", cell, Escape::kEscapes);
    p.arena_cell = &rt.code().DefineSite("bench.arenaCell", cell, Escape::kNoEscape);
    p.main = &rt.code().DefineFunction("bench.main", 1, {}, 64);
    p.cell_frame = &rt.code().DefineFunction("bench.cell", 5, {});
    p.arena_frame =
        &rt.code().DefineFunction("bench.arena", 0, {}, static_cast<uint32_t>(kCells * kLine));
    const size_t globals = out_of_cache && where == Where::kGlobal ? kCells * 8 : 1;
    for (size_t i = 0; i < globals; ++i) p.globals.push_back(rt.data().DefineWord("g"));
  });
}

void BM_InCache(benchmark::State& state, Where where) {
  Program p;
  auto runtime = AccessRuntime(where, false, p);
  Mutator m(*runtime);
  FrameScope f(m, *p.main);
  Ref heap_object = m.Allocate(*p.heap_cell);
  Ref arena_object = m.Allocate(*p.arena_cell);
  DataSegment& data = runtime->data();
  while (state.KeepRunningBatch(kBatch)) {
    for (int64_t i = 0; i < kBatch; ++i) {
      switch (where) {
        case Where::kFrameSlot: f.word(0) += i; break;
        case Where::kGlobal: data.word(p.globals[0]) += i; break;
        case Where::kHeap: heap_object->i64(0) += i; break;
        case Where::kStackArena: arena_object->i64(0) += i; break;
      }
      benchmark::ClobberMemory();
    }
  }
}

void BM_OutOfCache(benchmark::State& state, Where where) {
  Program p;
  auto runtime = AccessRuntime(where, true, p);
  Mutator m(*runtime);
  std::vector<int64_t*> cells(kCells);
  std::vector<Frame*> frames;
  Frame* arena = nullptr;
  if (where == Where::kStackArena) arena = m.PushFrame(*p.arena_frame);
  for (size_t i = 0; i < kCells; ++i) {
    switch (where) {
      case Where::kFrameSlot:
        frames.push_back(m.PushFrame(*p.cell_frame));
        cells[i] = reinterpret_cast<int64_t*>(frames.back()->slots());
        break;
      case Where::kGlobal:
        cells[i] = &runtime->data().word(p.globals[i * 8]);
        break;
      case Where::kHeap:
        cells[i] = &m.Allocate(*p.heap_cell)->i64(0);
        break;
      case Where::kStackArena:
        cells[i] = &m.Allocate(*p.arena_cell)->i64(0);
        break;
    }
  }
  // One random cycle through every cell.
  std::vector<size_t> order(kCells);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  for (size_t i = 0; i < kCells; ++i) {
    *cells[order[i]] = reinterpret_cast<int64_t>(cells[order[(i + 1) % kCells]]);
  }
  int64_t* cursor = cells[order[0]];
  while (state.KeepRunningBatch(kBatch)) {
    for (int64_t i = 0; i < kBatch; ++i) cursor = reinterpret_cast<int64_t*>(*cursor);
    benchmark::DoNotOptimize(cursor);
  }
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) m.PopFrame(*it);
  if (arena != nullptr) m.PopFrame(arena);
}

}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  using gclab::Where;
  for (auto [where, label] : {std::pair{Where::kFrameSlot, "frame_slot"},
                              std::pair{Where::kGlobal, "global"},
                              std::pair{Where::kHeap, "heap"},
                              std::pair{Where::kStackArena, "stack_arena"}}) {
    benchmark::RegisterBenchmark((std::string("BM_Access/in_cache/") + label).c_str(),
                                 gclab::BM_InCache, where);
    benchmark::RegisterBenchmark((std::string("BM_Access/out_of_cache/") + label).c_str(),
                                 gclab::BM_OutOfCache, where);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
