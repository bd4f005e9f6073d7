// bdw's own tests: that it allocates as a careful libgc user does and loses nothing
// by it. Data libgc must not scan (a byte array, a struct's scalar field under the
// typed layout) holds words that look like pointers to otherwise unreachable
// objects: those objects must go, and they stay when the same data are scanned (the
// control that shows the test can fail). With interior pointers off (the default),
// objects reachable only through gclab's roots (globals, frame slots, arena objects,
// array elements) survive collections and the reuse of freed memory. Cells waiting
// on a mutator's inline free list are never handed to another mutator.
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_set.h"

#include "gtest/gtest.h"
#include "runtime/collector.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::MakeTestRuntime;
using testing::TestProgram;

constexpr int kTargets = 256;
constexpr uint64_t kTargetBytes = 16 * 1024;  // 4 MiB of targets in all

enum class Holder { kByteArray, kScalarField };

// Makes kTargets byte arrays of kTargetBytes and writes each one's address into
// `holders` (slot 0 of the caller's frame): into a byte array's bytes, or into the
// scalar field of a pair held by a ref array. No Ref to a target outlives this
// call (not inlined, so its locals are below the stack pointer once it returns).
[[gnu::noinline]] void HideTargets(Mutator& m, const TestProgram& p, Holder holder, Ref* holders) {
  FrameScope f(m, *p.frame);
  for (int i = 0; i < kTargets; ++i) {
    f[1] = m.AllocateArray(*p.new_byte_array, kTargetBytes);
    const auto address = reinterpret_cast<uintptr_t>(f[1]);
    if (holder == Holder::kByteArray) {
      std::memcpy((*holders)->bytes() + i * sizeof(address), &address, sizeof(address));
    } else {
      f[2] = m.Allocate(*p.new_pair);
      f[2]->i64(2) = static_cast<int64_t>(address);
      m.StoreElement(*holders, i, f[2]);
    }
  }
  f[1] = nullptr;
}

// The bytes in use after a collection that the hidden addresses kept.
size_t BytesKeptByHiddenAddresses(const std::string& spec, Holder holder) {
  TestProgram p;
  auto rt = MakeTestRuntime(spec, p, {.heap_bytes = 64 * MiB});
  if (rt == nullptr) return 0;
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  f[0] = holder == Holder::kByteArray
             ? m.AllocateArray(*p.new_byte_array, kTargets * sizeof(uintptr_t))
             : m.AllocateArray(*p.new_ref_array, kTargets);
  m.Collect();
  const size_t before = rt->collector().Usage().in_use_bytes;
  HideTargets(m, p, holder, &f[0]);
  m.Collect();
  const size_t after = rt->collector().Usage().in_use_bytes;
  return after > before ? after - before : 0;
}

// What the pairs themselves take (kTargets of 32 bytes, in whole blocks): well
// under this; the targets kept by scanning take 4 MiB.
constexpr size_t kFreedBelow = 1 * MiB;
constexpr size_t kKeptAtLeast = 3 * MiB;

TEST(BdwTest, AByteArrayIsAtomicAndItsBytesKeepNothingAlive) {
  EXPECT_LT(BytesKeptByHiddenAddresses("bdw", Holder::kByteArray), kFreedBelow);
}

TEST(BdwTest, WithAtomicOffAByteArrayIsScannedAndKeepsWhatItPointsAt) {
  EXPECT_GE(BytesKeptByHiddenAddresses("bdw:atomic=off", Holder::kByteArray), kKeptAtLeast);
}

TEST(BdwTest, TheTypedLayoutDoesNotScanAStructsScalarFields) {
  EXPECT_LT(BytesKeptByHiddenAddresses("bdw:layout=typed", Holder::kScalarField), kFreedBelow);
}

TEST(BdwTest, TheConservativeLayoutScansAStructsScalarFields) {
  EXPECT_GE(BytesKeptByHiddenAddresses("bdw", Holder::kScalarField), kKeptAtLeast);
}

// A mutator's free list holds cells libgc handed out (GC_malloc_many) that the
// mutator has not used yet. Collections while they wait, and another mutator
// allocating the same size afterwards, must leave them to their owner: were the lists
// not roots, libgc would free the cells and give them to the other mutator.
//
// Not inlined, so that no cell address stays in the test's own frame, which libgc
// scans conservatively (the set's table is malloc's memory, which it does not).
[[gnu::noinline]] absl::flat_hash_set<uintptr_t> CellsOnList(const AllocBuffer& list) {
  absl::flat_hash_set<uintptr_t> cells;
  for (uintptr_t cell = list.cursor; cell != 0; cell = *reinterpret_cast<uintptr_t*>(cell)) {
    cells.insert(cell);
  }
  return cells;
}

