// Pretenuring's decisions, driven by simulation: sites with a given surviving share
// of their nursery allocation, sampled the way the allocation slow path samples it,
// and old-space survival at full collections.
#include "collectors/generational/pretenuring.h"

#include <cstdint>
#include <random>
#include <vector>

#include "collectors/common/bump_region.h"
#include "gtest/gtest.h"

namespace gclab {
namespace {

constexpr size_t kChunk = BumpRegion::kChunkBytes;
constexpr size_t kSites = 4;

// Mutators allocating `bytes_each` objects from sites chosen by `weights`, of which
// each site's objects survive with probability `survival[site]`, until a nursery of
// `nursery` bytes is full; the chunk overflows are sampled as the slow path does.
// Then the minor collection's counts, and AfterMinor.
class NurserySimulation {
 public:
  NurserySimulation(std::vector<double> weights, std::vector<double> survival)
      : weights_(std::move(weights)), survival_(std::move(survival)) {}

  std::vector<SiteDecisionRecord> MinorCycle(Pretenuring& policy, size_t nursery,
                                             size_t bytes_each) {
    std::discrete_distribution<int> pick(weights_.begin(), weights_.end());
    std::uniform_real_distribution<double> unit(0, 1);
    size_t used_in_chunk = kChunk;  // the first allocation takes a chunk
    for (size_t allocated = 0; allocated < nursery; allocated += bytes_each) {
      const int site = pick(rng_);
      if (policy.pretenured(site)) {
        policy.AllocatedOld(site, bytes_each);
        continue;
      }
      if (used_in_chunk + bytes_each > kChunk) {
        policy.SampleNurseryAllocation(site, kChunk);
        used_in_chunk = 0;
      }
      used_in_chunk += bytes_each;
      if (unit(rng_) < survival_[site]) policy.SurvivedNursery(site, bytes_each);
    }
    std::vector<SiteDecisionRecord> decisions;
    ++cycle_;
    policy.AfterMinor(cycle_, static_cast<int64_t>(cycle_) * 1000, kSites, decisions);
    return decisions;
  }

 private:
  std::vector<double> weights_;
  std::vector<double> survival_;
  std::mt19937_64 rng_{42};
  uint64_t cycle_ = 0;
};

TEST(PretenuringTest, ASiteWhoseObjectsSurviveIsPretenuredAndOnlyThatSite) {
  Pretenuring policy(Pretenuring::Thresholds{});
  // Site 0 survives, 1 dies, 2 is half-and-half below the 0.5 line, 3 allocates too
  // little to be judged in one cycle.
  NurserySimulation sim({0.3, 0.5, 0.19, 0.01}, {0.95, 0.02, 0.35, 1.0});
  // One window above the line is not enough: the second decides.
  EXPECT_TRUE(sim.MinorCycle(policy, 8 * MiB, 64).empty());
  EXPECT_FALSE(policy.pretenured(0));
  const std::vector<SiteDecisionRecord> decisions = sim.MinorCycle(policy, 8 * MiB, 64);
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].site, 0u);
  EXPECT_EQ(decisions[0].placement, SitePlacement::kOld);
  EXPECT_NEAR(decisions[0].measured, 0.95, 0.15) << "the sampled estimate of survival";
  EXPECT_GE(decisions[0].basis_bytes, Pretenuring::Thresholds{}.min_sampled_bytes);
  EXPECT_EQ(decisions[0].cycle, 2u);
  EXPECT_TRUE(policy.pretenured(0));
  EXPECT_FALSE(policy.pretenured(1));
  EXPECT_FALSE(policy.pretenured(2));
  EXPECT_NE(policy.table()[0], 0);
  EXPECT_EQ(policy.table()[1], 0);
}

TEST(PretenuringTest, ASmallSiteIsJudgedOnceItsWindowIsLargeEnough) {
  Pretenuring policy(Pretenuring::Thresholds{});
  NurserySimulation sim({0.99, 0.01}, {0.0, 1.0});
  // 1% of 8 MiB per cycle is ~80 KiB: a 512 KiB window fills in about seven cycles,
  // and two windows are needed.
  int decided_at = 0;
  for (int cycle = 1; cycle <= 30 && decided_at == 0; ++cycle) {
    for (const SiteDecisionRecord& d : sim.MinorCycle(policy, 8 * MiB, 64)) {
      EXPECT_EQ(d.site, 1u);
      decided_at = cycle;
    }
  }
  EXPECT_GT(decided_at, 8) << "decided on too small a window";
  EXPECT_LE(decided_at, 20);
  EXPECT_TRUE(policy.pretenured(1));
  EXPECT_FALSE(policy.pretenured(0));
}

