// Randomised graph stress, for every collector and barrier variant: several mutator
// threads build, rewire and drop object graphs held by globals, frame slots (at
// every depth of a random call stack), stack-arena objects and heap fields, while
// collections happen. Each thread keeps a shadow of its graph outside the heap:
// every object carries its id in a word, and the shadow's edges must match the
// heap's whenever a collection has completed (and every few hundred operations).
// The first object whose id or edges differ is reported with the path that reached
// it and the seed that reproduces the operation sequence.
//
//   GCLAB_STRESS_SECONDS  how long each collector runs (default 2; the long mode in
//                         the README uses 300)
//   GCLAB_STRESS_SEED     the seed (default: from the clock, printed)
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "harness/matrix/matrix.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

constexpr int kThreads = 4;
constexpr int kGlobalsPerThread = 8;
constexpr int kFields = 4;      // pointer fields 0-3 of every stress object,
constexpr int kIdWord = 4;      // then its id
constexpr int kBigWords = 64;   // a big object's words in all (the most a struct has)
constexpr int kRootSlots = 7;   // frame slots 0-6 hold graph roots
constexpr int kMaxDepth = 6;
constexpr size_t kLiveObjectsPerThread = 3000;  // above this, operations mostly drop
constexpr int kFullCheckEvery = 512;            // operations

uint64_t SeedFromEnvironment() {
  uint64_t seed = 0;
  const char* text = std::getenv("GCLAB_STRESS_SEED");
  if (text != nullptr && absl::SimpleAtoi(text, &seed)) return seed;
  return static_cast<uint64_t>(absl::GetCurrentTimeNanos());
}

double SecondsFromEnvironment() {
  double seconds = 2;
  const char* text = std::getenv("GCLAB_STRESS_SECONDS");
  if (text != nullptr && absl::SimpleAtod(text, &seconds) && seconds > 0) return seconds;
  return 2;
}

struct StressProgram {
  const SiteInfo* new_node = nullptr;
  const SiteInfo* new_big = nullptr;
  const SiteInfo* local_node = nullptr;  // does not escape: the frame's arena
  const FunctionInfo* frame = nullptr;
  Global globals[kThreads][kGlobalsPerThread] = {};

  void Declare(CodeSegment& code, DataSegment& data) {
    const TypeInfo& node = code.DefineStruct("StressNode", kFields + 1, {0, 1, 2, 3});
    const TypeInfo& big = code.DefineStruct("StressBig", kBigWords, {0, 1, 2, 3});
    new_node = &code.DefineSite("stress.Node", node, Escape::kEscapes);
    new_big = &code.DefineSite("stress.Big", big, Escape::kEscapes);
    local_node = &code.DefineSite("stress.localNode", node, Escape::kNoEscape);
    frame = &code.DefineFunction("stress.level", kRootSlots, {0, 1, 2, 3, 4, 5, 6}, 512);
    for (int t = 0; t < kThreads; ++t) {
      for (int g = 0; g < kGlobalsPerThread; ++g) {
        globals[t][g] = data.DefineRef(absl::StrCat("stress.t", t, ".g", g));
      }
    }
  }
};

struct ShadowObject {
  std::array<uint64_t, kFields> fields{};  // ids; 0 is nil
  int stack_depth = -1;                    // >= 0: lives in that frame's arena
};

struct Totals {
  std::atomic<uint64_t> ops{0}, full_checks{0}, objects_compared{0}, allocations{0};
};

// One mutator thread's graph, its shadow, and the operations on both.
class GraphStresser {
 public:
  GraphStresser(Runtime& runtime, const StressProgram& program, int thread, uint64_t seed,
                absl::Time deadline, std::atomic<bool>& stop, Totals& totals,
                uint64_t sabotage_at_op = 0)
      : runtime_(runtime), program_(program), thread_(thread), seed_(seed), rng_(seed),
        deadline_(deadline), give_up_(absl::Now() + 10 * (deadline - absl::Now())),
        stop_(stop), totals_(totals), sabotage_at_op_(sabotage_at_op),
        m_(runtime) {}

  // Construct on the thread that runs it: the mutator belongs to that thread.

