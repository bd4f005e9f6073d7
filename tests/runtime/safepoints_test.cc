// Stopping the world: every running mutator parks at a poll, blocked mutators count
// as stopped, and concurrent requests are serialised.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::MakeTestRuntime;
using testing::TestProgram;

TEST(SafepointsTest, StopParksEveryRunningMutator) {
  TestProgram p;
  auto rt = MakeTestRuntime("nogc", p);
  constexpr int kThreads = 3;
  std::atomic<bool> done{false};
  std::atomic<int> started{0};
  std::atomic<int64_t> progress{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Mutator m(*rt);
      ++started;
      while (!done.load()) {
        progress.fetch_add(1, std::memory_order_relaxed);
        m.Poll();
      }
    });
  }
  while (started.load() < kThreads) std::this_thread::yield();
  Mutator main(*rt);
  for (int round = 0; round < 20; ++round) {
    StopTheWorldScope stw(main, PauseKind::kFull, GcCause::kExplicit);
    ASSERT_TRUE(stw.stopped());
    stw.StartCycle();
    const int64_t before = progress.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(progress.load(), before) << "a mutator ran while the world was stopped";
  }
  done = true;
  {
    BlockingScope joining(main);
    for (auto& t : threads) t.join();
  }
  const auto pauses = rt->events().pauses();
  ASSERT_EQ(pauses.size(), 20u);
  for (const PauseRecord& pause : pauses) {
    EXPECT_LE(pause.t_request, pause.t_stopped);
    EXPECT_LT(pause.t_stopped, pause.t_resume);
    EXPECT_GE(pause.duration(), 2'000'000);
  }
}

TEST(SafepointsTest, BlockedMutatorsCountAsStopped) {
  TestProgram p;
  auto rt = MakeTestRuntime("nogc", p);
  std::atomic<bool> blocked{false};
  std::atomic<bool> release{false};
  std::thread waiter([&] {
    Mutator m(*rt);
    BlockingScope wait(m);  // never polls while blocked
    blocked = true;
    while (!release.load()) std::this_thread::yield();
  });
  while (!blocked.load()) std::this_thread::yield();
  Mutator main(*rt);
  {
    StopTheWorldScope stw(main, PauseKind::kFull, GcCause::kExplicit);
    EXPECT_TRUE(stw.stopped());
    if (stw.stopped()) stw.StartCycle();
  }
  release = true;
  BlockingScope joining(main);
  waiter.join();
}

