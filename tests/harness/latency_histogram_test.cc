#include "harness/stats/latency_histogram.h"

#include <cstdint>
#include <random>

#include "gtest/gtest.h"

namespace gclab {
namespace {

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  for (int64_t v = 0; v < 256; ++v) {
    const size_t bucket = LatencyHistogram::BucketOf(v);
    EXPECT_EQ(LatencyHistogram::LowerBound(bucket), v);
    EXPECT_EQ(LatencyHistogram::UpperBound(bucket), v + 1);
  }
  EXPECT_EQ(LatencyHistogram::BucketOf(-5), 0u);
}

// Buckets tile the line without gaps or overlaps, each at most 1/128 of its lower
// bound wide (so any value is known to within 1%), up to an hour in nanoseconds.
TEST(LatencyHistogramTest, BucketsAreContiguousAndNarrow) {
  int64_t expected_lower = 0;
  for (size_t bucket = 0;; ++bucket) {
    const int64_t lower = LatencyHistogram::LowerBound(bucket);
    const int64_t upper = LatencyHistogram::UpperBound(bucket);
    ASSERT_EQ(lower, expected_lower) << bucket;
    ASSERT_GT(upper, lower);
    if (lower >= 256) {
      ASSERT_LE((upper - lower) * 128, lower) << bucket;
    }
    ASSERT_EQ(LatencyHistogram::BucketOf(lower), bucket);
    ASSERT_EQ(LatencyHistogram::BucketOf(upper - 1), bucket);
    expected_lower = upper;
    if (lower > int64_t{3600} * 1'000'000'000) break;
  }
}

TEST(LatencyHistogramTest, EveryValueLiesInItsBucketAndIsCountedOnce) {
  std::mt19937_64 random(7);
  LatencyHistogram histogram;
  for (int i = 0; i < 100000; ++i) {
    const int64_t v = int64_t(random() >> (2 + random() % 62));  // below 2^62 ns
    const size_t bucket = LatencyHistogram::BucketOf(v);
    ASSERT_LE(LatencyHistogram::LowerBound(bucket), v);
    ASSERT_LT(v, LatencyHistogram::UpperBound(bucket));
    histogram.Record(v);
  }
  EXPECT_EQ(histogram.total(), 100000u);
  size_t previous = 0;
  bool first = true;
  for (const auto& [bucket, count] : histogram.counts()) {
    EXPECT_GT(count, 0u);
    if (!first) {
      EXPECT_GT(bucket, previous);
    }
    previous = bucket;
    first = false;
  }
}

}  // namespace
}  // namespace gclab
