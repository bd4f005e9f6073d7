#include "harness/stats/stats.h"

#include <algorithm>
#include <cmath>

namespace gclab {

int64_t Percentile(std::vector<int64_t> values, double p) {
  if (values.empty()) return 0;
  const size_t n = values.size();
  // The epsilon keeps 99.9% of 1000 at rank 999 despite binary floating point.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(n) - 1e-9));
  rank = std::clamp<size_t>(rank, 1, n);
  std::nth_element(values.begin(), values.begin() + (rank - 1), values.end());
  return values[rank - 1];
}

namespace {

// Merges overlapping pauses and clips them to [begin, end).
std::vector<Interval> Normalise(std::vector<Interval> pauses, int64_t begin, int64_t end) {
  std::sort(pauses.begin(), pauses.end(),
            [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
  std::vector<Interval> merged;
  for (Interval pause : pauses) {
    pause.begin = std::max(pause.begin, begin);
    pause.end = std::min(pause.end, end);
    if (pause.begin >= pause.end) continue;
    if (!merged.empty() && pause.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, pause.end);
    } else {
      merged.push_back(pause);
    }
  }
  return merged;
}

}  // namespace

std::vector<int64_t> MeteredLatencies(const std::vector<std::vector<int64_t>>& batch_nanos) {
  std::vector<int64_t> metered;
  for (const std::vector<int64_t>& batches : batch_nanos) {
    if (batches.empty()) continue;
    int64_t total = 0;
    for (int64_t b : batches) total += b;
    const double interval = static_cast<double>(total) / static_cast<double>(batches.size());
    int64_t start = 0;
    for (size_t i = 0; i < batches.size(); ++i) {
      const int64_t end = start + batches[i];
      const auto arrival = static_cast<int64_t>(interval * static_cast<double>(i));
      metered.push_back(end - std::min(start, arrival));
      start = end;
    }
  }
  return metered;
}

double MinimumMutatorUtilisation(std::vector<Interval> raw, int64_t begin, int64_t end,
                                 int64_t window) {
  if (end <= begin) return 1.0;
  const std::vector<Interval> pauses = Normalise(std::move(raw), begin, end);
  window = std::min(window, end - begin);
  std::vector<int64_t> prefix(pauses.size() + 1, 0);  // prefix[i]: paused time of 0..i-1
  for (size_t i = 0; i < pauses.size(); ++i) {
    prefix[i + 1] = prefix[i] + (pauses[i].end - pauses[i].begin);
  }
  // Paused time inside [a, b).
  auto paused = [&](int64_t a, int64_t b) {
    // First pause ending after a, and first pause starting at or after b.
    const size_t first = std::partition_point(pauses.begin(), pauses.end(),
                                              [a](const Interval& p) { return p.end <= a; }) -
                         pauses.begin();
    const size_t last = std::partition_point(pauses.begin(), pauses.end(),
                                             [b](const Interval& p) { return p.begin < b; }) -
                        pauses.begin();
    if (first >= last) return int64_t{0};
    int64_t total = prefix[last] - prefix[first];
    total -= std::max<int64_t>(0, a - pauses[first].begin);
    total -= std::max<int64_t>(0, pauses[last - 1].end - b);
    return total;
  };
  // Paused time as a function of the window's start is piecewise linear, with its
  // maximum where the window starts at a pause's start or ends at a pause's end.
  int64_t worst = std::max(paused(begin, begin + window), paused(end - window, end));
  for (const Interval& pause : pauses) {
    const int64_t from_start = std::min(pause.begin, end - window);
    const int64_t to_end = std::max(pause.end - window, begin);
    worst = std::max(worst, paused(from_start, from_start + window));
    worst = std::max(worst, paused(to_end, to_end + window));
  }
  return 1.0 - static_cast<double>(worst) / static_cast<double>(window);
}

MedianInterval MedianWithInterval(std::vector<double> values) {
  MedianInterval result;
  if (values.empty()) return result;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  result.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  // P(Binomial(n, 1/2) < k), accumulated term by term.
  double below = 0;        // P(X < k)
  double term = std::pow(0.5, static_cast<double>(n));  // P(X = k), starting at k = 0
  size_t k = 0;            // 0: no interval with >= 95% coverage yet
  for (size_t candidate = 1; candidate <= n / 2; ++candidate) {
    below += term;  // now P(X < candidate)
    term = term * static_cast<double>(n - (candidate - 1)) / static_cast<double>(candidate);
    if (1 - 2 * below >= 0.95) {
      k = candidate;
      result.confidence = 1 - 2 * below;
    } else {
      break;
    }
  }
  if (k == 0) {
    result.low = values.front();
    result.high = values.back();
    result.confidence = 1 - 2 * std::pow(0.5, static_cast<double>(n));
    return result;
  }
  result.low = values[k - 1];
  result.high = values[n - k];
  return result;
}

}  // namespace gclab
