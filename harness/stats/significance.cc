#include "harness/stats/significance.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/stats/split_mix64.h"

namespace gclab {
namespace {

constexpr size_t kExactLimit = 50;

// The pooled values in order, as tie groups: each group's size (its members share the
// mean of their ranks).
std::vector<size_t> TieGroupSizes(std::vector<double> pooled) {
  std::sort(pooled.begin(), pooled.end());
  std::vector<size_t> sizes;
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j] == pooled[i]) ++j;
    sizes.push_back(j - i);
    i = j;
  }
  return sizes;
}

// The exact permutation distribution of twice the rank sum of one side of `m` values
// (twice, so that mean ranks of ties are whole numbers): counts[s] is the number of
// ways to choose the side's m positions among the pooled values with doubled rank
// sum s. Built group by group: choosing j of a group of t, whose members each have
// doubled rank 2p + t - 1 (p its first rank), in C(t, j) ways.
std::vector<double> DoubledRankSumCounts(const std::vector<size_t>& group_sizes, size_t m) {
  size_t total = 0;
  for (size_t t : group_sizes) total += t;
  const size_t max_sum = total * (total + 1);
  std::vector<std::vector<double>> ways(m + 1, std::vector<double>(max_sum + 1, 0.0));
  ways[0][0] = 1;
  size_t first_rank = 1, reachable = 0;  // the largest doubled sum reached so far
  for (size_t t : group_sizes) {
    const size_t doubled_rank = 2 * first_rank + t - 1;
    reachable = std::min(max_sum, reachable + t * doubled_rank);
    for (size_t k = m; k >= 1; --k) {  // descending: ways[k - j] still holds the old counts
      double choose = 1;               // C(t, j)
      for (size_t j = 1; j <= std::min(t, k); ++j) {
        choose = choose * double(t - j + 1) / double(j);
        const size_t shift = j * doubled_rank;
        for (size_t sum = reachable; sum >= shift; --sum) {  // shift >= 2: no wrap-around
          ways[k][sum] += choose * ways[k - j][sum - shift];
        }
      }
    }
    first_rank += t;
  }
  return ways[m];
}

double NormalUpperTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

}  // namespace

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double MannWhitneyPValue(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t m = a.size(), n = b.size();
  if (m == 0 || n == 0) return 1;
  // Ranks of the pooled values, ties sharing the mean of their ranks.
  std::vector<std::pair<double, bool>> pooled;  // value, from a
  for (double x : a) pooled.push_back({x, true});
  for (double x : b) pooled.push_back({x, false});
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& l, const auto& r) { return l.first < r.first; });
  size_t doubled_rank_sum_a = 0;
  double tie_term = 0;  // sum of t^3 - t over groups of t tied values
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const size_t doubled_mean_rank = i + 1 + j;  // ranks i+1 .. j
    for (size_t k = i; k < j; ++k) {
      if (pooled[k].second) doubled_rank_sum_a += doubled_mean_rank;
    }
    const double t = double(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  if (m <= kExactLimit && n <= kExactLimit) {
    // Exact: the share of the C(m+n, m) equally likely splits of the pooled values
    // (ties kept as they are) whose rank sum is at least as far out, on the side it is.
    std::vector<double> pooled_values;
    for (const auto& [value, from_a] : pooled) pooled_values.push_back(value);
    const std::vector<double> counts = DoubledRankSumCounts(TieGroupSizes(pooled_values), m);
    double at_most = 0, at_least = 0, total = 0;
    for (size_t sum = 0; sum < counts.size(); ++sum) {
      total += counts[sum];
      if (sum <= doubled_rank_sum_a) at_most += counts[sum];
      if (sum >= doubled_rank_sum_a) at_least += counts[sum];
    }
    return std::min(1.0, 2 * std::min(at_most, at_least) / total);
  }
  const double u_a = doubled_rank_sum_a / 2.0 - m * (m + 1) / 2.0;
  const double mean = m * n / 2.0;
  const double total = double(m + n);
  const double variance = m * n / 12.0 * ((total + 1) - tie_term / (total * (total - 1)));
  if (variance <= 0) return 1;
  const double z = std::max(0.0, std::abs(u_a - mean) - 0.5) / std::sqrt(variance);
  return std::min(1.0, 2 * NormalUpperTail(z));
}

double SmallestMannWhitneyPValue(size_t m, size_t n) {
  if (m == 0 || n == 0) return 1;
  if (m > kExactLimit || n > kExactLimit) return 0;
  double splits = 1;  // C(m+n, m)
  for (size_t i = 1; i <= m; ++i) splits = splits * double(n + i) / double(i);
  return std::min(1.0, 2 / splits);
}

RatioInterval MedianRatioInterval(const std::vector<double>& a, const std::vector<double>& b,
                                  double confidence, int resamples, uint64_t seed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  RatioInterval result{nan, nan, nan};
  const double base = Median(a);
  if (a.empty() || b.empty() || base == 0) return result;
  result.ratio = Median(b) / base;
  if (a.size() < kMinRunsForRatioInterval || b.size() < kMinRunsForRatioInterval) return result;
  SplitMix64 random(seed);
  auto resampled_median = [&](const std::vector<double>& values) {
    std::vector<double> sample(values.size());
    for (double& x : sample) x = values[random.Below(values.size())];
    return Median(std::move(sample));
  };
  std::vector<double> ratios;
  ratios.reserve(resamples);
  for (int i = 0; i < resamples; ++i) {
    const double denominator = resampled_median(a);
    const double numerator = resampled_median(b);
    if (denominator != 0) ratios.push_back(numerator / denominator);
  }
  if (ratios.empty()) return result;
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - confidence) / 2;
  auto at = [&](double q) {
    const size_t index = std::min(ratios.size() - 1, size_t(q * double(ratios.size())));
    return ratios[index];
  };
  result.low = at(tail);
  result.high = at(1 - tail);
  return result;
}

}  // namespace gclab
