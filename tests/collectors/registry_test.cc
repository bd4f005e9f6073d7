// Self-registration can be silently dropped by the linker; this test pins the set of
// registered collectors and workloads to the folders CMake built.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "runtime/collector.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

std::vector<std::string> Sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

TEST(RegistryTest, EveryCollectorInTheTreeIsRegistered) {
  std::vector<std::string> expected = absl::StrSplit(GCLAB_EXPECTED_COLLECTORS, ',');
  EXPECT_EQ(Sorted(CollectorRegistry::Global().Names()), Sorted(expected));
}

TEST(RegistryTest, EveryWorkloadInTheTreeIsRegistered) {
  std::vector<std::string> expected;
  for (absl::string_view folder : absl::StrSplit(GCLAB_EXPECTED_WORKLOADS, ',')) {
    expected.push_back(absl::StrReplaceAll(folder, {{"_", "-"}}));
  }
  EXPECT_EQ(Sorted(WorkloadRegistry::Global().Names()), Sorted(expected));
}

TEST(RegistryTest, UnknownNamesListWhatIsValid) {
  auto collector = CollectorRegistry::Global().Create("no-such-gc");
  ASSERT_FALSE(collector.ok());
  EXPECT_NE(collector.status().message().find("valid: "), absl::string_view::npos)
      << collector.status();
  EXPECT_NE(collector.status().message().find("marksweep"), absl::string_view::npos)
      << collector.status();
  auto workload = WorkloadRegistry::Global().Create("no-such-workload", {});
  ASSERT_FALSE(workload.ok());
  EXPECT_NE(workload.status().message().find("binary-trees"), absl::string_view::npos);
}

TEST(RegistryTest, CollectorSpecsParse) {
  auto spec = ParseCollectorSpec("concurrent:barrier=yuasa:gogc=50");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "concurrent");
  EXPECT_EQ(spec->options.at("barrier"), "yuasa");
  EXPECT_EQ(spec->options.at("gogc"), "50");
  EXPECT_FALSE(ParseCollectorSpec("").ok());
  EXPECT_FALSE(ParseCollectorSpec("x:novalue").ok());
  EXPECT_FALSE(ParseCollectorSpec("x:a=1:a=2").ok());
  EXPECT_FALSE(CollectorRegistry::Global().Create("marksweep:unknown=1").ok());
}

}  // namespace
}  // namespace gclab
