// Human units in gclab's tables.
#include "harness/stats/units.h"

#include "gtest/gtest.h"

namespace gclab {
namespace {

TEST(UnitsTest, Seconds) {
  EXPECT_EQ(HumanSeconds(1.234), "1.23 s");
  EXPECT_EQ(HumanSeconds(0.212), "212 ms");
  EXPECT_EQ(HumanSeconds(0.0028), "2.80 ms");
  EXPECT_EQ(HumanSeconds(41.2e-6), "41.2 µs");
  EXPECT_EQ(HumanSeconds(35e-9), "35.0 ns");
  EXPECT_EQ(HumanSeconds(0), "0 s");
}

TEST(UnitsTest, ColumnsChooseTheirUnit) {
  EXPECT_EQ(HumanValue("ops_per_s", 1.398e7), "13.98 M ops/s");
  EXPECT_EQ(HumanValue("pause_max_us", 2800), "2.80 ms");
  EXPECT_EQ(HumanValue("latency_p999_us", 412), "412 µs");
  EXPECT_EQ(HumanValue("pause_total_ms", 91), "91.0 ms");
  EXPECT_EQ(HumanValue("wall_s", 0.311), "311 ms");
  EXPECT_EQ(HumanValue("peak_rss_bytes", 1.5 * (1 << 30)), "1.50 GiB");
  EXPECT_EQ(HumanValue("heap_alloc_mb_per_s", 1500), "1.50 G B/s");
  EXPECT_EQ(HumanValue("mmu_1ms", 0.5123), "0.5123");
  EXPECT_EQ(HumanValue("collections", 47), "47");
  EXPECT_EQ(HumanValue("ops", 1.398e7), "13.98 M");
}

}  // namespace
}  // namespace gclab
