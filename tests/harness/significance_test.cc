// Mann-Whitney U and the bootstrap ratio interval against cases worked by hand.
#include "harness/stats/significance.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

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

TEST(MannWhitneyTest, TiesUseTheNormalApproximationWithTieCorrection) {
  // a = {1,2,2,3,4}, b = {2,3,5,6,6,7}. Pooled ranks: 1 -> 1; the three 2s -> 3;
  // the two 3s -> 5.5; 4 -> 7; 5 -> 8; the two 6s -> 9.5; 7 -> 11. R_a = 19.5,
  // U_a = 19.5 - 15 = 4.5; mean 15; ties: (27-3) + 2 (8-2) = 36; variance =
  // 30/12 (12 - 36/110) = 29.1818; z = (15 - 4.5 - 0.5) / 5.402 = 1.8512;
  // p = 2 (1 - Phi(z)) = 0.06415.
  EXPECT_NEAR(MannWhitneyPValue({1, 2, 2, 3, 4}, {2, 3, 5, 6, 6, 7}), 0.064147, 1e-5);
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
  const RatioInterval r = MedianRatioInterval({10, 10, 10}, {20, 20, 20});
  EXPECT_DOUBLE_EQ(r.ratio, 2.0);
  EXPECT_DOUBLE_EQ(r.low, 2.0);
  EXPECT_DOUBLE_EQ(r.high, 2.0);
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
