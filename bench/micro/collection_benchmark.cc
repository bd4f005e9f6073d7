// Collection rate: a full stop-the-world collection of a heap holding about one
// million small live objects, for every collector that reclaims memory, reported as
// live bytes traced (marked, or copied) per second and the pause per collection;
// next to the machine's memcpy bandwidth measured in the same run, the ceiling for
// a copying collector.
//
//   tree      a binary tree of 2^20 - 1 nodes built bottom-up: allocation order
//             follows the tree, so marking walks memory mostly in order
//   shuffled  2^20 nodes linked in a random cycle: every edge is a cache miss
//   large     64 byte arrays of 512 KiB (32 MiB) held from one pointer array: what a
//             copying collector pays to move large objects that a non-moving space
//             would only mark
#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "runtime/runtime.h"

namespace gclab {
namespace {

constexpr int kDepth = 19;  // 2^20 - 1 nodes
constexpr size_t kNodes = size_t{1} << 20;

struct Program {
  const SiteInfo* node = nullptr;
  const SiteInfo* array = nullptr;
  const FunctionInfo* frame = nullptr;
  const FunctionInfo* make_tree = nullptr;
};

Ref MakeTree(Mutator& m, const Program& p, int depth) {
  FrameScope f(m, *p.make_tree);
  if (depth > 0) {
    f[0] = MakeTree(m, p, depth - 1);
    f[1] = MakeTree(m, p, depth - 1);
  }
  Ref node = m.Allocate(*p.node);
  m.Store(node, 0, f[0]);
  m.Store(node, 1, f[1]);
  return node;
}

enum class Graph { kTree, kShuffled, kLarge };

void BM_FullCollection(benchmark::State& state, const std::string& collector, Graph graph) {
  RuntimeConfig config;
  config.heap_bytes = 256 * MiB;
  config.prefault_heap = true;
  auto runtime = Runtime::Create(config, *CollectorRegistry::Global().Create(collector));
  if (!runtime.ok()) FatalError(runtime.status().ToString());
  Runtime& rt = **runtime;
  Program p;
  const TypeInfo& node = rt.code().DefineStruct("Node", 3, {0, 1});
  const TypeInfo& array = rt.code().DefineRefArray("[]*Node");
  const TypeInfo& bytes = rt.code().DefineByteArray("[]byte");
  p.node = &rt.code().DefineSite("bench.Node", node, Escape::kEscapes);
  p.array = &rt.code().DefineSite("bench.array", array, Escape::kEscapes);
  const SiteInfo& new_bytes = rt.code().DefineSite("bench.bytes", bytes, Escape::kEscapes);
  p.frame = &rt.code().DefineFunction("bench.main", 2, {0, 1});
  p.make_tree = &rt.code().DefineFunction("bench.MakeTree", 2, {0, 1});
  if (absl::Status s = rt.Start(); !s.ok()) FatalError(s.ToString());
  {
    Mutator m(rt);
    FrameScope f(m, *p.frame);
    uint64_t objects = kNodes - 1;
    if (graph == Graph::kLarge) {
      constexpr size_t kArrays = 64;
      f[0] = m.AllocateArray(*p.array, kArrays);
      for (size_t i = 0; i < kArrays; ++i) {
        Ref array = m.AllocateArray(new_bytes, 512 * KiB);
        std::memset(array->bytes(), static_cast<int>(i), 512 * KiB);
        m.StoreElement(f[0], i, array);
      }
      objects = kArrays + 1;
    } else if (graph == Graph::kShuffled) {
      f[1] = m.AllocateArray(*p.array, kNodes);
      for (size_t i = 0; i < kNodes; ++i) m.StoreElement(f[1], i, m.Allocate(*p.node));
      std::vector<size_t> order(kNodes);
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), std::mt19937_64(42));
      for (size_t i = 0; i < kNodes; ++i) {
        m.Store(f[1]->element(order[i]), 0, f[1]->element(order[(i + 1) % kNodes]));
      }
      f[0] = f[1]->element(order[0]);
      f[1] = nullptr;  // only the cycle stays live
      objects = kNodes;
    } else {
      f[0] = MakeTree(m, p, kDepth);
    }
    m.Collect();
    const size_t live = rt.collector().Usage().live_bytes;
    for (auto _ : state) m.Collect();
    state.SetBytesProcessed(static_cast<int64_t>(live * state.iterations()));
    state.counters["live_MB"] = static_cast<double>(live) / 1e6;
    state.counters["objects"] = static_cast<double>(objects);
  }
}

// memcpy of 64 MiB between two buffers (far larger than the caches).
void BM_Memcpy(benchmark::State& state) {
  constexpr size_t kBytes = 64 * MiB;
  std::vector<char> from(kBytes, 1), to(kBytes, 0);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), kBytes);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(kBytes * state.iterations()));
}

}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("BM_Memcpy", gclab::BM_Memcpy)->Unit(benchmark::kMillisecond);
  for (const std::string& name : gclab::CollectorRegistry::Global().Names()) {
    if (!gclab::CollectorRegistry::Global().Find(name)->traits.reclaims) continue;
    using gclab::Graph;
    for (auto [graph, label] : {std::pair{Graph::kTree, "tree"},
                                std::pair{Graph::kShuffled, "shuffled"},
                                std::pair{Graph::kLarge, "large"}}) {
      benchmark::RegisterBenchmark(("BM_FullCollection/" + name + "/" + label).c_str(),
                                   gclab::BM_FullCollection, name, graph)
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
