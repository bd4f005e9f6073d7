// File: harness/stats/stats.h
//
// The statistics gclab reports, computed from complete lists of events (never from
// histograms or samples): percentiles, minimum mutator utilisation, and confidence
// intervals of medians over repetitions.
#ifndef GCLAB_HARNESS_STATS_H_
#define GCLAB_HARNESS_STATS_H_

#include <cstdint>
#include <vector>

namespace gclab {

// The p-th percentile (0 < p <= 100) by the nearest-rank method: the smallest value
// such that at least p% of the values are <= it. 0 for an empty list.
int64_t Percentile(std::vector<int64_t> values, double p);

// Metered latency (DaCapo Chopin's): each thread's batches (requests) are taken to
// have arrived at a steady rate, the thread's batch count over its total time, and
// each batch's latency runs from its arrival to its end: from the earlier of its
// actual start and its synthetic arrival. So a pause delays, and is counted
// against, every request that would have queued up behind it, where simple latency
// charges it to one request. `batch_nanos` holds each thread's batch times, in
// order and back to back; the result pools every thread's metered latencies.
std::vector<int64_t> MeteredLatencies(const std::vector<std::vector<int64_t>>& batch_nanos);

struct Interval {
  int64_t begin;
  int64_t end;
};

// Minimum mutator utilisation (Cheng & Blelloch, PLDI 2001) for `window`: the
// smallest fraction of any window of that length inside [begin, end) during which no
// pause was in progress. Pauses may overlap and are clipped to [begin, end). A
// window longer than the run is the whole run.
double MinimumMutatorUtilisation(std::vector<Interval> pauses, int64_t begin, int64_t end,
                                 int64_t window);

// The median of `values` and a distribution-free confidence interval for it from
// order statistics: [x(k), x(n+1-k)] with the largest k whose coverage
// 1 - 2 P(Binomial(n, 1/2) < k) is still at least 95%. With fewer than 6 values no
// such k exists; the interval is then [min, max] and `confidence` says what it
// covers (75% for 3 values).
struct MedianInterval {
  double median = 0;
  double low = 0;
  double high = 0;
  double confidence = 0;
};
MedianInterval MedianWithInterval(std::vector<double> values);

}  // namespace gclab

#endif  // GCLAB_HARNESS_STATS_H_