  void Run() {
    reclaims_ = runtime_.collector().traits().reclaims;
    Level(0);
    if (failure_.empty()) FullCheck();  // once more with what the stack left
    totals_.ops += ops_;
    totals_.allocations += next_id_;
  }
  const std::string& failure() const { return failure_; }

 private:
  enum Op { kAllocate, kLink, kDrop, kLocal, kCall, kReturn, kWalk, kCollect };

  // A frame of the random call stack: runs operations until it returns.
  void Level(int depth) {
    FrameScope frame(m_, *program_.frame);
    frames_.push_back(&frame);
    shadow_frames_.emplace_back();
    while (!Done()) {
      const Op op = PickOp();
      if (op == kReturn && depth > 0) break;
      if (op == kCall && depth < kMaxDepth) {
        Level(depth + 1);
        continue;
      }
      Do(op);
      m_.Poll();
      if (++ops_ >= sabotage_at_op_ && sabotage_at_op_ != 0) Sabotage();
      const uint64_t collections =
          ops_ % 64 == 0 ? runtime_.collector().Usage().collections : seen_collections_;
      if (collections != seen_collections_ || ops_ % kFullCheckEvery == 0) {
        seen_collections_ = collections;
        FullCheck();
      }
    }
    for (auto it = shadow_.begin(); it != shadow_.end();) {
      if (it->second.stack_depth == depth) {
        shadow_.erase(it++);
      } else {
        ++it;
      }
    }
    frames_.pop_back();
    shadow_frames_.pop_back();
  }

  bool Done() {
    if (!failure_.empty() || stop_.load(std::memory_order_relaxed)) return true;
    // Past the deadline, go on until a collection has completed (a slow build may not
    // have filled the heap yet); never past ten times the deadline.
    if ((ops_ & 63) == 0 && absl::Now() > deadline_ &&
        (!reclaims_ || seen_collections_ > 0 || absl::Now() > give_up_)) {
      return true;
    }
    // Without reclamation the heap only fills: stop well before it is full.
    return !reclaims_ && m_.heap_bytes_allocated() > runtime_.config().heap_bytes / (2 * kThreads);
  }

  Op PickOp() {
    // Now and then a collection at an arbitrary point of the graph's changes, so that
    // every collector collects however slowly the build allocates (TSan).
    if (rng_.Below(4096) == 0) return kCollect;
    const uint64_t r = rng_.Below(100);
    if (live_ > kLiveObjectsPerThread && r < 50) return kDrop;
    if (r < 35) return kAllocate;
    if (r < 60) return kLink;
    if (r < 63) return kDrop;
    if (r < 68) return kLocal;
    if (r < 73) return kCall;
    if (r < 78) return kReturn;
    return kWalk;
  }

  void Do(Op op) {
    switch (op) {
      case kAllocate: return Allocate(/*local=*/false);
      case kLocal: return Allocate(/*local=*/true);
      case kLink: return Link();
      case kDrop: return Drop();
      case kWalk: Walk(/*heap_only=*/false); return;
      case kCollect: m_.Collect(); return;
      case kCall:
      case kReturn: return;  // at the deepest or outermost frame: nothing to do
    }
  }

  // --- Roots: the thread's globals, then every frame's slots, outermost first ---

  int NumRoots() const { return kGlobalsPerThread + static_cast<int>(frames_.size()) * kRootSlots; }
  Ref RootRef(int root) {
    if (root < kGlobalsPerThread) return runtime_.data().LoadRef(program_.globals[thread_][root]);
    root -= kGlobalsPerThread;
    return (*frames_[root / kRootSlots])[root % kRootSlots];
  }
  uint64_t& RootId(int root) {
    if (root < kGlobalsPerThread) return shadow_globals_[root];
    root -= kGlobalsPerThread;
    return shadow_frames_[root / kRootSlots][root % kRootSlots];
  }
  void SetRoot(int root, Ref ref, uint64_t id) {
    RootId(root) = id;
    if (root < kGlobalsPerThread) {
      m_.StoreGlobal(program_.globals[thread_][root], ref);
    } else {
      root -= kGlobalsPerThread;
      (*frames_[root / kRootSlots])[root % kRootSlots] = ref;
    }
  }
  std::string RootName(int root) const {
    if (root < kGlobalsPerThread) return absl::StrCat("global stress.t", thread_, ".g", root);
    root -= kGlobalsPerThread;
    return absl::StrCat("frame ", root / kRootSlots, " slot ", root % kRootSlots);
  }