TEST(BdwTest, CellsWaitingOnAMutatorsFreeListAreNotHandedOutAgain) {
  TestProgram p;
  auto rt = MakeTestRuntime("bdw", p, {.heap_bytes = 64 * MiB});
  ASSERT_NE(rt, nullptr);
  // On the heap: a Mutator on this stack would have its lists scanned with the stack.
  auto owner = std::make_unique<Mutator>(*rt);
  Mutator& m = *owner;
  FrameScope f(m, *p.frame);
  f[0] = m.Allocate(*p.new_node);  // the first cell of a new list
  const absl::flat_hash_set<uintptr_t> waiting =
      CellsOnList(m.alloc_buffer(SizeClassOf(p.new_node->fixed_bytes)));
  ASSERT_GE(waiting.size(), 10u) << "a list of one block's cells was expected";
  int handed_out_again = 0;
  {
    BlockingScope blocked(m);  // so that the other thread can stop the world
    std::thread other([&] {
      Mutator m2(*rt);
      FrameScope g(m2, *p.frame);
      constexpr int kNodes = 20'000;
      g[0] = m2.AllocateArray(*p.new_ref_array, kNodes);
      m2.Collect();
      m2.Collect();
      for (int i = 0; i < kNodes; ++i) {
        FrameScope h(m2, *p.frame);
        h[0] = m2.Allocate(*p.new_node);
        handed_out_again += waiting.contains(reinterpret_cast<uintptr_t>(h[0]));
        m2.StoreElement(g[0], i, h[0]);
      }
    });
    other.join();
  }
  EXPECT_EQ(handed_out_again, 0);
  // The owner still takes its cells, each once, from where the list left off.
  for (size_t i = 0; i < waiting.size(); ++i) {
    ASSERT_TRUE(waiting.contains(reinterpret_cast<uintptr_t>(m.Allocate(*p.new_node))));
  }
}

class BdwRootsTest : public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr int kElements = 1000;
  static constexpr uint64_t kLargeBytes = 64 * 1024;
};

// Objects reachable only through gclab's roots survive collections, and freed
// memory reused by new objects of the same size never overwrites them.
TEST_P(BdwRootsTest, NothingReachableThroughGclabsRootsIsLost) {
  TestProgram p;
  auto made = testing::TryMakeTestRuntime(GetParam(), p, {.heap_bytes = 32 * MiB});
  if (absl::IsFailedPrecondition(made.status())) {
    // libgc started in the other interior-pointer mode in this process; ctest runs
    // each test in a process of its own.
    GTEST_SKIP() << made.status();
  }
  ASSERT_TRUE(made.ok()) << made.status();
  std::unique_ptr<Runtime> rt = *std::move(made);
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  testing::BuildList(m, p, &f[0], 1000, /*first=*/0);  // a frame slot
  {
    FrameScope g(m, *p.frame);
    testing::BuildList(m, p, &g[0], 1000, /*first=*/1000);
    m.StoreGlobal(p.roots[0], g[0]);  // a global
  }
  f[1] = m.Allocate(*p.local_node);  // an arena object, the only holder of a heap node
  const auto arena_address = reinterpret_cast<uintptr_t>(f[1]);
  ASSERT_TRUE(arena_address >= m.stack_base() && arena_address < m.top_frame()->arena_end())
      << "escape analysis should keep this object in the frame's arena";
  {
    FrameScope g(m, *p.frame);
    g[0] = m.Allocate(*p.new_node);
    g[0]->i64(1) = 4242;
    m.Store(f[1], 0, g[0]);
  }
  // Array elements, in a large object (libgc checks a pointer to the start of a large
  // object against its valid displacements, and a small one's not at all).
  f[2] = m.AllocateArray(*p.new_ref_array, kElements);
  for (int i = 0; i < kElements; ++i) {
    FrameScope g(m, *p.frame);
    g[0] = m.Allocate(*p.new_node);
    g[0]->i64(1) = 5000 + i;
    m.StoreElement(f[2], i, g[0]);
  }
  f[3] = m.Allocate(*p.new_pair);  // a heap object's field, to a large object
  {
    FrameScope g(m, *p.frame);
    g[0] = m.AllocateArray(*p.new_byte_array, kLargeBytes);
    std::memset(g[0]->bytes(), 0x5A, kLargeBytes);
    m.Store(f[3], 0, g[0]);
  }
  for (int round = 0; round < 4; ++round) {
    m.Collect();
    // Garbage of the same sizes, filling what a wrong free would have released.
    for (int i = 0; i < 200'000; ++i) m.Allocate(*p.new_node)->i64(1) = -1;
    for (int i = 0; i < 20; ++i) {
      std::memset(m.AllocateArray(*p.new_byte_array, kLargeBytes)->bytes(), 0, kLargeBytes);
      m.AllocateArray(*p.new_ref_array, kElements);
    }
  }
  m.Collect();
  int64_t count = 0;
  EXPECT_EQ(testing::SumList(f[0], &count), 999 * 1000 / 2);
  EXPECT_EQ(count, 1000);
  EXPECT_EQ(testing::SumList(rt->data().LoadRef(p.roots[0]), &count), (1000 + 1999) * 1000 / 2);
  EXPECT_EQ(count, 1000);
  EXPECT_EQ(f[1]->ref(0)->i64(1), 4242);
  for (int i = 0; i < kElements; ++i) ASSERT_EQ(f[2]->element(i)->i64(1), 5000 + i);
  const Ref large = f[3]->ref(0);
  for (uint64_t b = 0; b < kLargeBytes; b += 511) ASSERT_EQ(large->bytes()[b], 0x5A) << b;
  absl::Status status = rt->VerifyHeap(/*check_live_bytes=*/false);
  EXPECT_TRUE(status.ok()) << status;
}

INSTANTIATE_TEST_SUITE_P(Modes, BdwRootsTest,
                         ::testing::Values("bdw", "bdw:interior_pointers=on", "bdw:layout=typed"),
                         [](const auto& info) { return testing::TestNameOf(info.param); });

}  // namespace
}  // namespace gclab
