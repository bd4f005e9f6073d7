// Mann-Whitney U and the bootstrap ratio interval against cases worked by hand and
// against SciPy's values on generated cases.
#include "harness/stats/significance.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace gclab {
namespace {

TEST(MannWhitneyTest, SeparatedThreeAgainstThreeIsNeverSignificant) {
  // U = 0; of the C(6,3) = 20 equally likely rank arrangements one has U = 0 and one
  // U = 9: p = 2/20. No two samples of three can do better, which is why compare
  // warns below four runs a side.
  EXPECT_DOUBLE_EQ(MannWhitneyPValue({1, 2, 3}, {4, 5, 6}), 0.1);
  EXPECT_DOUBLE_EQ(MannWhitneyPValue({4, 5, 6}, {1, 2, 3}), 0.1);
}

TEST(MannWhitneyTest, SeparatedFourAgainstFour) {
  // U = 0: 2 of C(8,4) = 70 arrangements are at least as extreme.
  EXPECT_NEAR(MannWhitneyPValue({1, 2, 3, 4}, {5, 6, 7, 8}), 2.0 / 70, 1e-12);
}

TEST(MannWhitneyTest, InterleavedThreeAgainstThree) {
  // a = {1, 3, 5}, b = {2, 4, 6}: U_a = 3 (3>2, 5>2, 5>4), U_b = 6. Arrangements of
  // three and three by U = 0..9: 1, 1, 2, 3, 3, 3, 3, 2, 1, 1; P(U <= 3) = 7/20.
  EXPECT_NEAR(MannWhitneyPValue({1, 3, 5}, {2, 4, 6}), 0.7, 1e-12);
}

TEST(MannWhitneyTest, TimingsOfSixRunsEach) {
  // Every b above every a: p = 2 / C(12,6) = 2/924.
  EXPECT_NEAR(MannWhitneyPValue({0.212, 0.215, 0.209, 0.230, 0.211, 0.213},
                                {0.311, 0.305, 0.320, 0.299, 0.315, 0.308}),
              2.0 / 924, 1e-12);
}

TEST(MannWhitneyTest, SmallSamplesWithTiesAreExact) {
  // Three tied values against three others: the 20 splits of {1,1,1,2,2,2} put all
  // three 1s on one side in 1 way each way round: p = 2/20. (The normal approximation
  // said 0.047, "significant".)
  EXPECT_NEAR(MannWhitneyPValue({1, 1, 1}, {2, 2, 2}), 0.1, 1e-12);
  // a = {1,2,2,3,4}, b = {2,3,5,6,6,7}: SciPy's permutation_test gives 0.064935 (the
  // normal approximation 0.06415).
  EXPECT_NEAR(MannWhitneyPValue({1, 2, 2, 3, 4}, {2, 3, 5, 6, 6, 7}), 0.0649350649, 1e-9);
}

TEST(MannWhitneyTest, MatchesScipyOnGeneratedCases) {
  // tests/scripts/mann_whitney_cases.py made these with SciPy (permutation_test up to
  // 50 a side, mannwhitneyu's asymptotic method beyond); scripts.stats_scipy keeps the
  // file true.
  std::ifstream in(std::string(GCLAB_SOURCE_DIR) + "/tests/harness/mann_whitney_scipy.json");
  ASSERT_TRUE(in) << "no fixture";
  const nlohmann::json cases = nlohmann::json::parse(in);
  ASSERT_GE(cases.size(), 50u);
  for (const nlohmann::json& c : cases) {
    const std::vector<double> a = c.at("a"), b = c.at("b");
    const double expected = c.at("p");
    EXPECT_NEAR(MannWhitneyPValue(a, b), expected, 1e-9 * std::max(1.0, expected))
        << c.at("case") << ": " << a.size() << "+" << b.size();
  }
}

TEST(MannWhitneyTest, TheSmallestPossiblePValueDependsOnTheSampleSizes) {
  EXPECT_NEAR(SmallestMannWhitneyPValue(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(SmallestMannWhitneyPValue(3, 5), 2.0 / 56, 1e-12);
  EXPECT_NEAR(SmallestMannWhitneyPValue(2, 8), 2.0 / 45, 1e-12);
  EXPECT_NEAR(SmallestMannWhitneyPValue(6, 6), MannWhitneyPValue({1, 2, 3, 4, 5, 6},
                                                                  {7, 8, 9, 10, 11, 12}),
              1e-12);
  EXPECT_EQ(SmallestMannWhitneyPValue(0, 3), 1.0);
}

TEST(MannWhitneyTest, LargeSamplesUseTheNormalApproximation) {
  // 60 and 60 values, b shifted by 10.5: U_a = 1225 (the pairs with i - j >= 11),
  // mean 1800, sd 190.53 (no ties); z = (575 - 0.5) / 190.53 = 3.0153. The reference
  // value is SciPy's (asymptotic, continuity-corrected) for the same data.
  std::vector<double> a, b;
  for (int i = 0; i < 60; ++i) {
    a.push_back(i);
    b.push_back(i + 10.5);
  }
  EXPECT_NEAR(MannWhitneyPValue(a, b), 0.0025668879, 1e-8);
}

TEST(MannWhitneyTest, IdenticalOrEmptySamplesAreNotDifferent) {
  EXPECT_DOUBLE_EQ(MannWhitneyPValue({5, 5, 5}, {5, 5, 5}), 1.0);
  EXPECT_DOUBLE_EQ(MannWhitneyPValue({1, 2, 3}, {1, 2, 3}), 1.0);
  EXPECT_DOUBLE_EQ(MannWhitneyPValue({}, {1, 2}), 1.0);
}

TEST(MedianRatioIntervalTest, ConstantSidesGiveAnExactRatio) {
  const RatioInterval r = MedianRatioInterval({10, 10, 10, 10, 10}, {20, 20, 20, 20, 20});
  EXPECT_DOUBLE_EQ(r.ratio, 2.0);
  EXPECT_DOUBLE_EQ(r.low, 2.0);
  EXPECT_DOUBLE_EQ(r.high, 2.0);
}

TEST(MedianRatioIntervalTest, NoIntervalBelowFiveRunsASide) {
  // A percentile bootstrap of 1+1 runs gives a zero-width "95%" interval, and of 2+1
  // a tight one beside p = 0.667: below five a side it cannot have its coverage.
  for (const auto& [a, b] : std::vector<std::pair<std::vector<double>, std::vector<double>>>{
           {{1}, {2}}, {{1, 1.1}, {2}}, {{1, 1.1, 0.9, 1.05}, {2, 2.1, 1.9, 2.2, 2.05}}}) {
    const RatioInterval r = MedianRatioInterval(a, b);
    EXPECT_FALSE(std::isnan(r.ratio));
    EXPECT_TRUE(std::isnan(r.low) && std::isnan(r.high)) << a.size() << "+" << b.size();
  }
  EXPECT_EQ(kMinRunsForRatioInterval, 5u);
}

TEST(MedianRatioIntervalTest, TheIntervalCarriesTheBaselinesNoise) {
  // The candidate is constant; all the spread comes from the baseline, whose
  // resampled medians lie in [8, 12]: the ratio's interval lies in [20/12, 20/8].
  const RatioInterval r = MedianRatioInterval({8, 9, 10, 11, 12}, {20, 20, 20, 20, 20});
  EXPECT_DOUBLE_EQ(r.ratio, 2.0);
  EXPECT_LT(r.low, 2.0);
  EXPECT_GT(r.high, 2.0);
  EXPECT_GE(r.low, 20.0 / 12);
  EXPECT_LE(r.high, 20.0 / 8);
}

TEST(MedianRatioIntervalTest, RepeatableForOneSeed) {
  const std::vector<double> a = {1.0, 1.1, 0.9, 1.05, 0.97}, b = {1.3, 1.2, 1.4, 1.25, 1.33};
  const RatioInterval first = MedianRatioInterval(a, b);
  const RatioInterval second = MedianRatioInterval(a, b);
  EXPECT_EQ(first.low, second.low);
  EXPECT_EQ(first.high, second.high);
  EXPECT_LE(first.low, first.ratio);
  EXPECT_GE(first.high, first.ratio);
}

TEST(MedianRatioIntervalTest, ZeroBaselineHasNoRatio) {
  EXPECT_TRUE(std::isnan(MedianRatioInterval({0, 0, 0}, {1, 2, 3}).ratio));
}

TEST(MedianTest, OddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({}), 0);
}

}  // namespace
}  // namespace gclab
