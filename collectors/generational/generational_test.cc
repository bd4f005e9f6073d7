// The generational collector's own tests: that its minor collections are minor (a
// pause of that kind, objects promoted out of the nursery), that its remembered set
// is what keeps old-to-young paths alive (without the barrier the verifier finds the
// young object lost), that pretenured objects keep the young objects they point at
// and nothing is lost when a site's placement changes, and that its options are
// checked.
#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/collector.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::MakeTestRuntime;
using testing::TestProgram;

class GenerationalBarrierTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Runtime> Make(bool barrier_on) {
    const std::string spec =
        "generational:barrier=" + GetParam() + (barrier_on ? "" : ":test_barrier=off");
    return MakeTestRuntime(spec, p_, {.heap_bytes = 16 * MiB, .verify_heap = barrier_on});
  }

  // An old pair whose left field is the only path to a young node; then a minor
  // collection. Returns the verifier's verdict.
  absl::Status OldToYoungAcrossAMinorCollection(Runtime& rt) {
    Mutator m(rt);
    FrameScope f(m, *p_.frame);
    f[0] = m.Allocate(*p_.new_pair);
    m.Collect();  // the pair is old now
    const auto old_address = reinterpret_cast<uintptr_t>(f[0]);
    {
      FrameScope g(m, *p_.frame);
      g[0] = m.Allocate(*p_.new_node);
      g[0]->i64(1) = 42;
      m.Store(f[0], 0, g[0]);
    }
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(f[0]), old_address) << "old objects do not move";
    absl::Status status = rt.VerifyHeap(/*check_live_bytes=*/false);
    if (status.ok()) {
      EXPECT_EQ(f[0]->ref(0)->i64(1), 42);
    }
    return status;
  }

  TestProgram p_;
};

TEST_P(GenerationalBarrierTest, TheRememberedSetKeepsAYoungObjectHeldByAnOldOne) {
  auto rt = Make(/*barrier_on=*/true);
  absl::Status status = OldToYoungAcrossAMinorCollection(*rt);
  EXPECT_TRUE(status.ok()) << status;
}

TEST_P(GenerationalBarrierTest, WithoutTheBarrierTheVerifierFindsTheYoungObjectLost) {
  auto rt = Make(/*barrier_on=*/false);
  absl::Status status = OldToYoungAcrossAMinorCollection(*rt);
  EXPECT_FALSE(status.ok()) << "the young object survived without a remembered set";
  EXPECT_NE(status.message().find("lost"), absl::string_view::npos) << status;
}

INSTANTIATE_TEST_SUITE_P(Barriers, GenerationalBarrierTest,
                         ::testing::Values("field", "object", "card"));

TEST(GenerationalTest, MinorCollectionsPromoteAndArePausesOfTheirOwnKind) {
  TestProgram p;
  auto rt = MakeTestRuntime("generational", p);
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  f[0] = m.Allocate(*p.new_node);
  f[0]->i64(1) = 7;
  const auto young_address = reinterpret_cast<uintptr_t>(f[0]);
  m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  EXPECT_NE(reinterpret_cast<uintptr_t>(f[0]), young_address) << "the survivor was not promoted";
  EXPECT_EQ(f[0]->i64(1), 7);
  // The nursery is empty again: the next object is where the first one was.
  f[1] = m.Allocate(*p.new_node);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f[1]), young_address);
  m.Collect();
  int minor = 0, full = 0;
  for (const PauseRecord& pause : rt->events().pauses()) {
    minor += pause.kind == PauseKind::kMinor;
    full += pause.kind == PauseKind::kFull;
  }
  EXPECT_EQ(minor, 1);
  EXPECT_EQ(full, 1);
  bool promote_phase = false;
  for (const PhaseRecord& phase : rt->events().phases()) promote_phase |= phase.phase == Phase::kPromote;
  EXPECT_TRUE(promote_phase);
}