  // --- Operations ---

  void Allocate(bool local) {
    const bool big = !local && rng_.Below(8) == 0;
    // Nothing else is held across the allocation: it may collect and move objects.
    Ref object = m_.Allocate(local ? *program_.local_node : big ? *program_.new_big
                                                                : *program_.new_node);
    const uint64_t id = (uint64_t(thread_ + 1) << 48) | ++next_id_;
    object->i64(kIdWord) = id;
    ShadowObject shadow;
    shadow.stack_depth = local ? static_cast<int>(frames_.size()) - 1 : -1;
    for (int field = 0; field < kFields; ++field) {
      if (rng_.Below(2) == 0) continue;
      std::optional<Found> target = Walk(/*heap_only=*/true);
      if (!target) continue;
      m_.Store(object, field, target->ref);
      shadow.fields[field] = target->id;
    }
    shadow_[id] = shadow;
    ++live_;
    // An arena object may only be held by its own frame (it dies with it).
    if (local || rng_.Below(3) == 0) {
      const int depth = local ? static_cast<int>(frames_.size()) - 1
                              : static_cast<int>(rng_.Below(frames_.size()));
      SetRoot(kGlobalsPerThread + depth * kRootSlots + static_cast<int>(rng_.Below(kRootSlots)),
              object, id);
    } else if (rng_.Below(2) == 0) {
      SetRoot(static_cast<int>(rng_.Below(kGlobalsPerThread)), object, id);
    } else if (std::optional<Found> holder = Walk(/*heap_only=*/false)) {
      const int field = static_cast<int>(rng_.Below(kFields));
      m_.Store(holder->ref, field, object);
      shadow_[holder->id].fields[field] = id;
    }
  }

  void Link() {
    std::optional<Found> holder = Walk(/*heap_only=*/false);
    if (!holder) return;
    std::optional<Found> target = Walk(/*heap_only=*/true);
    const int field = static_cast<int>(rng_.Below(kFields));
    m_.Store(holder->ref, field, target ? target->ref : nullptr);
    shadow_[holder->id].fields[field] = target ? target->id : 0;
  }

  void Drop() {
    if (rng_.Below(2) == 0) {
      SetRoot(static_cast<int>(rng_.Below(NumRoots())), nullptr, 0);
    } else if (std::optional<Found> holder = Walk(/*heap_only=*/false)) {
      const int field = static_cast<int>(rng_.Below(kFields));
      m_.Store(holder->ref, field, nullptr);
      shadow_[holder->id].fields[field] = 0;
    }
  }

  // What a collector that loses an object looks like to the model: a field cleared
  // behind its back. Only for the test that the checker notices.
  void Sabotage() {
    std::optional<Found> holder = Walk(/*heap_only=*/true);
    if (!holder) return;
    for (int field = 0; field < kFields; ++field) {
      if (shadow_.at(holder->id).fields[field] != 0) {
        *holder->ref->ref_slot(field) = nullptr;
        sabotage_at_op_ = 0;
        return;
      }
    }
  }

  // --- Checking ---

  struct Found {
    Ref ref;
    uint64_t id;
  };

  // A random reachable object: from a random root along up to three random edges,
  // checking every object passed. Heap-only walks never end on an arena object
  // (nothing but its own frame may point at one).
  std::optional<Found> Walk(bool heap_only) {
    const int root = static_cast<int>(rng_.Below(NumRoots()));
    Found at{RootRef(root), RootId(root)};
    std::string path = RootName(root);
    if (!Matches(at.ref, at.id, path)) return std::nullopt;
    if (at.id == 0) return std::nullopt;
    const int steps = static_cast<int>(rng_.Below(4));
    for (int step = 0; step < steps; ++step) {
      const int field = static_cast<int>(rng_.Below(kFields));
      const uint64_t next = shadow_.at(at.id).fields[field];
      if (next == 0) break;
      at = Found{at.ref->ref(field), next};
      absl::StrAppend(&path, " -> field ", field);
      if (!Matches(at.ref, at.id, path)) return std::nullopt;
    }
    if (heap_only && shadow_.at(at.id).stack_depth >= 0) return std::nullopt;
    return at;
  }

