// Every workload on every collector, at the small size, with the heap verifier on
// after every collection and the workload's own checksum checked.
#include <algorithm>
#include <string>
#include <tuple>

#include "gtest/gtest.h"
#include "harness/run/run_once.h"
#include "runtime/collector.h"
#include "tests/testing/test_program.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

class EveryWorkloadTest
    : public ::testing::TestWithParam<std::tuple<std::string, std::string, bool>> {};

TEST_P(EveryWorkloadTest, PassesItsChecksumWithVerification) {
  const auto& [collector, workload, escape_analysis] = GetParam();
  const WorkloadParams params{.size = WorkloadSize::kSmall};
  const bool reclaims = CollectorRegistry::Global().FindSpec(collector)->traits.reclaims;
  // A tight heap (4x the live estimate) so collectors collect, and verify, often.
  const size_t live = (*WorkloadRegistry::Global().Create(workload, params))->LiveBytesEstimate();
  RunSpec spec{.collector = collector,
                .workload = workload,
                .params = params,
                .heap_bytes = reclaims ? std::max<size_t>(4 * live, 4 * MiB) : 512 * MiB,
                .escape_analysis = escape_analysis,
                .verify_heap = true};
  absl::StatusOr<RunResult> result = RunOnce(spec);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, RunStatus::kOk) << result->error;
  EXPECT_GT(result->ops, 0u);
  EXPECT_GT(result->heap_bytes_allocated + result->stack_bytes_allocated, 0u);
  if (reclaims) {
    EXPECT_GE(result->collections, 2u);
  }
}

std::string Name(const ::testing::TestParamInfo<EveryWorkloadTest::ParamType>& info) {
  return testing::TestNameOf(std::get<0>(info.param) + "_" + std::get<1>(info.param) +
                             (std::get<2>(info.param) ? "_escape_on" : "_escape_off"));
}

INSTANTIATE_TEST_SUITE_P(
    All, EveryWorkloadTest,
    ::testing::Combine(::testing::ValuesIn(CollectorRegistry::Global().SpecsToTest()),
                       ::testing::ValuesIn(WorkloadRegistry::Global().Names()),
                       ::testing::Bool()),
    Name);

// The workloads whose threads share objects, on several threads (their names match
// the ThreadSanitizer run's filter).
class WorkloadThreadsTest
    : public ::testing::TestWithParam<std::tuple<std::string, std::string, int>> {};

TEST_P(WorkloadThreadsTest, PassesItsChecksumOnSeveralThreads) {
  const auto& [collector, workload, threads] = GetParam();
  const WorkloadParams params{.size = WorkloadSize::kSmall, .threads = threads};
  const bool reclaims = CollectorRegistry::Global().FindSpec(collector)->traits.reclaims;
  const size_t live = (*WorkloadRegistry::Global().Create(workload, params))->LiveBytesEstimate();
  absl::StatusOr<RunResult> result =
      RunOnce({.collector = collector,
               .workload = workload,
               .params = params,
               .heap_bytes = reclaims ? std::max<size_t>(4 * live, 4 * MiB) : 512 * MiB,
               .verify_heap = true,
               .warmup = 1});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, RunStatus::kOk) << result->error;
  EXPECT_GT(result->ops, 0u);
  ASSERT_EQ(result->batch_nanos.size(), static_cast<size_t>(threads));
  for (const auto& batches : result->batch_nanos) EXPECT_FALSE(batches.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Shared, WorkloadThreadsTest,
    ::testing::Combine(::testing::ValuesIn(CollectorRegistry::Global().SpecsToTest()),
                       ::testing::Values("pipeline", "server"), ::testing::Values(2, 4)),
    [](const ::testing::TestParamInfo<WorkloadThreadsTest::ParamType>& info) {
      return testing::TestNameOf(std::get<0>(info.param) + "_" + std::get<1>(info.param) +
                                 "_t" + std::to_string(std::get<2>(info.param)));
    });

TEST(BinaryTreesTest, OutOfMemoryIsAResult) {
  // The default size keeps ~16 MB live; give it 2 MiB.
  absl::StatusOr<RunResult> result = RunOnce({.collector = "marksweep",
                                               .workload = "binary-trees",
                                               .params = {.size = WorkloadSize::kDefault},
                                               .heap_bytes = 2 * MiB});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, RunStatus::kOutOfMemory);
  EXPECT_NE(result->error.find("out of memory"), std::string::npos) << result->error;
}

TEST(BinaryTreesTest, AHeapTooSmallForTheCollectorsLayoutIsOutOfMemory) {
  // generational needs a nursery block and two old blocks: 1 MiB with a nursery of
  // nearly all of it leaves no old space. A minimum-heap search bisects through this.
  absl::StatusOr<RunResult> result = RunOnce({.collector = "generational:nursery=0.99",
                                               .workload = "binary-trees",
                                               .params = {.size = WorkloadSize::kSmall},
                                               .heap_bytes = 1 * MiB});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, RunStatus::kOutOfMemory);
  EXPECT_NE(result->error.find("old space"), std::string::npos) << result->error;
}

TEST(BinaryTreesTest, RecordsPausesOfEveryCollection) {
  absl::StatusOr<RunResult> result = RunOnce({.collector = "marksweep",
                                               .workload = "binary-trees",
                                               .params = {.size = WorkloadSize::kSmall},
                                               .heap_bytes = 8 * MiB});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->status, RunStatus::kOk) << result->error;
  EXPECT_GT(result->collections, 0u);
  EXPECT_EQ(result->pauses.size(), result->collections);
  EXPECT_GT(result->max_pause_nanos(), 0);
}

}  // namespace
}  // namespace gclab
