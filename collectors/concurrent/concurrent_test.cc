// The concurrent collector's own tests. worker=manual turns the background marker
// off, so a test decides exactly when marking advances: races between the marker
// and the mutator happen at chosen points, the same way on every run.
#include "collectors/concurrent/concurrent.h"

#include <cstdint>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::MakeTestRuntime;
using testing::TestProgram;

constexpr size_t kLeft = 0;
constexpr size_t kRight = 1;
constexpr size_t kValue = 2;

class ConcurrentStepTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Runtime> Make(bool barrier_on, bool verify_heap) {
    const std::string spec = "concurrent:worker=manual:barrier=" + GetParam() +
                             (barrier_on ? "" : ":test_barrier=off");
    return MakeTestRuntime(spec, p_, {.heap_bytes = 64 * MiB, .verify_heap = verify_heap});
  }
  static Concurrent& Collector(Runtime& rt) { return static_cast<Concurrent&>(rt.collector()); }

  // The two moves that break the tri-colour invariant (Wilson's conditions): with
  // A black and B grey, store a pointer to white C into A, then delete B's pointer
  // to C, its only grey path. Returns the verifier's verdict after the cycle.
  absl::Status HideWhiteBehindBlack(Runtime& rt) {
    Mutator m(rt);
    FrameScope f(m, *p_.frame);
    f[0] = m.Allocate(*p_.new_pair);  // A
    f[1] = m.Allocate(*p_.new_pair);  // B
    f[2] = m.Allocate(*p_.new_node);  // C
    f[2]->i64(1) = 42;
    m.Store(f[0], kLeft, f[1]);
    m.Store(f[1], kLeft, f[2]);
    f[1] = nullptr;  // only A is a root: B and C are reached through the heap
    f[2] = nullptr;
    Collector(rt).BeginCycleForTest(m);  // A grey (a stack root)
    EXPECT_EQ(Collector(rt).MarkStepForTest(1), 1u);  // A black, B grey, C white
    Ref a = f[0];
    Ref b = a->ref(kLeft);
    Ref c = b->ref(kLeft);
    m.Store(a, kRight, c);        // black -> white
    m.Store(b, kLeft, nullptr);   // the grey path to white is gone
    while (Collector(rt).MarkStepForTest(100) > 0) {
    }
    Collector(rt).FinishCycleForTest(m);
    absl::Status status = rt.VerifyHeap(/*check_live_bytes=*/false);
    if (status.ok()) {
      EXPECT_EQ(f[0]->ref(kRight)->i64(1), 42);
    }
    return status;
  }

  TestProgram p_;
};

TEST_P(ConcurrentStepTest, WithoutTheBarrierTheVerifierFindsALostObject) {
  auto rt = Make(/*barrier_on=*/false, /*verify_heap=*/false);
  absl::Status status = HideWhiteBehindBlack(*rt);
  ASSERT_FALSE(status.ok()) << "the adversarial mutation lost nothing without a barrier: "
                               "the test cannot tell a barrier from none";
  EXPECT_NE(status.message().find("a reachable object was lost"), absl::string_view::npos) << status;
}

TEST_P(ConcurrentStepTest, TheBarrierKeepsTheHiddenObject) {
  auto rt = Make(/*barrier_on=*/true, /*verify_heap=*/false);
  absl::Status status = HideWhiteBehindBlack(*rt);
  EXPECT_TRUE(status.ok()) << status;
}