// age=3: a survivor waits in the survivor spaces for two minor collections (moving
// each time) and is promoted at the third; old objects do not move. An old object's
// field is the only path to a second young object throughout: the remembered set must
// keep the slot while its target waits, with no new store to log it again.
TEST(GenerationalTest, SurvivorsArePromotedAtThePromotionAge) {
  TestProgram p;
  auto rt = MakeTestRuntime("generational:age=3", p, {.heap_bytes = 16 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  f[1] = m.Allocate(*p.new_pair);
  m.Collect();  // the pair is old now
  f[0] = m.Allocate(*p.new_node);
  f[0]->i64(1) = 7;
  {
    FrameScope g(m, *p.frame);
    g[0] = m.Allocate(*p.new_node);
    g[0]->i64(1) = 8;
    m.Store(f[1], 0, g[0]);
  }
  std::vector<uintptr_t> addresses = {reinterpret_cast<uintptr_t>(f[0])};
  for (int minor = 1; minor <= 4; ++minor) {
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
    addresses.push_back(reinterpret_cast<uintptr_t>(f[0]));
    ASSERT_EQ(f[0]->i64(1), 7);
    ASSERT_NE(f[1]->ref(0), nullptr);
    ASSERT_EQ(f[1]->ref(0)->i64(1), 8) << "after minor collection " << minor;
  }
  EXPECT_NE(addresses[1], addresses[0]) << "not copied to a survivor space";
  EXPECT_NE(addresses[2], addresses[1]) << "not copied to the other survivor space";
  EXPECT_NE(addresses[3], addresses[2]) << "not promoted";
  EXPECT_EQ(addresses[4], addresses[3]) << "an old object moved";
  // Both survivor spaces lie between eden and the old space, next to each other.
  const uintptr_t survivor_a = std::min(addresses[1], addresses[2]);
  const uintptr_t survivor_b = std::max(addresses[1], addresses[2]);
  EXPECT_LT(survivor_a, survivor_b);
  EXPECT_GT(addresses[3], survivor_b) << "promoted below the survivor spaces";
  EXPECT_EQ(rt->collector().Usage().collections, 5u);
}

// Allocation alone, with a nursery an eighth of a small heap: minor collections
// happen by themselves, and a full one when the old space fills with garbage.
TEST(GenerationalTest, AllocationTriggersMinorThenFullCollections) {
  TestProgram p;
  auto rt = MakeTestRuntime("generational:nursery=0.125", p, {.heap_bytes = 8 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  for (int i = 0; i < 2'000'000; ++i) {
    Ref node = m.Allocate(*p.new_node);
    node->i64(1) = i;
    if (i % 4 == 0) {
      m.Store(node, 0, f[0]);  // a list that keeps growing: survivors fill the old space
      f[0] = node;
    }
    if (i % 100'000 == 0) f[0] = nullptr;  // and then dies
  }
  int minor = 0, full = 0;
  for (const PauseRecord& pause : rt->events().pauses()) {
    minor += pause.kind == PauseKind::kMinor;
    full += pause.kind == PauseKind::kFull;
  }
  EXPECT_GT(minor, 10);
  EXPECT_GE(full, 1);
}

// Makes p.new_pair a pretenured site: every pair it makes survives (a list through
// their left fields, held from f[slot]) while as many nodes die, minor collection
// after minor collection (at most `rounds`), until the collector records the
// decision. Returns whether it did; the list is dropped.
bool PretenurePairs(Runtime& rt, Mutator& m, const TestProgram& p, FrameScope& f, int slot,
                    int rounds = 10) {
  for (int round = 0; round < rounds; ++round) {
    for (int i = 0; i < 20'000; ++i) {
      Ref pair = m.Allocate(*p.new_pair);
      m.Store(pair, 0, f[slot]);
      f[slot] = pair;
      m.Allocate(*p.new_node);
    }
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
    for (const SiteDecisionRecord& d : rt.events().site_decisions()) {
      if (d.site == p.new_pair->id && d.placement == SitePlacement::kOld) {
        f[slot] = nullptr;
        return true;
      }
    }
  }
  return false;
}

// The placements recorded for a site, in order.
std::vector<SitePlacement> PlacementsOf(Runtime& rt, const SiteInfo& site) {
  std::vector<SitePlacement> placements;
  for (const SiteDecisionRecord& d : rt.events().site_decisions()) {
    if (d.site == site.id) placements.push_back(d.placement);
  }
  return placements;
}

class GenerationalPretenuringTest : public ::testing::TestWithParam<std::string> {};

// A pretenured pair is made in the old space; its first stores (initializing ones,
// which no armed bit may log) point at young nodes that nothing else holds. Minor
// collections must keep them (the verifier runs after each), and a store after the
// first collection must be recorded by the barrier.
TEST_P(GenerationalPretenuringTest, APretenuredObjectKeepsTheYoungObjectsItPointsAt) {
  TestProgram p;
  auto rt = MakeTestRuntime("generational:barrier=" + GetParam(), p, {.heap_bytes = 16 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  ASSERT_TRUE(PretenurePairs(*rt, m, p, f, 7)) << "new_pair was never pretenured";
  f[0] = m.Allocate(*p.new_pair);
  const auto address = reinterpret_cast<uintptr_t>(f[0]);
  {
    FrameScope g(m, *p.frame);
    g[0] = m.Allocate(*p.new_node);
    g[0]->i64(1) = 1;
    m.Store(f[0], 0, g[0]);
    g[1] = m.Allocate(*p.new_node);
    g[1]->i64(1) = 2;
    m.Store(f[0], 1, g[1]);
  }
  m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f[0]), address) << "not made in the old space";
  ASSERT_EQ(f[0]->ref(0)->i64(1), 1);
  ASSERT_EQ(f[0]->ref(1)->i64(1), 2);
  {
    FrameScope g(m, *p.frame);
    g[0] = m.Allocate(*p.new_node);
    g[0]->i64(1) = 3;
    m.Store(f[0], 0, g[0]);
  }
  m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  ASSERT_EQ(f[0]->ref(0)->i64(1), 3);
  ASSERT_EQ(f[0]->ref(1)->i64(1), 2);
  m.Collect();
  EXPECT_EQ(f[0]->ref(0)->i64(1), 3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f[0]), address);
}

// The control: without pretenuring the same pair starts in the nursery and moves.
TEST(GenerationalTest, WithoutPretenuringThePairStartsInTheNursery) {
  TestProgram p;
  auto rt = MakeTestRuntime("generational:pretenure=off", p, {.heap_bytes = 16 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  EXPECT_FALSE(PretenurePairs(*rt, m, p, f, 7, /*rounds=*/3));
  f[0] = m.Allocate(*p.new_pair);
  const auto address = reinterpret_cast<uintptr_t>(f[0]);
  m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  EXPECT_NE(reinterpret_cast<uintptr_t>(f[0]), address);
  EXPECT_TRUE(rt->events().site_decisions().empty());
}

INSTANTIATE_TEST_SUITE_P(Barriers, GenerationalPretenuringTest,
                         ::testing::Values("field", "object", "card"));

// new_pair's placement flips three times while a witness list of pairs (every
// 64th, from every phase) and the nodes they point at must all survive: pretenured
// while pairs survive, back to the nursery after a full collection finds nearly all
// its old pairs dead, and pretenured again when they survive again.
TEST(GenerationalTest, NothingIsLostWhenASitesPlacementFlips) {
  TestProgram p;
  auto rt = MakeTestRuntime("generational", p, {.heap_bytes = 16 * MiB});
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  int64_t made = 0;
  int64_t witnessed = 0;
  int64_t witnessed_sum = 0;
  // One pair; every 64th joins the witness list (f[0]) with a young node on its right.
  auto make_pair = [&]() -> Ref {
    Ref pair = m.Allocate(*p.new_pair);
    pair->i64(2) = ++made;
    if (made % 64 == 0) {
      f[1] = pair;
      Ref node = m.Allocate(*p.new_node);
      node->i64(1) = made;
      m.Store(f[1], 1, node);
      m.Store(f[1], 0, f[0]);
      f[0] = f[1];
      f[1] = nullptr;
      ++witnessed;
      witnessed_sum += made;
      return f[0];
    }
    return pair;
  };
  auto check_witnesses = [&] {
    int64_t count = 0;
    int64_t sum = 0;
    for (Ref pair = f[0]; pair != nullptr; pair = pair->ref(0)) {
      ASSERT_EQ(pair->ref(1)->i64(1), pair->i64(2));
      ++count;
      sum += pair->i64(2);
    }
    EXPECT_EQ(count, witnessed);
    EXPECT_EQ(sum, witnessed_sum);
  };
  // Phase 1: pairs survive (those not in the witness list in a list of their own,
  // through their left fields, from f[7]).
  for (int round = 0; round < 10 && PlacementsOf(*rt, *p.new_pair).empty(); ++round) {
    for (int i = 0; i < 20'000; ++i) {
      f[2] = make_pair();
      if (f[2] != f[0]) {
        m.Store(f[2], 0, f[7]);
        f[7] = f[2];
      }
      m.Allocate(*p.new_node);
    }
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  }
  ASSERT_EQ(PlacementsOf(*rt, *p.new_pair), std::vector<SitePlacement>{SitePlacement::kOld});
  check_witnesses();
  // Phase 2: pretenured pairs die at once (the first list goes too).
  f[7] = nullptr;
  f[2] = nullptr;
  for (int i = 0; i < 100'000; ++i) make_pair();
  m.Collect();
  ASSERT_EQ(PlacementsOf(*rt, *p.new_pair),
            (std::vector<SitePlacement>{SitePlacement::kOld, SitePlacement::kNursery}));
  check_witnesses();
  // Phase 3: in the nursery, surviving again.
  for (int round = 0; round < 10 && PlacementsOf(*rt, *p.new_pair).size() < 3; ++round) {
    for (int i = 0; i < 20'000; ++i) {
      f[2] = make_pair();
      if (f[2] != f[0]) {
        m.Store(f[2], 0, f[7]);
        f[7] = f[2];
      }
    }
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
    check_witnesses();
  }
  EXPECT_EQ(PlacementsOf(*rt, *p.new_pair),
            (std::vector<SitePlacement>{SitePlacement::kOld, SitePlacement::kNursery,
                                        SitePlacement::kOld}));
  f[7] = nullptr;
  f[2] = nullptr;
  for (int i = 0; i < 50'000; ++i) make_pair();
  m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  check_witnesses();
  m.Collect();
  check_witnesses();
}

TEST(GenerationalTest, BadOptionsNameWhatIsValid) {
  for (const char* spec : {"generational:barrier=dijkstra", "generational:nursery=0",
                           "generational:nursery=1.5", "generational:card=100",
                           "generational:age=0", "generational:age=16",
                           "generational:pretenure=maybe", "generational:colour=red"}) {
    absl::StatusOr<std::unique_ptr<Collector>> made = CollectorRegistry::Global().Create(spec);
    EXPECT_FALSE(made.ok()) << spec;
    EXPECT_NE(made.status().message().find("generational"), absl::string_view::npos)
        << made.status();
  }
  EXPECT_TRUE(CollectorRegistry::Global().Create("generational:nursery=4:barrier=card:card=1024").ok());
}

}  // namespace
}  // namespace gclab