// A phase: one window above the line between windows below it decides nothing.
TEST(PretenuringTest, OneHighWindowAmongLowOnesDecidesNothing) {
  Pretenuring policy(Pretenuring::Thresholds{});
  NurserySimulation low({1.0}, {0.2});
  NurserySimulation high({1.0}, {1.0});
  for (int round = 0; round < 5; ++round) {
    EXPECT_TRUE(low.MinorCycle(policy, 4 * MiB, 48).empty());
    EXPECT_TRUE(high.MinorCycle(policy, 4 * MiB, 48).empty()) << "round " << round;
  }
  EXPECT_FALSE(policy.pretenured(0));
}

TEST(PretenuringTest, SitesBelowTheSurvivalLineStayInTheNurseryOverManyCycles) {
  Pretenuring policy(Pretenuring::Thresholds{});
  NurserySimulation sim({0.5, 0.5}, {0.3, 0.1});
  for (int cycle = 0; cycle < 50; ++cycle) {
    EXPECT_TRUE(sim.MinorCycle(policy, 4 * MiB, 48).empty()) << "cycle " << cycle;
  }
}

// After a full collection: a pretenured site whose old objects nearly all died goes
// back to the nursery; one whose objects live stays. Then the nursery judges the
// returned site again.
TEST(PretenuringTest, APretenuredSiteWhoseObjectsDieInTheOldSpaceReturnsToTheNursery) {
  Pretenuring policy(Pretenuring::Thresholds{});
  NurserySimulation sim({0.5, 0.5}, {1.0, 1.0});
  sim.MinorCycle(policy, 8 * MiB, 64);
  ASSERT_EQ(sim.MinorCycle(policy, 8 * MiB, 64).size(), 2u);
  ASSERT_TRUE(policy.pretenured(0) && policy.pretenured(1));
  // Both allocate 8 MiB in the old space; at the full collection 6 MiB of site 0's
  // objects are live and 100 KiB of site 1's (1.2%).
  sim.MinorCycle(policy, 16 * MiB, 64);
  policy.LiveAtFull(0, 6 * MiB);
  policy.LiveAtFull(1, 100 * KiB);
  std::vector<SiteDecisionRecord> decisions;
  policy.AfterFull(9, 9000, kSites, decisions);
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].site, 1u);
  EXPECT_EQ(decisions[0].placement, SitePlacement::kNursery);
  EXPECT_LT(decisions[0].measured, 0.1);
  EXPECT_TRUE(policy.pretenured(0));
  EXPECT_FALSE(policy.pretenured(1));
  // Its objects survive the nursery again: pretenured again, two windows later.
  EXPECT_TRUE(sim.MinorCycle(policy, 8 * MiB, 64).empty());
  const std::vector<SiteDecisionRecord> again = sim.MinorCycle(policy, 8 * MiB, 64);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].site, 1u);
  EXPECT_EQ(again[0].placement, SitePlacement::kOld);
}

// The next full collection compares live bytes with those of the last one plus what
// was allocated since: a site holding steady stays.
TEST(PretenuringTest, ASteadyPretenuredSiteStaysAcrossFullCollections) {
  Pretenuring policy(Pretenuring::Thresholds{});
  NurserySimulation sim({1.0}, {1.0});
  sim.MinorCycle(policy, 8 * MiB, 64);
  ASSERT_EQ(sim.MinorCycle(policy, 8 * MiB, 64).size(), 1u);
  for (int full = 0; full < 5; ++full) {
    sim.MinorCycle(policy, 2 * MiB, 64);  // 2 MiB more in the old space
    policy.LiveAtFull(0, 4 * MiB);        // a cache of 4 MiB: two thirds of what it held live
    std::vector<SiteDecisionRecord> decisions;
    policy.AfterFull(100 + full, 0, kSites, decisions);
    EXPECT_TRUE(decisions.empty()) << "full collection " << full;
  }
  EXPECT_TRUE(policy.pretenured(0));
}

}  // namespace
}  // namespace gclab
