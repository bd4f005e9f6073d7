// The conformance suite: every registered collector must pass every test here, with
// the heap verifier running after every collection (the test runtime turns it on).
// Registering a collector is enough to be tested; nothing here names one.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::BuildList;
using testing::MakeTestRuntime;
using testing::SumList;
using testing::TestProgram;
using testing::TestRuntimeOptions;

class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  // A collector that cannot be made ends the test at once with the reason, rather
  // than letting it carry on without a runtime.
  std::unique_ptr<Runtime> Make(TestRuntimeOptions options = {}) {
    absl::StatusOr<std::unique_ptr<Runtime>> rt = TryMakeTestRuntime(GetParam(), p_, options);
    if (!rt.ok()) FatalError(absl::StrCat("no runtime to test: ", rt.status().message()));
    return *std::move(rt);
  }
  const CollectorTraits& traits() const {
    return CollectorRegistry::Global().FindSpec(GetParam())->traits;
  }
  // Checks the heap from the roots now; the live-byte count only means something
  // for a collector that finds liveness, and is exact only if it does so with the
  // world stopped (a concurrent cycle also keeps what died while it marked) and
  // precisely.
  void ExpectHeapVerifies(Runtime& rt) {
    absl::Status status = rt.VerifyHeap(/*check_live_bytes=*/ExactLiveBytes());
    EXPECT_TRUE(status.ok()) << status;
  }
  bool ExactLiveBytes() const {
    return traits().reclaims && !traits().concurrent && !traits().conservative;
  }
  // After the last root is dropped and a collection: nothing is live. A conservative
  // collector may keep what a stale word on some stack points at.
  void ExpectNothingLive(Runtime& rt) {
    if (traits().conservative) return;
    EXPECT_EQ(rt.collector().Usage().live_bytes, 0u);
  }
  // Allocates `count` unreachable nodes.
  void MakeGarbage(Mutator& m, int64_t count) {
    for (int64_t i = 0; i < count; ++i) m.Allocate(*p_.new_node)->i64(1) = -1;
  }

  TestProgram p_;
};

