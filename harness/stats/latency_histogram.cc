#include "harness/stats/latency_histogram.h"

#include <bit>

namespace gclab {
namespace {

constexpr int64_t kSubBuckets = int64_t{1} << LatencyHistogram::kSubBucketBits;  // 128
constexpr int64_t kExactBelow = 2 * kSubBuckets;                                 // 256 ns

}  // namespace

size_t LatencyHistogram::BucketOf(int64_t nanos) {
  if (nanos < kExactBelow) return nanos < 0 ? 0 : size_t(nanos);
  // shift >= 1: the value's top kSubBucketBits + 1 bits pick the bucket.
  const int shift = std::bit_width(uint64_t(nanos)) - 1 - kSubBucketBits;
  const int64_t mantissa = nanos >> shift;  // in [kSubBuckets, 2 kSubBuckets)
  return size_t(kExactBelow + (shift - 1) * kSubBuckets + (mantissa - kSubBuckets));
}

int64_t LatencyHistogram::LowerBound(size_t bucket) {
  if (int64_t(bucket) < kExactBelow) return int64_t(bucket);
  const int64_t above = int64_t(bucket) - kExactBelow;
  const int shift = int(above / kSubBuckets) + 1;
  return (kSubBuckets + above % kSubBuckets) << shift;
}

int64_t LatencyHistogram::UpperBound(size_t bucket) {
  if (int64_t(bucket) < kExactBelow) return int64_t(bucket) + 1;
  const int64_t above = int64_t(bucket) - kExactBelow;
  const int shift = int(above / kSubBuckets) + 1;
  return (kSubBuckets + above % kSubBuckets + 1) << shift;
}

uint64_t LatencyHistogram::total() const {
  uint64_t sum = 0;
  for (const auto& [bucket, count] : counts_) sum += count;
  return sum;
}

}  // namespace gclab
