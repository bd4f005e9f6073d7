// File: harness/stats/significance.h
//
// Whether two sets of repetitions differ, as benchstat answers it: a Mann-Whitney U
// test (no assumption about the distribution of run times, which are skewed and
// often bimodal on a shared machine) and a confidence interval for the ratio of the
// two medians that carries the noise of both sides (a percentile bootstrap that
// resamples each side independently).
#ifndef GCLAB_HARNESS_SIGNIFICANCE_H_
#define GCLAB_HARNESS_SIGNIFICANCE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gclab {

// The two-sided p-value of the Mann-Whitney U test (Wilcoxon rank-sum) that `a` and
// `b` come from the same distribution. When both sides have at most 50 values, exact:
// the permutation distribution of the rank sum over every split of the pooled values
// into sides of these sizes, tied values given the mean of their ranks (as
// scipy.stats.permutation_test computes it: twice the smaller tail, at most 1). With
// more, the normal approximation with the tie correction and a continuity correction
// (scipy.stats.mannwhitneyu, method="asymptotic"). 1 when either side is empty.
double MannWhitneyPValue(const std::vector<double>& a, const std::vector<double>& b);

// The smallest p-value MannWhitneyPValue can give for sides of m and n values (no ties,
// every value of one side above every value of the other): 2 / C(m+n, m). 3+3 runs
// can reach no lower than 0.1, 3+5 0.036, 2+8 0.044. 0 for the normal approximation's
// sizes; 1 when a side is empty.
double SmallestMannWhitneyPValue(size_t m, size_t n);

// median(b) / median(a), and a `confidence` interval for it from `resamples`
// bootstrap resamples of each side (percentile method; the seed makes it repeatable).
// With all values of a side equal, that side contributes no spread. Requires both
// sides non-empty and median(a) != 0; the ratio is NaN otherwise. With fewer than
// kMinRunsForRatioInterval values on a side there is no interval (low and high NaN):
// a percentile bootstrap of so few values cannot have the coverage it claims (1+1
// runs give a zero-width interval).
inline constexpr size_t kMinRunsForRatioInterval = 5;
struct RatioInterval {
  double ratio = 0;
  double low = 0;
  double high = 0;
};
RatioInterval MedianRatioInterval(const std::vector<double>& a, const std::vector<double>& b,
                                  double confidence = 0.95, int resamples = 10000,
                                  uint64_t seed = 1);

// The median (the mean of the two middle values for an even count); 0 if empty.
double Median(std::vector<double> values);

}  // namespace gclab

#endif  // GCLAB_HARNESS_SIGNIFICANCE_H_
