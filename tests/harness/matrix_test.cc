#include "harness/matrix/matrix.h"

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "harness/results/csv.h"
#include "harness/results/minheap.h"

namespace gclab {
namespace {

MatrixSpec Spec() {
  MatrixSpec spec;
  spec.collectors = {"a", "b:x=1"};
  spec.workloads = {"w1", "w2", "w3"};
  spec.heaps = {{false, 64}, {false, 128}};
  spec.threads = {1, 2};
  spec.escape_analysis = {true, false};
  return spec;
}

TEST(MatrixTest, ExpandsEveryCombinationInNestingOrder) {
  const std::vector<Cell> cells = ExpandCells(Spec());
  ASSERT_EQ(cells.size(), 2u * 3 * 2 * 2 * 2);
  std::set<std::string> labels;
  for (size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].index, static_cast<int>(i));
    labels.insert(cells[i].Label());
  }
  EXPECT_EQ(labels.size(), cells.size());
  EXPECT_EQ(cells[0].Label(), "a w1 heap=64MiB t=1 ea=on");
  EXPECT_EQ(cells[1].Label(), "a w1 heap=64MiB t=1 ea=off");
  EXPECT_EQ(cells.back().Label(), "b:x=1 w3 heap=128MiB t=2 ea=off");
}

TEST(MatrixTest, ACollectorThatNeverFreesRunsAtTheSmallestMultipleOnly) {
  MatrixSpec spec;
  spec.collectors = {"nogc", "marksweep"};
  spec.workloads = {"binary-trees"};
  spec.heaps = {{true, 3}, {true, 1.5}, {false, 64}};
  const std::vector<Cell> cells = ExpandCells(spec);
  std::vector<std::string> labels;
  for (const Cell& cell : cells) labels.push_back(cell.Label());
  EXPECT_EQ(labels, (std::vector<std::string>{
                        "nogc binary-trees heap=64MiB t=1 ea=on",
                        "nogc binary-trees heap=1.5x t=1 ea=on",
                        "marksweep binary-trees heap=3x t=1 ea=on",
                        "marksweep binary-trees heap=1.5x t=1 ea=on",
                        "marksweep binary-trees heap=64MiB t=1 ea=on"}));
}

TEST(MatrixTest, InterleavesRepetitionsAndShufflesEachRound) {
  const auto order = InterleavedOrder(10, 3, 7);
  ASSERT_EQ(order.size(), 30u);
  std::set<std::pair<int, int>> seen;
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(order[i].rep, static_cast<int>(i / 10) + 1) << "rep 1 of every cell comes first";
    EXPECT_TRUE(seen.insert({order[i].cell, order[i].rep}).second);
  }
  std::vector<int> round1, round2;
  for (int i = 0; i < 10; ++i) {
    round1.push_back(order[i].cell);
    round2.push_back(order[10 + i].cell);
  }
  EXPECT_NE(round1, round2) << "each round has its own order";
  const auto again = InterleavedOrder(10, 3, 7);
  const auto other = InterleavedOrder(10, 3, 8);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i].Key(), again[i].Key());
  bool differs = false;
  for (size_t i = 0; i < order.size(); ++i) differs |= order[i].Key() != other[i].Key();
  EXPECT_TRUE(differs) << "another seed, another order";
}

TEST(MatrixTest, ShardsCoverEveryRunExactlyOnce) {
  const auto order = InterleavedOrder(17, 4, 1);
  for (int count : {1, 2, 3, 5, 68, 100}) {
    std::map<std::string, int> times;
    size_t total = 0;
    for (int index = 1; index <= count; ++index) {
      for (const PlannedRun& run : RunsOfShard(order, Shard{index, count})) {
        ++times[run.Key()];
        ++total;
      }
    }
    EXPECT_EQ(total, order.size()) << count << " shards";
    EXPECT_EQ(times.size(), order.size());
    for (const auto& [key, n] : times) EXPECT_EQ(n, 1) << key;
  }
}

