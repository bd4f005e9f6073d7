// The stop-the-world base's two pause paths: what a generational plugin relies on.
// A collector that never frees (so that only the paths are under test) fills the
// minor path or declines it; stress mode asks for minor collections when its traits
// say how many.
#include <cstdlib>
#include <mutex>

#include "collectors/common/stop_the_world_collector.h"
#include "gtest/gtest.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

class TwoPathCollector final : public StopTheWorldCollector {
 public:
  TwoPathCollector(bool has_minor, int stress_minor_collections) : has_minor_(has_minor) {
    traits_.name = "two-path-test";
    traits_.reclaims = false;
    traits_.fast_path = AllocFastPath::kNone;
    traits_.stress_minor_collections = stress_minor_collections;
  }
  const CollectorTraits& traits() const override { return traits_; }
  absl::Status Init(Runtime&, std::span<std::byte> heap) override {
    begin_ = top_ = reinterpret_cast<uintptr_t>(heap.data());
    end_ = begin_ + heap.size();
    return absl::OkStatus();
  }
  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo&) override {
    return AllocateOrCollectMinorFirst(mutator, bytes, [&]() -> std::byte* {
      std::lock_guard lock(mu_);
      if (end_ - top_ < bytes) return nullptr;
      top_ += bytes;
      return reinterpret_cast<std::byte*>(top_ - bytes);
    });
  }
  HeapUsage Usage() const override { return {.capacity_bytes = end_ - begin_}; }
  bool IsLiveObject(const Object* object) const override {
    return reinterpret_cast<uintptr_t>(object) < top_;
  }
  int minors = 0, fulls = 0;

 private:
  void CollectInPause(Mutator&, StopTheWorldScope&) override { ++fulls; }
  bool CollectMinorInPause(Mutator&, StopTheWorldScope&) override {
    if (!has_minor_) return false;
    ++minors;
    return true;
  }
  const bool has_minor_;
  CollectorTraits traits_;
  std::mutex mu_;
  uintptr_t begin_ = 0, top_ = 0, end_ = 0;
};

struct Made {
  std::unique_ptr<Runtime> runtime;
  TwoPathCollector* collector;
};

Made Make(testing::TestProgram& program, bool has_minor, int stress_minor_collections,
          bool stress) {
  auto collector = std::make_unique<TwoPathCollector>(has_minor, stress_minor_collections);
  TwoPathCollector* raw = collector.get();
  RuntimeConfig config;
  config.heap_bytes = 16 * MiB;
  config.verify_heap = false;  // it never frees: its live count means nothing
  config.stress = stress;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create(config, std::move(collector));
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  program.Declare((*runtime)->code(), (*runtime)->data());
  EXPECT_TRUE((*runtime)->Start().ok());
  return {*std::move(runtime), raw};
}

std::vector<PauseKind> KindsOf(Runtime& runtime) {
  std::vector<PauseKind> kinds;
  for (const PauseRecord& pause : runtime.events().pauses()) kinds.push_back(pause.kind);
  return kinds;
}

TEST(StopTheWorldCollectorTest, EachKindTakesItsPathAndIsRecordedAsSuch) {
  testing::TestProgram p;
  Made made = Make(p, /*has_minor=*/true, 0, /*stress=*/false);
  {
    Mutator m(*made.runtime);
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
    m.Collect(GcCause::kExplicit, CollectionKind::kFull);
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  }
  EXPECT_EQ(made.collector->minors, 2);
  EXPECT_EQ(made.collector->fulls, 1);
  EXPECT_EQ(KindsOf(*made.runtime),
            (std::vector<PauseKind>{PauseKind::kMinor, PauseKind::kFull, PauseKind::kMinor}));
}

TEST(StopTheWorldCollectorTest, ADeclinedMinorCollectionIsAFullOneInTheSamePause) {
  testing::TestProgram p;
  Made made = Make(p, /*has_minor=*/false, 0, /*stress=*/false);
  {
    Mutator m(*made.runtime);
    m.Collect(GcCause::kExplicit, CollectionKind::kMinor);
  }
  EXPECT_EQ(made.collector->fulls, 1);
  EXPECT_EQ(KindsOf(*made.runtime), std::vector<PauseKind>{PauseKind::kFull});
}

TEST(StopTheWorldCollectorTest, StressModeAsksForTheMinorCollectionsTheTraitsName) {
  testing::TestProgram p;
  Made made = Make(p, /*has_minor=*/true, /*stress_minor_collections=*/2, /*stress=*/true);
  {
    Mutator m(*made.runtime);  // no fast path: every allocation is a stress point
    for (int i = 0; i < 9; ++i) m.Allocate(*p.new_node);
  }
  EXPECT_EQ(made.collector->minors, 6);
  EXPECT_EQ(made.collector->fulls, 3);
  EXPECT_EQ(KindsOf(*made.runtime)[2], PauseKind::kFull);
  EXPECT_EQ(KindsOf(*made.runtime)[3], PauseKind::kMinor);
}

TEST(StopTheWorldCollectorTest, WithoutGenerationsEveryStressCollectionIsFull) {
  testing::TestProgram p;
  Made made = Make(p, /*has_minor=*/true, /*stress_minor_collections=*/0, /*stress=*/true);
  {
    Mutator m(*made.runtime);
    for (int i = 0; i < 5; ++i) m.Allocate(*p.new_node);
  }
  EXPECT_EQ(made.collector->minors, 0);
  EXPECT_EQ(made.collector->fulls, 5);
}

}  // namespace
}  // namespace gclab
