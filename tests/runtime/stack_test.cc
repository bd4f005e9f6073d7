#include "gtest/gtest.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::MakeTestRuntime;
using testing::TestProgram;

TEST(StackTest, PushZeroesSlotsAndPopIsLifo) {
  TestProgram p;
  auto rt = MakeTestRuntime("marksweep", p);
  Mutator m(*rt);
  EXPECT_EQ(m.top_frame(), nullptr);
  {
    FrameScope outer(m, *p.frame);
    EXPECT_EQ(outer.frame()->caller, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(outer.frame()), m.stack_base());
    outer[0] = m.Allocate(*p.new_node);
    outer.word(8) = 42;
    {
      FrameScope inner(m, *p.frame);
      EXPECT_EQ(inner.frame()->caller, outer.frame());
      EXPECT_EQ(m.top_frame(), inner.frame());
      for (int i = 0; i < 8; ++i) EXPECT_EQ(inner[i], nullptr);
      EXPECT_EQ(inner.word(8), 0);
      inner[1] = m.Allocate(*p.new_node);
    }
    EXPECT_EQ(m.top_frame(), outer.frame());
    // Re-pushing over the popped frame's memory zeroes its slots again.
    FrameScope again(m, *p.frame);
    EXPECT_EQ(again[1], nullptr);
    EXPECT_EQ(outer.word(8), 42);
  }
  EXPECT_EQ(m.top_frame(), nullptr);
}

TEST(StackTest, ArenaObjectsLiveInTheirFrameAndAreZeroed) {
  TestProgram p;
  auto rt = MakeTestRuntime("marksweep", p);
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  Ref a = m.Allocate(*p.local_node);
  Ref b = m.Allocate(*p.local_node);
  EXPECT_TRUE(rt->InStackSegment(a));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a), f.frame()->arena_begin());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b), f.frame()->arena_begin() + 24);
  EXPECT_EQ(a->ref(0), nullptr);
  EXPECT_EQ(a->i64(1), 0);
  // An arena may point into itself and at the heap.
  m.Store(a, 0, b);
  m.Store(b, 0, m.Allocate(*p.new_node));
  EXPECT_TRUE(rt->InHeap(b->ref(0)));
}

TEST(StackTest, ArenaOverflowGoesToTheHeap) {
  TestProgram p;
  auto rt = MakeTestRuntime("marksweep", p);
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  int on_stack = 0;
  for (int i = 0; i < 100; ++i) on_stack += rt->InStackSegment(m.Allocate(*p.local_node));
  EXPECT_EQ(on_stack, 1024 / 24);
  EXPECT_EQ(m.arena_overflow_bytes(), uint64_t(100 - 1024 / 24) * 24);
  // Outside any frame a non-escaping object also goes to the heap.
}

TEST(StackDeathTest, OverflowIsAClearError) {
  TestProgram p;
  auto rt = MakeTestRuntime("marksweep", p);
  auto recurse = [&](auto& self, Mutator& m, int depth) -> void {
    FrameScope f(m, *p.frame);
    if (depth < 1'000'000'000) self(self, m, depth + 1);
  };
  EXPECT_DEATH(
      {
        Mutator m(*rt);
        recurse(recurse, m, 0);
      },
      "stack overflow: mutator 0 entering 'test.frame'.*raise RuntimeConfig::stack_bytes");
}

}  // namespace
}  // namespace gclab