TEST(MatrixTest, ParsesShards) {
  EXPECT_TRUE(ParseShard("1/1").ok());
  EXPECT_EQ(ParseShard("2/5")->index, 2);
  for (const char* bad : {"0/2", "3/2", "1", "a/b", "1/0", "-1/2", "1/2/3", ""}) {
    EXPECT_FALSE(ParseShard(bad).ok()) << bad;
  }
}

TEST(CsvTest, ReadsQuotedFields) {
  auto table = ParseCsv("a,b,c\n1,\"x, y\",\"he said \"\"hi\"\"\"\n,,\n");
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0][1], "x, y");
  EXPECT_EQ(table->rows[0][2], "he said \"hi\"");
  EXPECT_EQ(table->rows[1][0], "");
  EXPECT_EQ(table->Column("c"), 2);
  EXPECT_EQ(table->Column("d"), -1);
  EXPECT_FALSE(ParseCsv("a,b\n1\n").ok());
  EXPECT_FALSE(ParseCsv("a\n\"open\n").ok());
  EXPECT_FALSE(ParseCsv("").ok());
}

TEST(MinHeapTest, BisectionFindsTheThresholdWithinTwoPercent) {
  for (size_t threshold : {size_t{3'000'000}, size_t{100'000'000}, size_t{17'654'321}}) {
    int probes = 0;
    auto result = BisectMinHeap(4 << 20, [&](size_t bytes) -> absl::StatusOr<bool> {
      ++probes;
      return bytes >= threshold;
    });
    ASSERT_TRUE(result.ok());
    EXPECT_GE(*result, threshold);
    EXPECT_LE(*result, std::max<double>(threshold * 1.02, threshold + 65536.0)) << threshold;
    EXPECT_LT(probes, 30);
  }
  auto never = BisectMinHeap(4 << 20, [](size_t) -> absl::StatusOr<bool> { return false; });
  EXPECT_FALSE(never.ok());
  auto broken = BisectMinHeap(4 << 20, [](size_t) -> absl::StatusOr<bool> {
    return absl::InternalError("probe crashed");
  });
  EXPECT_EQ(broken.status().message(), "probe crashed");
}

TEST(MinHeapTest, CacheRoundTripsAndRejectsMalformedFiles) {
  const std::string path = ::testing::TempDir() + "/minheap_cache_test.csv";
  std::remove(path.c_str());
  auto cache = MinHeapCache::Load(path);
  ASSERT_TRUE(cache.ok());
  MinHeapKey key{"marksweep", "binary-trees", "default", 1, true, "gclab-abc-Release"};
  EXPECT_FALSE(cache->Find(key).has_value());
  cache->Put(key, 12345678);
  cache->Put({"a,b", "w", "small", 2, false, "plugin-sha256:0123"}, 99);
  ASSERT_TRUE(cache->Save().ok());
  auto loaded = MinHeapCache::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->Find(key), 12345678u);
  EXPECT_EQ(loaded->Find({"a,b", "w", "small", 2, false, "plugin-sha256:0123"}), 99u);
  // Another build of the same collector (a changed plugin, a rebuilt gclab) misses.
  EXPECT_FALSE(loaded->Find({"a,b", "w", "small", 2, false, "plugin-sha256:4567"}).has_value());
  key.build = "gclab-def-Release";
  EXPECT_FALSE(loaded->Find(key).has_value());
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("collector,workload\nx,y\n", f);
  std::fclose(f);
  auto bad = MinHeapCache::Load(path);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(path), std::string::npos);
}

TEST(MinHeapTest, RowsWithoutTheirBuildAreStale) {
  // A cache written before builds were recorded: its minimum may be another build's.
  auto old = MinHeapCache::Parse(
      "collector,workload,size,threads,escape_analysis,min_heap_bytes\n"
      "mygc,binary-trees,default,1,on,4194304\n",
      "old.csv");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_TRUE(old->entries().empty());
  EXPECT_EQ(old->stale_rows(), 1);
}

}  // namespace
}  // namespace gclab
