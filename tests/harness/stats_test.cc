#include "harness/stats/stats.h"

#include "gtest/gtest.h"

namespace gclab {
namespace {

TEST(PercentileTest, NearestRankOnHandComputedCases) {
  const std::vector<int64_t> ten = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  EXPECT_EQ(Percentile(ten, 50), 5);    // rank ceil(5) = 5
  EXPECT_EQ(Percentile(ten, 90), 9);    // rank 9
  EXPECT_EQ(Percentile(ten, 99), 10);   // rank ceil(9.9) = 10
  EXPECT_EQ(Percentile(ten, 100), 10);
  EXPECT_EQ(Percentile(ten, 1), 1);
  std::vector<int64_t> thousand;
  for (int i = 1; i <= 1000; ++i) thousand.push_back(i);
  EXPECT_EQ(Percentile(thousand, 99.9), 999);
  EXPECT_EQ(Percentile(thousand, 99), 990);
  EXPECT_EQ(Percentile({}, 50), 0);
  EXPECT_EQ(Percentile({42}, 99.9), 42);
}

TEST(MmuTest, NoPausesIsFullUtilisation) {
  EXPECT_DOUBLE_EQ(MinimumMutatorUtilisation({}, 0, 1000, 10), 1.0);
}

TEST(MmuTest, OnePause) {
  // Run [0, 100), one pause [40, 50).
  const std::vector<Interval> pauses = {{40, 50}};
  EXPECT_DOUBLE_EQ(MinimumMutatorUtilisation(pauses, 0, 100, 5), 0.0);     // inside the pause
  EXPECT_DOUBLE_EQ(MinimumMutatorUtilisation(pauses, 0, 100, 10), 0.0);
  EXPECT_DOUBLE_EQ(MinimumMutatorUtilisation(pauses, 0, 100, 20), 0.5);    // 10 of 20 paused
  EXPECT_DOUBLE_EQ(MinimumMutatorUtilisation(pauses, 0, 100, 100), 0.9);
  EXPECT_DOUBLE_EQ(MinimumMutatorUtilisation(pauses, 0, 100, 1000), 0.9);  // whole run
}

TEST(MmuTest, WindowCoveringTwoPauses) {
  // Pauses [10, 20) and [30, 40): a 30-long window [10, 40) holds 20 of pause.
  const std::vector<Interval> pauses = {{30, 40}, {10, 20}};
  EXPECT_NEAR(MinimumMutatorUtilisation(pauses, 0, 100, 30), 1 - 20.0 / 30, 1e-12);
  // A 15-long window holds at most 10: [10,25) or [25,40) or [15,30) ... -> 10/15.
  EXPECT_NEAR(MinimumMutatorUtilisation(pauses, 0, 100, 15), 1 - 10.0 / 15, 1e-12);
  // A 25-long window: [10,35) holds 10 + 5 = 15, [15,40) holds 5 + 10 = 15.
  EXPECT_NEAR(MinimumMutatorUtilisation(pauses, 0, 100, 25), 1 - 15.0 / 25, 1e-12);
}

TEST(MmuTest, PausesAreClippedAndMerged) {
  // Overlapping pauses count once; the part before the run does not count.
  const std::vector<Interval> pauses = {{-50, 10}, {20, 30}, {25, 35}};
  EXPECT_NEAR(MinimumMutatorUtilisation(pauses, 0, 100, 100), 1 - 25.0 / 100, 1e-12);
  EXPECT_NEAR(MinimumMutatorUtilisation(pauses, 0, 100, 20), 1 - 15.0 / 20, 1e-12);
}

TEST(MmuTest, IsMonotoneInTheWindow) {
  std::vector<Interval> pauses;
  for (int64_t t = 0; t < 10'000; t += 97) pauses.push_back({t, t + 3 + t % 11});
  double previous = 0;
  for (int64_t window : {1, 10, 50, 100, 500, 1000, 5000, 10000}) {
    const double mmu = MinimumMutatorUtilisation(pauses, 0, 10'000, window);
    EXPECT_GE(mmu + 1e-12, previous) << window;
    previous = mmu;
  }
}

TEST(MedianIntervalTest, SmallSamplesUseMinMaxWithTheirCoverage) {
  MedianInterval m = MedianWithInterval({3, 1, 2});
  EXPECT_EQ(m.median, 2);
  EXPECT_EQ(m.low, 1);
  EXPECT_EQ(m.high, 3);
  EXPECT_DOUBLE_EQ(m.confidence, 0.75);
  m = MedianWithInterval({4, 1, 3, 2});
  EXPECT_EQ(m.median, 2.5);
  EXPECT_DOUBLE_EQ(m.confidence, 0.875);
}

TEST(MeteredLatencyTest, SteadyBatchesAreTheirOwnLatency) {
  EXPECT_EQ(MeteredLatencies({{10, 10, 10, 10}}), (std::vector<int64_t>{10, 10, 10, 10}));
}

TEST(MeteredLatencyTest, APauseDelaysTheRequestsQueuedBehindIt) {
  // 150 ns for 6 batches: one arrives every 25. The 100 ns batch ends at 120; the
  // next three arrived at 75, 100 and 125 and waited behind it.
  EXPECT_EQ(MeteredLatencies({{10, 10, 100, 10, 10, 10}}),
            (std::vector<int64_t>{10, 10, 100, 55, 40, 25}));
}

TEST(MeteredLatencyTest, PoolsThreadsEachAtItsOwnRate) {
  EXPECT_EQ(MeteredLatencies({{5, 5}, {}, {30, 10}}), (std::vector<int64_t>{5, 5, 30, 20}));
}

TEST(MedianIntervalTest, OrderStatisticsFromSixValues) {
  // n = 6: k = 1 covers 1 - 2/64 = 96.9%; k = 2 covers only 78%.
  MedianInterval m = MedianWithInterval({6, 5, 4, 3, 2, 1});
  EXPECT_EQ(m.median, 3.5);
  EXPECT_EQ(m.low, 1);
  EXPECT_EQ(m.high, 6);
  EXPECT_NEAR(m.confidence, 1 - 2.0 / 64, 1e-12);
  // n = 20: the textbook interval is [x(6), x(15)] with 95.86% coverage.
  std::vector<double> twenty;
  for (int i = 1; i <= 20; ++i) twenty.push_back(i);
  m = MedianWithInterval(twenty);
  EXPECT_EQ(m.low, 6);
  EXPECT_EQ(m.high, 15);
  EXPECT_NEAR(m.confidence, 0.9586, 1e-4);
}

}  // namespace
}  // namespace gclab
