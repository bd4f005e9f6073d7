#include "harness/stats/significance.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "harness/stats/split_mix64.h"

namespace gclab {
namespace {

constexpr size_t kExactLimit = 50;

// The number of arrangements of m values of one side and n of the other with each
// rank sum statistic U = 0 .. m*n: the coefficients of the Gaussian binomial
// [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i).
std::vector<double> ArrangementsByU(size_t m, size_t n) {
  std::vector<double> poly(m * n + 1, 0.0);
  poly[0] = 1;
  for (size_t i = 1; i <= m; ++i) {
    for (size_t u = poly.size(); u-- > n + i;) poly[u] -= poly[u - (n + i)];  // * (1 - q^(n+i))
    for (size_t u = i; u < poly.size(); ++u) poly[u] += poly[u - i];          // / (1 - q^i)
  }
  return poly;
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
  double rank_sum_a = 0;
  double tie_term = 0;  // sum of t^3 - t over groups of t tied values
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double mean_rank = (i + 1 + j) / 2.0;  // ranks i+1 .. j
    for (size_t k = i; k < j; ++k) {
      if (pooled[k].second) rank_sum_a += mean_rank;
    }
    const double t = double(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  const double u_a = rank_sum_a - m * (m + 1) / 2.0;
  const double u_min = std::min(u_a, double(m * n) - u_a);
  if (tie_term == 0 && m <= kExactLimit && n <= kExactLimit) {
    const std::vector<double> counts = ArrangementsByU(m, n);
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    double at_most = 0;
    for (size_t u = 0; u <= size_t(u_min); ++u) at_most += counts[u];
    return std::min(1.0, 2 * at_most / total);
  }
  const double mean = m * n / 2.0;
  const double total = double(m + n);
  const double variance = m * n / 12.0 * ((total + 1) - tie_term / (total * (total - 1)));
  if (variance <= 0) return 1;  // every value tied
  const double z = std::max(0.0, std::abs(u_a - mean) - 0.5) / std::sqrt(variance);
  return std::min(1.0, 2 * NormalUpperTail(z));
}

RatioInterval MedianRatioInterval(const std::vector<double>& a, const std::vector<double>& b,
                                  double confidence, int resamples, uint64_t seed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  RatioInterval result{nan, nan, nan};
  const double base = Median(a);
  if (a.empty() || b.empty() || base == 0) return result;
  result.ratio = Median(b) / base;
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
