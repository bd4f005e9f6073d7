// Checked builds stop a mutator program that stores a pointer where the collector
// would not see it or where it would dangle, with a message naming the mistake.
#include "gtest/gtest.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::MakeTestRuntime;
using testing::TestProgram;

class StoreChecksDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kChecks) GTEST_SKIP() << "stores are checked in GCLAB_CHECKS builds only";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }

  // Runs `body` on a mutator of a fresh marksweep runtime, inside one frame.
  template <typename Body>
  static void Run(Body body) {
    TestProgram p;
    auto rt = MakeTestRuntime("marksweep", p);
    Mutator m(*rt);
    FrameScope f(m, *p.frame);
    body(m, p, f);
  }
};

TEST_F(StoreChecksDeathTest, APointerIntoAScalarField) {
  EXPECT_DEATH(Run([](Mutator& m, TestProgram& p, FrameScope& f) {
                 f[0] = m.Allocate(*p.new_node);
                 f[1] = m.Allocate(*p.new_node);
                 m.Store(f[0], 1, f[1]);  // Node: field 0 a pointer, field 1 a word
               }),
               "into field 1 of .*type Node.*: the field is a scalar field");
}

TEST_F(StoreChecksDeathTest, AFieldIndexOutOfRange) {
  EXPECT_DEATH(Run([](Mutator& m, TestProgram& p, FrameScope& f) {
                 f[0] = m.Allocate(*p.new_node);
                 m.Store(f[0], 2, nullptr);
               }),
               "into field 2 of .*type Node, 2 fields.*: the field does not exist");
}

TEST_F(StoreChecksDeathTest, StoreOnAnArray) {
  EXPECT_DEATH(Run([](Mutator& m, TestProgram& p, FrameScope& f) {
                 f[0] = m.AllocateArray(*p.new_ref_array, 4);
                 f[1] = m.Allocate(*p.new_node);
                 m.Store(f[0], 0, f[1]);  // would overwrite the array's length
               }),
               "is an array, not a struct: use StoreElement");
}

TEST_F(StoreChecksDeathTest, StoreElementOfAPointerIntoAByteArray) {
  EXPECT_DEATH(Run([](Mutator& m, TestProgram& p, FrameScope& f) {
                 f[0] = m.AllocateArray(*p.new_byte_array, 64);
                 f[1] = m.Allocate(*p.new_node);
                 m.StoreElement(f[0], 0, f[1]);
               }),
               "which is not an array of pointers: its elements are bytes");
}

TEST_F(StoreChecksDeathTest, StoreElementOnAStruct) {
  EXPECT_DEATH(Run([](Mutator& m, TestProgram& p, FrameScope& f) {
                 f[0] = m.Allocate(*p.new_pair);
                 m.StoreElement(f[0], 0, nullptr);
               }),
               "which is not an array of pointers: use Store");
}

TEST_F(StoreChecksDeathTest, AYoungerFramesArenaObjectIntoAnOlderFramesOne) {
  EXPECT_DEATH(Run([](Mutator& m, TestProgram& p, FrameScope& outer) {
                 outer[0] = m.Allocate(*p.local_node);  // in the outer frame's arena
                 FrameScope inner(m, *p.frame);
                 inner[0] = m.Allocate(*p.local_node);  // in the inner frame's arena
                 m.Store(outer[0], 0, inner[0]);
               }),
               "in a younger frame, which pops first");
}

TEST_F(StoreChecksDeathTest, AYoungerFramesArenaObjectInAnOlderFramesSlot) {
  EXPECT_DEATH(Run([](Mutator& m, TestProgram& p, FrameScope& outer) {
                 FrameScope inner(m, *p.frame);
                 inner[0] = m.Allocate(*p.local_node);
                 outer[2] = inner[0];  // the caller keeps it past the inner frame's pop
               }),
               "slot 2 of the frame of 'test.frame' points at .* which is being popped");
}

TEST(StoreChecksTest, AnOlderFramesArenaObjectIntoAYoungerFramesOneIsFine) {
  TestProgram p;
  auto rt = MakeTestRuntime("marksweep", p);
  Mutator m(*rt);
  FrameScope outer(m, *p.frame);
  outer[0] = m.Allocate(*p.local_node);
  {
    FrameScope inner(m, *p.frame);
    inner[0] = m.Allocate(*p.local_node);
    m.Store(inner[0], 0, outer[0]);
    Ref same_frame = m.Allocate(*p.local_node);
    m.Store(inner[0], 0, same_frame);
    EXPECT_EQ(inner[0]->ref(0), same_frame);
  }
  m.Collect();
}

}  // namespace
}  // namespace gclab
