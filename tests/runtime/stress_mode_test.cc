// Stress mode is switched on by environment variables; a misspelt value must stop the
// run rather than quietly test without stress.
#include <cstdlib>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::MakeTestRuntime;
using testing::TestProgram;

TEST(StressModeDeathTest, AMalformedStressVariableIsFatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        setenv("GCLAB_STRESS", "yes", 1);
        TestProgram p;
        MakeTestRuntime("marksweep", p);
      },
      "GCLAB_STRESS='yes' is not valid; valid: 0 or 1");
  EXPECT_DEATH(
      {
        setenv("GCLAB_STRESS_EVERY_BYTES", "256k", 1);
        TestProgram p;
        MakeTestRuntime("marksweep", p);
      },
      "GCLAB_STRESS_EVERY_BYTES='256k' is not valid; valid: a byte count");
}

// A 64 MiB runtime of `collector` in stress mode, collecting every `every_bytes`,
// as the environment variables ask (set only while it is made).
std::unique_ptr<Runtime> MakeStressRuntime(const std::string& collector, TestProgram& p,
                                           const char* every_bytes) {
  setenv("GCLAB_STRESS", "1", 1);
  setenv("GCLAB_STRESS_EVERY_BYTES", every_bytes, 1);
  auto rt = MakeTestRuntime(collector, p, {.heap_bytes = 64 * MiB});
  unsetenv("GCLAB_STRESS");
  unsetenv("GCLAB_STRESS_EVERY_BYTES");
  return rt;
}

TEST(StressModeTest, EveryBytesCollectsOnceThatManyBytesAreAllocated) {
  TestProgram p;
  auto rt = MakeStressRuntime("malloc-marksweep", p, "1048576");
  {
    Mutator m(*rt);
    // 8 MiB of nodes (16 bytes each, plus header) with a collection per MiB.
    for (int i = 0; i < 8 * 1024 * 1024 / 24; ++i) m.Allocate(*p.new_node);
  }
  const uint64_t collections = rt->collector().Usage().collections;
  EXPECT_GE(collections, 6u);
  EXPECT_LE(collections, 9u);
}

TEST(StressModeTest, AGenerationalCollectorsStressCollectionsIncludeMinorOnes) {
  TestProgram p;
  auto rt = MakeStressRuntime("generational", p, "262144");
  ASSERT_EQ(rt->collector().traits().stress_minor_collections, 3);
  {
    Mutator m(*rt);
    for (int i = 0; i < 4 * 1024 * 1024 / 24; ++i) m.Allocate(*p.new_node);
  }
  int minor = 0, full = 0;
  for (const PauseRecord& pause : rt->events().pauses()) {
    if (pause.cause != GcCause::kStress) continue;
    (pause.kind == PauseKind::kMinor ? minor : full) += 1;
  }
  EXPECT_GE(full, 2);
  EXPECT_GE(minor, 3 * full - 3);  // three minor to one full, up to where it stopped
}

}  // namespace
}  // namespace gclab
