// File: harness/stats/latency_histogram.h
//
// How a run's batch latencies are stored (results/README.md, latency.csv): a
// log-linear histogram in the style of HdrHistogram. Below 256 ns every nanosecond
// has its own bucket; above, each power of two [2^k, 2^(k+1)) is cut into 128
// buckets of equal width, so a bucket is at most 1/128 (0.78%) of its lower bound
// wide and any value in it is known to within 1%. The exact percentiles of runs.csv
// are computed from the complete list before it is reduced to this.
#ifndef GCLAB_HARNESS_LATENCY_HISTOGRAM_H_
#define GCLAB_HARNESS_LATENCY_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace gclab {

class LatencyHistogram {
 public:
  // The buckets per power of two above the exact range, as a power of two.
  static constexpr int kSubBucketBits = 7;

  // The bucket of `nanos` (negative values count as 0), and its bounds: a bucket
  // holds the values in [LowerBound, UpperBound); bounds are exact below 2^62 ns.
  static size_t BucketOf(int64_t nanos);
  static int64_t LowerBound(size_t bucket);
  static int64_t UpperBound(size_t bucket);

  void Record(int64_t nanos) { ++counts_[BucketOf(nanos)]; }
  void RecordAll(const std::vector<int64_t>& values) {
    for (int64_t v : values) Record(v);
  }
  // The non-empty buckets, in increasing order: bucket -> count.
  const std::map<size_t, uint64_t>& counts() const { return counts_; }
  uint64_t total() const;

 private:
  std::map<size_t, uint64_t> counts_;
};

}  // namespace gclab

#endif  // GCLAB_HARNESS_LATENCY_HISTOGRAM_H_