// Random mutation (relinking, allocating, moving references between frame slots
// and globals) interleaved with single marking steps, many cycles, the verifier
// after each (fatal on a lost object). The seed is printed on failure.
TEST_P(ConcurrentStepTest, MutationsInterleavedWithSingleMarkingSteps) {
  auto rt = Make(/*barrier_on=*/true, /*verify_heap=*/true);
  Concurrent& gc = Collector(*rt);
  const uint64_t seed = 20261125;
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);  // slots 0-5: roots; 6: scratch
  for (int i = 0; i < 6; ++i) f[i] = m.Allocate(*p_.new_pair);
  // A random object reachable from the roots (a walk from a random root).
  auto reachable = [&]() -> Ref {
    Ref x = f[rng() % 6];
    for (int steps = static_cast<int>(rng() % 6); steps > 0 && x != nullptr; --steps) {
      Ref next = x->ref(rng() % 2);
      if (next == nullptr) break;
      x = next;
    }
    return x;
  };
  // A few hundred objects, so that marking a cycle takes hundreds of steps.
  for (int root = 0; root < 6; ++root) {
    for (int i = 0; i < 50; ++i) {
      f[6] = m.Allocate(*p_.new_pair);
      m.Store(f[6], kLeft, f[root]);
      m.Store(f[6], kRight, reachable());
      f[root] = f[6];
    }
  }
  f[6] = nullptr;
  int64_t next_value = 0;
  uint64_t steps_taken = 0;
  for (int cycle = 0; cycle < 40; ++cycle) {
    gc.BeginCycleForTest(m);
    for (int i = 0; i < 400; ++i) {
      switch (rng() % 5) {
        case 0:
        case 1: {  // relink: x.field = y (or nil)
          Ref x = reachable();
          Ref y = rng() % 20 == 0 ? nullptr : reachable();
          if (x != nullptr) m.Store(x, rng() % 2, y);
          break;
        }
        case 2: {  // a new object linked into the graph
          f[6] = m.Allocate(*p_.new_pair);
          f[6]->i64(kValue) = ++next_value;
          m.Store(f[6], kLeft, reachable());
          if (Ref x = reachable(); x != nullptr) m.Store(x, rng() % 2, f[6]);
          f[6] = nullptr;
          break;
        }
        case 3: {  // a root changes (stack slots are not barriered)
          Ref x = reachable();
          f[rng() % 6] = x != nullptr ? x : f[0];
          if (f[0] == nullptr) f[0] = m.Allocate(*p_.new_pair);
          break;
        }
        case 4:  // a global changes
          m.StoreGlobal(p_.roots[rng() % 4], reachable());
          break;
      }
      if (rng() % 2 == 0) steps_taken += gc.MarkStepForTest(1);
    }
    gc.FinishCycleForTest(m);  // verifies the heap in the termination pause
    for (int i = 0; i < 6; ++i) {
      if (f[i] == nullptr) f[i] = m.Allocate(*p_.new_pair);
    }
  }
  EXPECT_GT(steps_taken, 200u) << "marking hardly interleaved with mutation";
  EXPECT_EQ(rt->collector().Usage().collections, 40u);
}

// The heap fills while a cycle marks: the allocating mutator finishes that cycle's
// marking in one pause instead of marking everything again, so what it allocated
// black during the cycle is still counted live afterwards (a restart would have
// freed it), and the garbage made before the cycle is what makes room.
TEST_P(ConcurrentStepTest, AHeapFullWhileMarkingFinishesTheCycleItInterrupts) {
  auto rt = MakeTestRuntime("concurrent:worker=manual:barrier=" + GetParam(), p_,
                            {.heap_bytes = 4 * MiB, .verify_heap = true});
  Concurrent& gc = Collector(*rt);
  Mutator m(*rt);
  FrameScope f(m, *p_.frame);
  constexpr uint64_t kChunk = 1000;  // bytes of each byte array
  for (int i = 0; i < 1000; ++i) {  // live: a list of 1000 pairs from f[0]
    f[1] = m.Allocate(*p_.new_pair);
    m.Store(f[1], kLeft, f[0]);
    f[1]->i64(kValue) = i;
    f[0] = f[1];
  }
  f[1] = nullptr;
  for (int i = 0; i < 1500; ++i) m.AllocateArray(*p_.new_byte_array, kChunk);  // 1.5 MB garbage
  gc.BeginCycleForTest(m);
  gc.MarkStepForTest(1);
  // Black garbage until the 4 MiB heap is full, and past it.
  const size_t black_bytes = 3 * MiB;
  for (size_t allocated = 0; allocated < black_bytes; allocated += kChunk) {
    m.AllocateArray(*p_.new_byte_array, kChunk);
  }
  EXPECT_EQ(gc.Usage().collections, 1u) << "the heap never filled during the cycle";
  EXPECT_GE(gc.Usage().live_bytes, 2 * MiB)
      << "marking started again from the roots instead of finishing";
  int64_t expected = 999;
  for (Ref x = f[0]; x != nullptr; x = x->ref(kLeft)) EXPECT_EQ(x->i64(kValue), expected--);
  EXPECT_EQ(expected, -1);
  EXPECT_TRUE(rt->VerifyHeap(/*check_live_bytes=*/false).ok());
}

std::string BarrierName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(EveryBarrier, ConcurrentStepTest,
                         ::testing::Values("dijkstra", "yuasa", "hybrid"), BarrierName);

TEST(ConcurrentOptionsTest, BadOptionsAreOneClearError) {
  for (const char* spec : {"concurrent:barrier=brooks", "concurrent:gogc=0",
                           "concurrent:gogc=x", "concurrent:marker_cpu=2",
                           "concurrent:colour=grey"}) {
    auto collector = CollectorRegistry::Global().Create(spec);
    ASSERT_FALSE(collector.ok()) << spec;
    EXPECT_TRUE(absl::IsInvalidArgument(collector.status())) << collector.status();
    EXPECT_NE(collector.status().message().find("concurrent"), absl::string_view::npos);
  }
  EXPECT_TRUE(CollectorRegistry::Global().Create("concurrent:barrier=yuasa:gogc=50").ok());
  EXPECT_TRUE(CollectorRegistry::Global().Create("concurrent:gogc=off").ok());
}

}  // namespace
}  // namespace gclab