TEST_P(ConformanceTest, GlobalRootsKeepObjectsAlive) {
  auto rt = Make();
  Mutator m(*rt);
  {
    FrameScope f(m, *p_.frame);
    BuildList(m, p_, &f[0], 1000, 5);
    m.StoreGlobal(p_.roots[0], f[0]);
  }
  MakeGarbage(m, 100'000);
  m.Collect();
  ExpectHeapVerifies(*rt);
  int64_t count = 0;
  EXPECT_EQ(SumList(rt->data().LoadRef(p_.roots[0]), &count), 1000 * 5 + 999 * 1000 / 2);
  EXPECT_EQ(count, 1000);
}

TEST_P(ConformanceTest, FrameSlotsKeepObjectsAlive) {
  auto rt = Make();
  Mutator m(*rt);
  FrameScope outer(m, *p_.frame);
  BuildList(m, p_, &outer[3], 500, 1);
  {
    FrameScope inner(m, *p_.frame);
    BuildList(m, p_, &inner[7], 700, 2);
    MakeGarbage(m, 100'000);
    m.Collect();
    ExpectHeapVerifies(*rt);
    int64_t count = 0;
    EXPECT_EQ(SumList(inner[7], &count), 700 * 2 + 699 * 700 / 2);
  }
  m.Collect();
  int64_t count = 0;
  EXPECT_EQ(SumList(outer[3], &count), 500 + 499 * 500 / 2);
  EXPECT_EQ(count, 500);
}

TEST_P(ConformanceTest, StackArenaObjectsAreRoots) {
  for (bool escape_analysis : {true, false}) {
    SCOPED_TRACE(escape_analysis ? "escape analysis on" : "escape analysis off");
    TestProgram program;
    auto rt = MakeTestRuntime(GetParam(), program, {.escape_analysis = escape_analysis});
    Mutator m(*rt);
    FrameScope f(m, *program.frame);
    // A non-escaping Pair (in the arena when escape analysis is on) is the only
    // path to two heap lists.
    f[0] = m.Allocate(*program.local_pair);
    EXPECT_EQ(rt->InStackSegment(f[0]), escape_analysis);
    {
      FrameScope g(m, *program.frame);
      BuildList(m, program, &g[0], 300, 0);
      m.Store(f[0], 0, g[0]);
      BuildList(m, program, &g[0], 400, 0);
      m.Store(f[0], 1, g[0]);
    }
    for (int i = 0; i < 100'000; ++i) m.Allocate(*program.new_node);
    m.Collect();
    int64_t count = 0;
    SumList(f[0]->ref(0), &count);
    EXPECT_EQ(count, 300);
    SumList(f[0]->ref(1), &count);
    EXPECT_EQ(count, 400);
    EXPECT_TRUE(rt->VerifyHeap(false).ok());
  }
}

TEST_P(ConformanceTest, FramePopReleasesArenaAtOnce) {
  auto rt = Make();
  Mutator m(*rt);
  const uint64_t heap_before = m.heap_bytes_allocated();
  for (int round = 0; round < 1000; ++round) {
    FrameScope f(m, *p_.frame);
    for (int i = 0; i < 32; ++i) f[i % 8] = m.Allocate(*p_.local_node);  // 32 x 24 bytes
  }
  EXPECT_EQ(m.heap_bytes_allocated(), heap_before) << "non-escaping objects went to the heap";
  EXPECT_EQ(m.stack_bytes_allocated(), 1000u * 32 * 24);
  EXPECT_EQ(m.top_frame(), nullptr);
}

TEST_P(ConformanceTest, CyclesSurviveWhileRootedAndDieAfter) {
  auto rt = Make({.heap_bytes = 8 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  // A ring of 1000 nodes.
  BuildList(m, p_, &f[0], 1000, 0);
  Ref last = f[0];
  while (last->ref(0) != nullptr) last = last->ref(0);
  m.Store(last, 0, f[0]);
  m.Collect();
  int64_t seen = 0;
  for (Ref n = f[0]; seen < 2000 && (seen == 0 || n != f[0]); n = n->ref(0)) ++seen;
  EXPECT_EQ(seen, 1000);
  if (!traits().reclaims) return;
  // Drop the ring, then allocate many times its size: it must be reclaimed.
  f[0] = nullptr;
  m.Collect();
  ExpectNothingLive(*rt);
  MakeGarbage(m, 1'000'000);
}

TEST_P(ConformanceTest, TenMillionNodeListIsMarkedWithoutRecursion) {
  auto rt = Make({.heap_bytes = 640 * MiB});  // 240 MB live: room for two semispaces
  // Stress mode collects at every chunk refill, so the list is shorter there: the
  // point under stress is the moves, not the depth.
  const int64_t length = rt->config().stress ? 200'000 : 10'000'000;
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  BuildList(m, p_, &f[0], length, 0);
  m.Collect();
  int64_t count = 0;
  EXPECT_EQ(SumList(f[0], &count), length * (length - 1) / 2);
  EXPECT_EQ(count, length);
  if (traits().reclaims) {
    EXPECT_GE(rt->collector().Usage().live_bytes, static_cast<uint64_t>(length) * 24);
  }
}

TEST_P(ConformanceTest, WideObjectsAndPointerArrays) {
  auto rt = Make({.heap_bytes = 32 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  f[0] = m.Allocate(*p_.new_wide);
  for (int i = 0; i < 64; ++i) {
    Ref node = m.Allocate(*p_.new_node);
    node->i64(1) = i;
    m.Store(f[0], i, node);
  }
  constexpr int kElements = 100'000;
  f[1] = m.AllocateArray(*p_.new_ref_array, kElements);
  for (int i = 0; i < kElements; i += 7) {
    Ref node = m.Allocate(*p_.new_node);
    node->i64(1) = i;
    m.StoreElement(f[1], i, node);
  }
  MakeGarbage(m, 200'000);
  m.Collect();
  MakeGarbage(m, 200'000);
  m.Collect();
  for (int i = 0; i < 64; ++i) EXPECT_EQ(f[0]->ref(i)->i64(1), i);
  ASSERT_EQ(f[1]->length(), uint64_t{kElements});
  for (int i = 0; i < kElements; ++i) {
    if (i % 7 == 0) {
      ASSERT_EQ(f[1]->element(i)->i64(1), i);
    } else {
      ASSERT_EQ(f[1]->element(i), nullptr);
    }
  }
  ExpectHeapVerifies(*rt);
}

TEST_P(ConformanceTest, LargeObjectsSurviveAndAreReclaimed) {
  auto rt = Make({.heap_bytes = 32 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  for (int i = 0; i < 4; ++i) {
    f[i] = m.AllocateArray(*p_.new_byte_array, (i + 1) * 1'000'000 + 17);
    std::memset(f[i]->bytes(), 'a' + i, f[i]->length());
  }
  m.Collect();
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(f[i]->length(), uint64_t((i + 1) * 1'000'000 + 17));
    for (uint64_t b = 0; b < f[i]->length(); b += 4099) ASSERT_EQ(f[i]->bytes()[b], 'a' + i);
  }
  if (!traits().reclaims) return;
  // 200 MB of large garbage through a 32 MiB heap.
  for (int i = 0; i < 100; ++i) m.AllocateArray(*p_.new_byte_array, 2'000'000);
  ExpectHeapVerifies(*rt);
}

TEST_P(ConformanceTest, ContentsSurviveManyCollections) {
  auto rt = Make({.heap_bytes = traits().reclaims ? 16 * MiB : 256 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  // A tree of Pairs with a value per node, and a byte array with a pattern.
  f[1] = m.AllocateArray(*p_.new_byte_array, 5000);
  for (int i = 0; i < 5000; ++i) f[1]->bytes()[i] = static_cast<uint8_t>(i * 31);
  for (int i = 0; i < 2000; ++i) {
    Ref pair = m.Allocate(*p_.new_pair);
    pair->i64(2) = i;
    m.Store(pair, 0, f[0]);
    f[0] = pair;
    if (i % 3 == 0) {
      Ref node = m.Allocate(*p_.new_node);
      node->i64(1) = i * 2;
      m.Store(f[0], 1, node);
    }
  }
  for (int round = 0; round < 20; ++round) {
    MakeGarbage(m, 50'000);
    m.Collect();
  }
  int i = 1999;
  for (Ref pair = f[0]; pair != nullptr; pair = pair->ref(0), --i) {
    ASSERT_EQ(pair->i64(2), i);
    if (i % 3 == 0) {
      ASSERT_NE(pair->ref(1), nullptr);
      ASSERT_EQ(pair->ref(1)->i64(1), i * 2);
    } else {
      ASSERT_EQ(pair->ref(1), nullptr);
    }
  }
  EXPECT_EQ(i, -1);
  for (int b = 0; b < 5000; ++b) ASSERT_EQ(f[1]->bytes()[b], static_cast<uint8_t>(b * 31));
}

TEST_P(ConformanceTest, SteadyChurnDoesNotGrowTheHeap) {
  if (!traits().reclaims) GTEST_SKIP() << GetParam() << " does not reclaim memory";
  auto rt = Make({.heap_bytes = 8 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  BuildList(m, p_, &f[0], 10'000, 0);  // ~240 KB live
  // Allocate 50x the heap in a steady state: 2 GB would not fit without reclaiming.
  // (5x under stress mode, which collects at every chunk refill.)
  const int rounds = rt->config().stress ? 20 : 200;
  for (int round = 0; round < rounds; ++round) {
    BuildList(m, p_, &f[1], 100'000, round);
    f[1] = nullptr;
  }
  const HeapUsage usage = rt->collector().Usage();
  EXPECT_GT(usage.collections, 10u);
  EXPECT_LE(usage.in_use_bytes, usage.capacity_bytes);
  int64_t count = 0;
  SumList(f[0], &count);
  EXPECT_EQ(count, 10'000);
}

TEST_P(ConformanceTest, ThreadsAllocateWhileCollectionsHappen) {
  constexpr int kThreads = 4;
  auto rt = Make({.heap_bytes = traits().reclaims ? 24 * MiB : 512 * MiB});
  std::atomic<int> failures{0};
  auto body = [&](int thread) {
    Mutator m(*rt);
    FrameScope f(m, *p_.frame);
    for (int round = 0; round < 40; ++round) {
      BuildList(m, p_, &f[0], 2000, thread * 1'000'000 + round);
      BuildList(m, p_, &f[1], 5000, 0);  // garbage once overwritten
      if (round % 10 == thread) m.Collect();
      int64_t count = 0;
      const int64_t sum = SumList(f[0], &count);
      const int64_t first = thread * 1'000'000 + round;
      if (count != 2000 || sum != 2000 * first + 1999 * 2000 / 2) ++failures;
      m.Poll();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(body, t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  if (traits().reclaims) {
    EXPECT_GT(rt->collector().Usage().collections, 0u);
  }
}

TEST_P(ConformanceTest, HeapExhaustionIsAStatus) {
  auto rt = Make({.heap_bytes = 4 * MiB});
  Mutator m(*rt);
  absl::Status status = CatchOutOfMemory([&] {
    FrameScope f(m, *p_.frame);
    for (;;) {  // keep everything reachable until the heap runs out
      Ref node = m.Allocate(*p_.new_node);
      m.Store(node, 0, f[0]);
      f[0] = node;
    }
  });
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_NE(status.message().find("4194304"), absl::string_view::npos) << status;
  EXPECT_EQ(m.top_frame(), nullptr) << "frames were not unwound";
  // The runtime is still usable: the frames are gone, so everything is garbage. (Not
  // for a conservative collector: one stale word on this thread's C++ stack keeps
  // the whole list, which fills the heap.)
  if (traits().reclaims && !traits().conservative) {
    m.Collect();
    ExpectNothingLive(*rt);
    FrameScope f(m, *p_.frame);
    BuildList(m, p_, &f[0], 1000, 0);
    int64_t count = 0;
    SumList(f[0], &count);
    EXPECT_EQ(count, 1000);
  }
}

// A word outside every runtime that still holds a pointer into the first runtime's
// heap after that runtime is gone: to a conservative collector with a process-wide
// heap, a root that keeps those objects in the process (libgc scans this global).
volatile Ref stale_word_after_its_runtime = nullptr;

// Runtimes in one process are independent: what one left behind (in a library's
// process-wide heap, say) does not count against the next one's budget.
TEST_P(ConformanceTest, ARuntimeAfterOneThatFilledItsHeapGetsItsWholeBudget) {
  auto fill = [&] {
    TestProgram program;
    auto rt = MakeTestRuntime(GetParam(), program, {.heap_bytes = 4 * MiB});
    Mutator m(*rt);
    int64_t nodes = 0;
    absl::Status status = CatchOutOfMemory([&] {
      FrameScope f(m, *program.frame);
      for (;; ++nodes) {  // everything reachable until the heap runs out
        Ref node = m.Allocate(*program.new_node);
        m.Store(node, 0, f[0]);
        f[0] = node;
        stale_word_after_its_runtime = node;
      }
    });
    EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
    return nodes;
  };
  const int64_t first = fill();
  const int64_t second = fill();
  stale_word_after_its_runtime = nullptr;
  EXPECT_GE(second, first * 9 / 10)
      << "the second runtime held " << second << " objects at out-of-memory, the first "
      << first << ": the first runtime's objects count against the second's budget";
}

// PauseRecord::cycle and PhaseRecord::cycle number collections 1, 2, ... per runtime,
// and every phase of a collection is recorded, with the right in_pause, by the time
// Collect returns.
TEST_P(ConformanceTest, EventsNumberCollectionsFromOneAndKeepEveryPhase) {
  if (!traits().reclaims) GTEST_SKIP() << GetParam() << " never collects";
  auto rt = Make();
  Mutator m(*rt);
  constexpr int kCollections = 4;
  for (int i = 0; i < kCollections; ++i) {
    MakeGarbage(m, 2000);
    m.Collect();
  }
  const std::vector<PauseRecord> pauses = rt->events().pauses();
  const std::vector<PhaseRecord> phases = rt->events().phases();
  ASSERT_FALSE(pauses.empty());
  std::set<uint64_t> cycles;
  uint64_t previous = 0;
  for (const PauseRecord& pause : pauses) {
    EXPECT_GE(pause.cycle, previous) << "pauses out of cycle order";
    previous = pause.cycle;
    cycles.insert(pause.cycle);
  }
  EXPECT_EQ(*cycles.begin(), 1u);
  EXPECT_EQ(*cycles.rbegin(), cycles.size()) << "the cycle numbers have gaps";
  EXPECT_GE(cycles.size(), static_cast<size_t>(kCollections));
  const uint64_t completed = rt->collector().Usage().collections;
  EXPECT_TRUE(cycles.size() == completed || cycles.size() == completed + 1)
      << cycles.size() << " collections begun, " << completed << " completed";
  std::set<uint64_t> swept;
  for (const PhaseRecord& phase : phases) {
    EXPECT_TRUE(cycles.contains(phase.cycle)) << PhaseName(phase.phase) << " of cycle "
                                              << phase.cycle << ", which has no pause";
    if (phase.phase == Phase::kSweep) swept.insert(phase.cycle);
    if (!phase.in_pause) continue;
    bool inside = false;
    for (const PauseRecord& pause : pauses) {
      inside |= pause.cycle == phase.cycle && pause.t_stopped <= phase.t_begin &&
                phase.t_end <= pause.t_resume;
    }
    EXPECT_TRUE(inside) << PhaseName(phase.phase) << " of cycle " << phase.cycle
                        << " is marked in_pause but lies outside that cycle's pauses";
  }
  // Collect returns after a whole collection, swept: a collector that records
  // sweeps has recorded the last one.
  if (!swept.empty()) {
    EXPECT_TRUE(swept.contains(*cycles.rbegin() - (cycles.size() == completed ? 0 : 1)))
        << "the sweep of the last completed collection was not recorded";
  }
}

TEST_P(ConformanceTest, OversizedArrayIsOutOfMemory) {
  auto rt = Make();
  Mutator m(*rt);
  absl::Status status =
      CatchOutOfMemory([&] { m.AllocateArray(*p_.new_byte_array, uint64_t{1} << 36); });
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
}

TEST_P(ConformanceTest, EscapeInvariantViolationIsDetected) {
  if (!kChecks) GTEST_SKIP() << "the escape check is compiled in GCLAB_CHECKS builds only";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto rt = Make();
  EXPECT_DEATH(
      {
        Mutator m(*rt);
        FrameScope f(m, *p_.frame);
        f[0] = m.Allocate(*p_.new_node);
        Ref local = m.Allocate(*p_.local_node);
        m.Store(f[0], 0, local);  // a heap object made to point into the stack
      },
      "escape invariant violated.*test.localNode");
  EXPECT_DEATH(
      {
        Mutator m(*rt);
        FrameScope f(m, *p_.frame);
        m.StoreGlobal(p_.roots[2], m.Allocate(*p_.local_node));
      },
      "escape invariant violated: global 'root2'.*test.localNode");
}

TEST_P(ConformanceTest, VerifierCatchesACorruptedHeap) {
  auto rt = Make();
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  BuildList(m, p_, &f[0], 100, 0);
  m.Collect();
  ASSERT_TRUE(rt->VerifyHeap(ExactLiveBytes()).ok());
  Ref victim = f[0]->ref(0)->ref(0);
  const uint64_t header = victim->header;

  victim->header = 0x5A5A5A5A5A5A5A5A;  // tag bit clear
  EXPECT_FALSE(rt->VerifyHeap(false).ok());
  victim->header = MakeHeader(999, 0);  // unknown type
  EXPECT_FALSE(rt->VerifyHeap(false).ok());
  victim->header = header;
  ASSERT_TRUE(rt->VerifyHeap(false).ok());

  // A pointer into the middle of an object (bypassing the barrier on purpose).
  Ref saved = victim->ref(0);
  *victim->ref_slot(0) = reinterpret_cast<Ref>(reinterpret_cast<char*>(saved) + 8);
  absl::Status status = rt->VerifyHeap(false);
  EXPECT_FALSE(status.ok());
  *victim->ref_slot(0) = saved;

  // A heap object pointing into a frame arena, written around the escape check.
  *victim->ref_slot(0) = m.Allocate(*p_.local_node);
  status = rt->VerifyHeap(false);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("escape invariant"), absl::string_view::npos) << status;
  *victim->ref_slot(0) = saved;
  EXPECT_TRUE(rt->VerifyHeap(false).ok());
}

TEST_P(ConformanceTest, VerifierCatchesALostObject) {
  if (!traits().reclaims) GTEST_SKIP() << GetParam() << " never frees an object";
  if (traits().conservative) {
    GTEST_SKIP() << GetParam() << " cannot tell a dead object from a live one until it "
                                  "reuses the memory (and a stale word may keep it)";
  }
  auto rt = Make();
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  f[0] = m.Allocate(*p_.new_node);
  Ref dead = m.Allocate(*p_.new_node);  // unreachable: the collector frees it
  const auto dead_address = reinterpret_cast<uintptr_t>(dead);
  m.Collect();
  // Resurrect it behind the collector's back, as a collector bug would leave it.
  *f[0]->ref_slot(0) = reinterpret_cast<Ref>(dead_address);
  absl::Status status = rt->VerifyHeap(false);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("lost"), absl::string_view::npos) << status;
  // Said once: the address is not described as "not held live" a second time.
  EXPECT_EQ(status.message().find("not an object the collector holds live"),
            absl::string_view::npos) << status;
  *f[0]->ref_slot(0) = nullptr;
}

// The verifier may run whenever the world is stopped, not only right after a
// collection: objects allocated since (into cells the collection left free, and into
// fresh memory) are live.
TEST_P(ConformanceTest, VerifierAcceptsObjectsAllocatedSinceTheLastCollection) {
  auto rt = Make();
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  BuildList(m, p_, &f[0], 1000, 0);
  MakeGarbage(m, 2000);
  m.Collect();
  BuildList(m, p_, &f[1], 3000, 0);
  absl::Status status = rt->VerifyHeap(false);
  EXPECT_TRUE(status.ok()) << status;
  m.Collect();
  status = rt->VerifyHeap(ExactLiveBytes());
  EXPECT_TRUE(status.ok()) << status;
}

// Remembered sets: young objects whose only path is through an old object (one that
// survived a full collection, or was promoted by a minor one) survive minor
// collections with their contents, whatever holds them: a heap object's field, an
// element of a pointer array that spans many cards, a frame-arena object, a global,
// a channel's buffer. For a collector without generations every collection here is
// a full one, and the test is no weaker.
TEST_P(ConformanceTest, YoungObjectsHeldByOldOnesSurviveMinorCollections) {
  constexpr int64_t kField = 100, kElement = 200, kArena = 300, kGlobal = 400,
                    kChannel = 500, kPromoted = 600;
  auto rt = Make();
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  f[0] = m.Allocate(*p_.new_pair);                  // 0: an old heap object
  f[1] = m.AllocateArray(*p_.new_ref_array, 4096);  // 1: an old array of 32 KiB
  MakeChannel(m, p_.channels, 4, &f[2]);            // 2: an old channel
  f[3] = m.Allocate(*p_.local_pair);                // 3: a frame-arena object
  m.Collect();                                      // all four old now
  auto young = [&](int64_t value, Ref* out) {
    *out = m.Allocate(*p_.new_node);
    (*out)->i64(1) = value;
  };
  for (int64_t round = 0; round < 4; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    {
      FrameScope g(m, *p_.frame);
      // A chain from the old pair's right field: each round's node is young when the
      // previous round's, promoted by now, takes it as its next.
      young(kPromoted + round, &g[0]);
      Ref tail = f[0]->ref(1);
      while (tail != nullptr && tail->ref(0) != nullptr) tail = tail->ref(0);
      if (tail == nullptr) {
        m.Store(f[0], 1, g[0]);
      } else {
        m.Store(tail, 0, g[0]);
      }
      young(kField + round, &g[0]);
      m.Store(f[0], 0, g[0]);
      young(kElement + round, &g[0]);
      m.StoreElement(f[1], 1000 * round + 7, g[0]);
      young(kArena + round, &g[0]);
      m.Store(f[3], 0, g[0]);
      young(kGlobal + round, &g[0]);
      m.StoreGlobal(p_.roots[2], g[0]);
      young(kChannel + round, &g[0]);
      ASSERT_TRUE(ChannelSend(m, &f[2], &g[0]));
    }
    MakeGarbage(m, 20'000);
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
    absl::Status status = rt->VerifyHeap(/*check_live_bytes=*/false);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(f[0]->ref(0)->i64(1), kField + round);
    int64_t expected = kPromoted;
    for (Ref node = f[0]->ref(1); node != nullptr; node = node->ref(0)) {
      EXPECT_EQ(node->i64(1), expected++);
    }
    EXPECT_EQ(expected, kPromoted + round + 1);
    for (int64_t r = 0; r <= round; ++r) {
      EXPECT_EQ(f[1]->element(1000 * r + 7)->i64(1), kElement + r);
    }
    EXPECT_EQ(f[3]->ref(0)->i64(1), kArena + round);
    EXPECT_EQ(rt->data().LoadRef(p_.roots[2])->i64(1), kGlobal + round);
  }
  for (int64_t round = 0; round < 4; ++round) {
    FrameScope g(m, *p_.frame);
    ASSERT_TRUE(ChannelReceive(m, &f[2], &g[0]));
    EXPECT_EQ(g[0]->i64(1), kChannel + round);
  }
  m.Collect();
  ExpectHeapVerifies(*rt);
}

TEST_P(ConformanceTest, MovedObjectsKeepContentsAndShape) {
  if (!traits().moving) GTEST_SKIP() << GetParam() << " does not move objects";
  auto rt = Make();
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  MakeGarbage(m, 1000);  // so that a sliding compactor moves every survivor too
  BuildList(m, p_, &f[0], 1000, 7);
  m.StoreGlobal(p_.roots[1], f[0]->ref(0)->ref(0));  // the third node, from a global
  f[1] = m.Allocate(*p_.local_pair);                  // an arena object pointing into the list
  m.Store(f[1], 0, f[0]->ref(0));
  std::vector<uintptr_t> before;
  for (Ref n = f[0]; n != nullptr; n = n->ref(0)) before.push_back(reinterpret_cast<uintptr_t>(n));
  m.Collect();
  std::vector<uintptr_t> after;
  int64_t expected = 7;
  for (Ref n = f[0]; n != nullptr; n = n->ref(0)) {
    after.push_back(reinterpret_cast<uintptr_t>(n));
    ASSERT_EQ(n->i64(1), expected++);
  }
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_NE(after[i], before[i]) << "node " << i;
  EXPECT_EQ(rt->data().LoadRef(p_.roots[1]), f[0]->ref(0)->ref(0)) << "global not updated";
  EXPECT_EQ(f[1]->ref(0), f[0]->ref(0)) << "arena object field not updated";
  EXPECT_TRUE(rt->InStackSegment(f[1])) << "arena objects never move";
  ExpectHeapVerifies(*rt);
}

TEST_P(ConformanceTest, StaleRawPointerIsCaughtByPoisoning) {
  if (!traits().poisons_from_space) {
    GTEST_SKIP() << GetParam() << " does not poison the memory objects moved out of";
  }
  if (!kChecks) GTEST_SKIP() << "from-space is poisoned in GCLAB_CHECKS builds only";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto rt = Make();
  EXPECT_DEATH(
      {
        Mutator m(*rt);
        FrameScope f(m, *p_.frame);
        f[0] = m.Allocate(*p_.new_node);
        f[0]->i64(1) = 42;
        Ref raw = f[0];  // the bug: a raw reference held across a collection
        m.Collect();
        std::printf("stale read: %lld\n", static_cast<long long>(raw->i64(1)));
      },
      "poisoned from-space");
}

// The space a stale Ref points into must stay poisoned after later collections
// too: with two semispaces that swap, the abandoned half is the next to-space, and a
// Ref kept across two collections would read whatever object was copied there.
TEST_P(ConformanceTest, StaleRawPointerStaysPoisonedAfterLaterCollections) {
  if (!traits().poisons_from_space) {
    GTEST_SKIP() << GetParam() << " does not poison the memory objects moved out of";
  }
  if (!kChecks) GTEST_SKIP() << "from-space is poisoned in GCLAB_CHECKS builds only";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto rt = Make();
  for (int collections : {2, 3, 20}) {
    EXPECT_DEATH(
        {
          Mutator m(*rt);
          FrameScope f(m, *p_.frame);
          f[0] = m.Allocate(*p_.new_node);
          f[0]->i64(1) = 42;
          Ref raw = f[0];  // the bug: a raw reference held across collections
          for (int i = 0; i < collections; ++i) {
            // Live objects to fill the space the stale Ref used to point into.
            for (int j = 0; j < 64; ++j) {
              Ref node = m.Allocate(*p_.new_node);
              node->i64(1) = j;
              m.Store(node, 0, f[1]);
              f[1] = node;
            }
            m.Collect();
          }
          std::printf("stale read: %lld\n", static_cast<long long>(raw->i64(1)));
        },
        "poisoned from-space")
        << "a Ref kept across " << collections << " collections";
  }
}

// "concurrent:barrier=yuasa" -> "concurrent_barrier_yuasa"
std::string CollectorName(const ::testing::TestParamInfo<std::string>& info) {
  return testing::TestNameOf(info.param);
}

INSTANTIATE_TEST_SUITE_P(EveryCollector, ConformanceTest,
                         ::testing::ValuesIn(CollectorRegistry::Global().SpecsToTest()),
                         CollectorName);

}  // namespace
}  // namespace gclab