TEST(SafepointsTest, ConcurrentRequestsAreSerialised) {
  TestProgram p;
  auto rt = MakeTestRuntime("nogc", p);
  constexpr int kThreads = 4;
  constexpr int kRequests = 50;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Mutator m(*rt);
      for (int i = 0; i < kRequests; ++i) {
        StopTheWorldScope stw(m, PauseKind::kFull, GcCause::kExplicit);
        if (!stw.stopped()) continue;
        stw.StartCycle();
        ++granted;
        if (inside.fetch_add(1) != 0) ++overlaps;
        std::this_thread::yield();
        inside.fetch_sub(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(granted.load(), 0);
  EXPECT_EQ(rt->events().pauses().size(), static_cast<size_t>(granted.load()));
}

TEST(SafepointsTest, CollectorPausesCarryPhases) {
  TestProgram p;
  auto rt = MakeTestRuntime("marksweep", p);
  Mutator m(*rt);
  m.Collect();
  const auto pauses = rt->events().pauses();
  ASSERT_EQ(pauses.size(), 1u);
  EXPECT_EQ(pauses[0].kind, PauseKind::kFull);
  EXPECT_EQ(pauses[0].cause, GcCause::kExplicit);
  std::vector<Phase> phases;
  for (const PhaseRecord& phase : rt->events().phases()) {
    EXPECT_EQ(phase.cycle, pauses[0].cycle);
    EXPECT_TRUE(phase.in_pause);
    EXPECT_GE(phase.t_begin, pauses[0].t_stopped);
    EXPECT_LE(phase.t_end, pauses[0].t_resume);
    phases.push_back(phase.phase);
  }
  EXPECT_EQ(phases, (std::vector<Phase>{Phase::kRootScan, Phase::kMark, Phase::kSweep,
                                        Phase::kVerify}));
}

TEST(SafepointsTest, RuntimesAreIndependent) {
  TestProgram p1, p2;
  auto a = MakeTestRuntime("marksweep", p1);
  auto b = MakeTestRuntime("marksweep", p2);
  Mutator ma(*a);
  Mutator mb(*b);
  ma.Collect();
  EXPECT_EQ(a->events().pauses().size(), 1u);
  EXPECT_EQ(b->events().pauses().size(), 0u);
  EXPECT_NE(a->heap().data(), b->heap().data());
}

// A blocked mutator counts as stopped; if its thread went on using the heap, a
// collection would run concurrently with it. Every way back in is fatal instead.
class BlockingScopeMisuseDeathTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_P(BlockingScopeMisuseDeathTest, AllocatingInTheHeapIsFatal) {
  EXPECT_DEATH(
      {
        TestProgram p;
        auto rt = MakeTestRuntime(GetParam(), p);
        Mutator m(*rt);
        FrameScope f(m, *p.frame);
        f[0] = m.Allocate(*p.new_node);  // fills the allocation buffer, if any
        BlockingScope blocked(m);
        m.Allocate(*p.new_node);
      },
      "mutator 0 polled .* inside a BlockingScope");
}

TEST_P(BlockingScopeMisuseDeathTest, PollingIsFatalEvenWithNoStopPending) {
  EXPECT_DEATH(
      {
        TestProgram p;
        auto rt = MakeTestRuntime(GetParam(), p);
        Mutator m(*rt);
        BlockingScope blocked(m);
        m.Poll();
      },
      "inside a BlockingScope");
}

TEST_P(BlockingScopeMisuseDeathTest, PollingWhileAnotherThreadStopsTheWorldIsFatal) {
  // Before the trap, such a poll parked a mutator already counted out, and the
  // world then counted as stopped while a thread ran.
  EXPECT_DEATH(
      {
        TestProgram p;
        auto rt = MakeTestRuntime(GetParam(), p);
        std::atomic<bool> stop{false};
        std::thread stopper([&] {
          Mutator s(*rt);
          while (!stop.load()) {
            StopTheWorldScope stw(s, PauseKind::kFull, GcCause::kExplicit);
            if (stw.stopped()) stw.StartCycle();
          }
        });
        Mutator m(*rt);
        BlockingScope blocked(m);
        for (int i = 0; i < 1000; ++i) m.Poll();
        stop = true;
        stopper.join();
      },
      "inside a BlockingScope");
}

TEST_P(BlockingScopeMisuseDeathTest, CollectingIsFatal) {
  EXPECT_DEATH(
      {
        TestProgram p;
        auto rt = MakeTestRuntime(GetParam(), p);
        Mutator m(*rt);
        BlockingScope blocked(m);
        m.Collect();
      },
      "inside a BlockingScope");
}

TEST_P(BlockingScopeMisuseDeathTest, ScopesDoNotNest) {
  EXPECT_DEATH(
      {
        TestProgram p;
        auto rt = MakeTestRuntime(GetParam(), p);
        Mutator m(*rt);
        BlockingScope outer(m);
        BlockingScope inner(m);
      },
      "BlockingScopes do not nest");
}

TEST_P(BlockingScopeMisuseDeathTest, StoringAReferenceIsFatalInChecksBuilds) {
  if (!kChecks) GTEST_SKIP() << "stores are checked in GCLAB_CHECKS builds only";
  EXPECT_DEATH(
      {
        TestProgram p;
        auto rt = MakeTestRuntime(GetParam(), p);
        Mutator m(*rt);
        FrameScope f(m, *p.frame);
        f[0] = m.Allocate(*p.new_node);
        Ref node = f[0];
        BlockingScope blocked(m);
        m.Store(node, 0, node);
      },
      "mutator 0 stored a reference inside a BlockingScope");
}

TEST_P(BlockingScopeMisuseDeathTest, TheScopeRestoresTheFastPath) {
  TestProgram p;
  auto rt = MakeTestRuntime(GetParam(), p);
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  { BlockingScope blocked(m); }
  const uint64_t before = m.heap_bytes_allocated();
  for (int i = 0; i < 1000; ++i) f[0] = m.Allocate(*p.new_node);
  EXPECT_GT(m.heap_bytes_allocated(), before);
  m.Collect();  // checks builds verify the heap here
}

// One collector per allocation fast path: bump, size-class bump, none.
INSTANTIATE_TEST_SUITE_P(FastPaths, BlockingScopeMisuseDeathTest,
                         ::testing::Values("nogc", "marksweep", "malloc-marksweep"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace gclab