  // Whether the heap object `ref` is the shadow's object `id` with the same edges
  // (by id); records the first difference.
  bool Matches(Ref ref, uint64_t id, const std::string& path) {
    auto fail = [&](const std::string& what) {
      if (failure_.empty()) {
        failure_ = absl::StrCat("seed ", seed_, ", thread ", thread_, ", after ", ops_,
                                " operations: first diverging object ", IdName(id),
                                " (reached by ", path, "): ", what);
      }
      stop_.store(true);
      return false;
    };
    if (id == 0) return ref == nullptr || fail(absl::StrCat("the heap has ", Describe(ref),
                                                            " where the model has nil"));
    if (ref == nullptr) return fail("the heap has nil");
    if (static_cast<uint64_t>(ref->i64(kIdWord)) != id) {
      return fail(absl::StrCat("the heap has ", Describe(ref), " there"));
    }
    const ShadowObject& shadow = shadow_.at(id);
    for (int field = 0; field < kFields; ++field) {
      const Ref child = ref->ref(field);
      const uint64_t expected = shadow.fields[field];
      const uint64_t actual = child == nullptr ? 0 : static_cast<uint64_t>(child->i64(kIdWord));
      if (actual != expected) {
        return fail(absl::StrCat("field ", field, " holds ", child == nullptr ? "nil" : Describe(child),
                                 " in the heap, ", IdName(expected), " in the model"));
      }
    }
    return true;
  }

  std::string Describe(Ref ref) const {
    return absl::StrCat(IdName(static_cast<uint64_t>(ref->i64(kIdWord))), " at ",
                        runtime_.Describe(ref));
  }
  static std::string IdName(uint64_t id) {
    if (id == 0) return "nil";
    return absl::StrCat("#", id & ((uint64_t(1) << 48) - 1), " of thread ", (id >> 48) - 1);
  }

  // Every reachable object against the shadow, breadth first from the roots in
  // order; objects the shadow can no longer reach are dropped from it (garbage).
  void FullCheck() {
    absl::flat_hash_set<uint64_t> reached;
    std::vector<std::pair<Found, std::string>> queue;
    for (int root = 0; root < NumRoots(); ++root) {
      queue.push_back({Found{RootRef(root), RootId(root)}, RootName(root)});
    }
    for (size_t next = 0; next < queue.size() && failure_.empty(); ++next) {
      const auto [at, path] = queue[next];
      if (!Matches(at.ref, at.id, path) || at.id == 0 || !reached.insert(at.id).second) continue;
      const ShadowObject& shadow = shadow_.at(at.id);
      for (int field = 0; field < kFields; ++field) {
        if (shadow.fields[field] != 0) {
          queue.push_back({Found{at.ref->ref(field), shadow.fields[field]},
                           absl::StrCat(path, " -> field ", field)});
        }
      }
    }
    totals_.full_checks += 1;
    totals_.objects_compared += reached.size();
    if (!failure_.empty()) return;
    for (auto it = shadow_.begin(); it != shadow_.end();) {
      if (!reached.contains(it->first)) {
        shadow_.erase(it++);
      } else {
        ++it;
      }
    }
    live_ = shadow_.size();
  }

  Runtime& runtime_;
  const StressProgram& program_;
  const int thread_;
  const uint64_t seed_;
  SplitMix64 rng_;
  const absl::Time deadline_;
  const absl::Time give_up_;
  std::atomic<bool>& stop_;
  Totals& totals_;
  uint64_t sabotage_at_op_;
  Mutator m_;
  bool reclaims_ = true;
  std::vector<FrameScope*> frames_;
  std::vector<std::array<uint64_t, kRootSlots>> shadow_frames_;
  std::array<uint64_t, kGlobalsPerThread> shadow_globals_{};
  absl::flat_hash_map<uint64_t, ShadowObject> shadow_;
  uint64_t next_id_ = 0;
  uint64_t ops_ = 0;
  uint64_t seen_collections_ = 0;
  size_t live_ = 0;
  std::string failure_;
};

class GraphStressTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GraphStressTest, RandomGraphsMatchTheirModel) {
  const std::string& spec = GetParam();
  const uint64_t seed = SeedFromEnvironment();
  const double seconds = SecondsFromEnvironment();
  std::fprintf(stderr, "graph stress %s: seed %llu (GCLAB_STRESS_SEED=%llu repeats it), %g s\n",
               spec.c_str(), static_cast<unsigned long long>(seed),
               static_cast<unsigned long long>(seed), seconds);
  absl::StatusOr<std::unique_ptr<Collector>> collector = CollectorRegistry::Global().Create(spec);
  ASSERT_TRUE(collector.ok()) << collector.status();
  const bool reclaims = (*collector)->traits().reclaims;
  RuntimeConfig config;
  config.heap_bytes = reclaims ? 4 * MiB : 1024 * MiB;
  config.verify_heap = true;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create(config, *std::move(collector));
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  StressProgram program;
  program.Declare((*runtime)->code(), (*runtime)->data());
  ASSERT_TRUE((*runtime)->Start().ok());

  const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
  std::atomic<bool> stop{false};
  Totals totals;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread its own stream, all from the one seed.
      GraphStresser stresser(**runtime, program, t, SplitMix64(seed + t).Next(), deadline, stop,
                             totals);
      stresser.Run();
      failures[t] = stresser.failure();
    });
  }
  for (std::thread& thread : threads) thread.join();

  const uint64_t collections = (*runtime)->collector().Usage().collections;
  std::fprintf(stderr,
               "graph stress %s: %llu operations (%llu allocations) on %d threads, %llu "
               "collections, %llu full checks comparing %llu objects\n",
               spec.c_str(), static_cast<unsigned long long>(totals.ops.load()),
               static_cast<unsigned long long>(totals.allocations.load()), kThreads,
               static_cast<unsigned long long>(collections),
               static_cast<unsigned long long>(totals.full_checks.load()),
               static_cast<unsigned long long>(totals.objects_compared.load()));
  for (const std::string& failure : failures) {
    EXPECT_EQ(failure, "") << "graph stress of " << spec << " lost or corrupted "
                                       << "an object; GCLAB_STRESS_SEED=" << seed << " repeats it";
  }
  if (reclaims) {
    EXPECT_GT(collections, 0u) << "the stress never collected";
  }
}

// The check can fail: an edge lost behind the model's back is reported as the first
// diverging object, with the seed.
TEST(GraphStressCheckTest, ALostEdgeIsReportedWithTheSeed) {
  absl::StatusOr<std::unique_ptr<Collector>> collector =
      CollectorRegistry::Global().Create("marksweep");
  ASSERT_TRUE(collector.ok());
  absl::StatusOr<std::unique_ptr<Runtime>> runtime =
      Runtime::Create(RuntimeConfig{.heap_bytes = 4 * MiB}, *std::move(collector));
  ASSERT_TRUE(runtime.ok());
  StressProgram program;
  program.Declare((*runtime)->code(), (*runtime)->data());
  ASSERT_TRUE((*runtime)->Start().ok());
  std::atomic<bool> stop{false};
  Totals totals;
  std::string failure;
  std::thread thread([&] {
    GraphStresser stresser(**runtime, program, 0, 42, absl::Now() + absl::Seconds(30), stop,
                           totals, /*sabotage_at_op=*/5000);
    stresser.Run();
    failure = stresser.failure();
  });
  thread.join();
  EXPECT_NE(failure.find("seed 42, thread 0"), std::string::npos) << failure;
  EXPECT_NE(failure.find("first diverging object #"), std::string::npos) << failure;
  EXPECT_NE(failure.find("in the heap, #"), std::string::npos) << failure;
  std::printf("reported: %s\n", failure.c_str());
  EXPECT_LT(totals.ops.load(), 6000u) << "found only after " << totals.ops.load() << " ops";
}

INSTANTIATE_TEST_SUITE_P(EveryCollector, GraphStressTest,
                         ::testing::ValuesIn(CollectorRegistry::Global().SpecsToTest()),
                         [](const auto& info) { return testing::TestNameOf(info.param); });

}  // namespace
}  // namespace gclab
