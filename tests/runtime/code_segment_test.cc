#include "runtime/code_segment.h"

#include "gtest/gtest.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

TEST(CodeSegmentTest, DescriptorsDescribeLayouts) {
  testing::TestProgram p;
  auto rt = testing::MakeTestRuntime("nogc", p);
  EXPECT_EQ(p.node->kind, TypeKind::kFixed);
  EXPECT_EQ(p.node->field_words, 2u);
  EXPECT_EQ(p.node->ref_map, 1u);
  EXPECT_EQ(p.wide->ref_map, ~uint64_t{0});
  EXPECT_EQ(p.new_node->fixed_bytes, 24u);
  EXPECT_EQ(p.new_ref_array->fixed_bytes, 0u);
  EXPECT_FALSE(p.new_node->on_stack);
  EXPECT_TRUE(p.local_node->on_stack);
  EXPECT_EQ(p.frame->frame_bytes, kFrameHeaderBytes + 10 * 8 + 1024);
  EXPECT_EQ(&rt->code().site(p.new_pair->id), p.new_pair);
  EXPECT_EQ(&rt->code().type(p.pair->id), p.pair);
  EXPECT_STREQ(p.frame->name, "test.frame");
  EXPECT_TRUE(rt->code().Contains(p.frame));
}

TEST(CodeSegmentTest, EscapeAnalysisOffSendsEverySiteToTheHeap) {
  testing::TestProgram p;
  auto rt = testing::MakeTestRuntime("nogc", p, {.escape_analysis = false});
  EXPECT_FALSE(p.local_node->on_stack);
  EXPECT_EQ(p.local_node->escape, Escape::kNoEscape);
}

TEST(CodeSegmentDeathTest, SealedSegmentFaultsOnWrite) {
  testing::TestProgram p;
  auto rt = testing::MakeTestRuntime("nogc", p);
  ASSERT_TRUE(rt->code().sealed());
  auto* writable = const_cast<FunctionInfo*>(p.frame);
  EXPECT_DEATH(writable->num_slots = 63, "");
  auto* type = const_cast<TypeInfo*>(p.node);
  EXPECT_DEATH(type->ref_map = 3, "");
}

TEST(CodeSegmentDeathTest, DefiningAfterStartIsFatal) {
  testing::TestProgram p;
  auto rt = testing::MakeTestRuntime("nogc", p);
  EXPECT_DEATH(rt->code().DefineFunction("late", 1, {0}), "sealed.*late");
  EXPECT_DEATH(rt->data().DefineRef("late"), "after Runtime::Start");
}

TEST(CodeSegmentDeathTest, OutOfRangePointerMapsAreFatal) {
  RuntimeConfig config;
  auto rt = Runtime::Create(config, *CollectorRegistry::Global().Create("nogc"));
  ASSERT_TRUE(rt.ok());
  EXPECT_DEATH((*rt)->code().DefineStruct("Bad", 2, {2}), "field 2 of 'Bad' is out of range");
  EXPECT_DEATH((*rt)->code().DefineStruct("Huge", 65, {}), "at most 64");
  EXPECT_DEATH((*rt)->code().DefineFunction("f", 3, {5}), "slot 5 of 'f'");
}

}  // namespace
}  // namespace gclab
