// binary-trees: GCBench (John Ellis and Pete Kovac, adapted by Hans Boehm), kept
// faithful so its numbers compare with published ones.
//
// The Go program it corresponds to:
//
//   type Node struct { left, right *Node; i, j int32 }
//
//   func MakeTree(d int) *Node {              // bottom-up: children first
//     if d <= 0 { return &Node{} }            // escapes: returned to the caller
//     return &Node{MakeTree(d-1), MakeTree(d-1)}
//   }
//   func Populate(d int, n *Node) {           // top-down: fill an empty node
//     if d <= 0 { return }
//     n.left, n.right = &Node{}, &Node{}      // escape: stored into a heap object
//     Populate(d-1, n.left); Populate(d-1, n.right)
//   }
//   main: stretch := MakeTree(18); stretch = nil
//         longLived := &Node{}; Populate(16, longLived)     // kept to the end
//         array := make([]float64, 500000)                   // escapes: kept live
//         for d := 4; d <= 16; d += 2 {
//           for i := 0; i < NumIters(d); i++ { t := &Node{}; Populate(d, t) }
//           for i := 0; i < NumIters(d); i++ { t := MakeTree(d) }
//         }
//
// TreeSize(d) = 2^(d+1) - 1 and NumIters(d) = 2 * TreeSize(18) / TreeSize(d): the
// default size builds 15,333,862 nodes of 32 bytes. Every node escapes (returned or
// stored into the heap) except the roots of the top-down trees, the long-lived one
// included: Go's compiler sees that Populate's argument does not escape and keeps
// each root in its caller's frame ("&Node{...} does not escape", go/binary_trees.go),
// so here they come from a non-escaping site, in main's frame and in a frame of their
// own per iteration (Go reuses the stack slot). Escape analysis changes one node in
// 2^(d+1) - 1. Each tree-building call is a runtime function with its own frame;
// arguments are passed in the caller's frame slots, as Go's stack ABI does, so they
// stay roots while the callee's prologue polls.
//
// One op is one node built; a latency batch is 1000 nodes.
//
// Checked by: the number of nodes built, a walk of the long-lived tree (shape and
// depth stamps), a walk of the last tree of every depth, and the array's contents.
// Checksum: Mix(Mix(0, nodes built), intact nodes of the long-lived tree).
// The Go program is go/binary_trees.go.
#include <array>
#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

struct Shape {
  int stretch_depth;
  int long_lived_depth;
  int min_depth;
  int max_depth;
  int array_size;
};

constexpr size_t kLeft = 0;
constexpr size_t kRight = 1;
constexpr size_t kStamp = 2;  // int32 i = depth stamp, int32 j = 0
constexpr size_t kNodeBytes = 32;
// One latency batch: this many nodes built.
constexpr uint64_t kNodesPerBatch = 1000;

uint64_t TreeSize(int depth) { return (uint64_t{1} << (depth + 1)) - 1; }

class BinaryTrees final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "binary-trees",
      .description = "GCBench: long-lived tree and array, temporary trees built "
                     "top-down and bottom-up (Ellis, Kovac, Boehm)",
      .parameters = "size: small = stretch depth 14, long-lived 12, trees 4..12, array "
                    "50,000; default = 18, 16, 4..16, 500,000 (GCBench); large = 20, 18, "
                    "4..18, 2,000,000. threads: single-threaded (extra threads idle)",
      .units = "op = one tree node built; latency batch = 1,000 nodes"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {14, 12, 4, 12, 50'000},
      .default_size = {18, 16, 4, 16, 500'000},  // GCBench as published
      .large = {20, 18, 4, 18, 2'000'000}};

  explicit BinaryTrees(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment&) override {
    const TypeInfo& node = code.DefineStruct("Node", 3, {kLeft, kRight});
    const TypeInfo& doubles = code.DefineByteArray("[]float64");
    sites_[kNewNode] = &code.DefineSite("binary-trees.Node", node, Escape::kEscapes);
    sites_[kNewRoot] = &code.DefineSite("binary-trees.root", node, Escape::kNoEscape);
    sites_[kNewArray] = &code.DefineSite("binary-trees.array", doubles, Escape::kEscapes);
    functions_[kMakeTree] = &code.DefineFunction("MakeTree", 2, {0, 1});
    functions_[kPopulate] = &code.DefineFunction("Populate", 2, {0, 1});
    functions_[kCountTree] = &code.DefineFunction("CountTree", 2, {0, 1});
    functions_[kTimeConstruction] = &code.DefineFunction("TimeConstruction", 1, {0});
    functions_[kTopDownIteration] = &code.DefineFunction("TopDownIteration", 1, {0}, kNodeBytes);
    functions_[kMain] = &code.DefineFunction("main", 3, {0, 1, 2}, kNodeBytes);
  }

  size_t LiveBytesEstimate() const override {
    const size_t stretch = TreeSize(shape_.stretch_depth) * kNodeBytes;
    const size_t steady = TreeSize(shape_.long_lived_depth) * kNodeBytes +
                          size_t{8} * shape_.array_size + 16 +
                          TreeSize(shape_.max_depth) * kNodeBytes;
    return std::max(stretch, steady);
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;  // GCBench is single-threaded
    timer_ = context.timer;
    nodes_built_ = 0;
    bad_temporary_trees_ = 0;
    FrameScope f(m, *functions_[kMain]);  // 0: long-lived tree, 1: array, 2: temporary tree
    f[2] = MakeTree(m, shape_.stretch_depth);
    f[2] = nullptr;

    f[0] = NewNode(m, shape_.long_lived_depth, *sites_[kNewRoot]);  // in main's frame arena
    Populate(m, shape_.long_lived_depth, &f[0]);

    f[1] = m.AllocateArray(*sites_[kNewArray], sizeof(double) * shape_.array_size);
    double* array = f[1]->doubles();
    for (int i = 0; i < shape_.array_size / 2; ++i) array[i] = 1.0 / i;

    for (int depth = shape_.min_depth; depth <= shape_.max_depth; depth += 2) {
      TimeConstruction(m, depth);
    }
    long_lived_nodes_ = CountTree(m, &f[0], shape_.long_lived_depth);
    array_ok_ = f[1]->length() == sizeof(double) * shape_.array_size &&
                f[1]->doubles()[1000] == 1.0 / 1000;
  }

  absl::Status Verify(Mutator&) override {
    uint64_t expected = TreeSize(shape_.stretch_depth) + TreeSize(shape_.long_lived_depth);
    for (int d = shape_.min_depth; d <= shape_.max_depth; d += 2) {
      expected += 2 * NumIters(d) * TreeSize(d);
    }
    if (nodes_built_ != expected) {
      return absl::DataLossError(
          absl::StrCat("binary-trees built ", nodes_built_, " nodes, expected ", expected));
    }
    if (long_lived_nodes_ != TreeSize(shape_.long_lived_depth)) {
      return absl::DataLossError(absl::StrCat("long-lived tree has ", long_lived_nodes_,
                                              " intact nodes, expected ",
                                              TreeSize(shape_.long_lived_depth)));
    }
    if (bad_temporary_trees_ != 0) {
      return absl::DataLossError(
          absl::StrCat(bad_temporary_trees_, " temporary trees were damaged"));
    }
    if (!array_ok_) return absl::DataLossError("the long-lived array was damaged");
    return absl::OkStatus();
  }

  uint64_t ops() const override { return nodes_built_; }

  uint64_t Checksum() const override { return Mix(Mix(0, nodes_built_), long_lived_nodes_); }

  size_t BatchesPerThread() const override {
    uint64_t nodes = TreeSize(shape_.stretch_depth) + TreeSize(shape_.long_lived_depth);
    for (int d = shape_.min_depth; d <= shape_.max_depth; d += 2) {
      nodes += 2 * NumIters(d) * TreeSize(d);
    }
    return nodes / kNodesPerBatch + 1;
  }

 private:
  uint64_t NumIters(int depth) const {
    return 2 * TreeSize(shape_.stretch_depth) / TreeSize(depth);
  }

  Ref NewNode(Mutator& m, int depth) { return NewNode(m, depth, *sites_[kNewNode]); }
  Ref NewNode(Mutator& m, int depth, const SiteInfo& site) {
    Ref node = m.Allocate(site);
    node->i32(kStamp, 0) = depth;
    if (++nodes_built_ % kNodesPerBatch == 0) timer_->BatchDone();
    return node;
  }

  // Bottom-up: children first, then the parent that holds them.
  Ref MakeTree(Mutator& m, int depth) {
    FrameScope f(m, *functions_[kMakeTree]);  // 0: left, 1: right
    if (depth > 0) {
      f[0] = MakeTree(m, depth - 1);
      f[1] = MakeTree(m, depth - 1);
    }
    Ref node = NewNode(m, depth);
    m.Store(node, kLeft, f[0]);
    m.Store(node, kRight, f[1]);
    return node;
  }

  // Top-down: give the node in the caller's slot two children, then recurse.
  void Populate(Mutator& m, int depth, Ref* node_slot) {
    FrameScope f(m, *functions_[kPopulate]);  // 0: this node, 1: the child being populated
    f[0] = *node_slot;
    if (depth <= 0) return;
    --depth;
    Ref left = NewNode(m, depth);
    m.Store(f[0], kLeft, left);
    Ref right = NewNode(m, depth);
    m.Store(f[0], kRight, right);
    f[1] = f[0]->ref(kLeft);
    Populate(m, depth, &f[1]);
    f[1] = f[0]->ref(kRight);
    Populate(m, depth, &f[1]);
  }

  void TimeConstruction(Mutator& m, int depth) {
    FrameScope f(m, *functions_[kTimeConstruction]);  // 0: the temporary tree
    const uint64_t iterations = NumIters(depth);
    for (uint64_t i = 0; i < iterations; ++i) {
      FrameScope it(m, *functions_[kTopDownIteration]);  // 0: the root, in this frame's arena
      it[0] = NewNode(m, depth, *sites_[kNewRoot]);
      Populate(m, depth, &it[0]);
      if (i + 1 == iterations && CountTree(m, &it[0], depth) != TreeSize(depth)) {
        ++bad_temporary_trees_;
      }
    }
    for (uint64_t i = 0; i < iterations; ++i) {
      f[0] = MakeTree(m, depth);
      if (i + 1 == iterations && CountTree(m, &f[0], depth) != TreeSize(depth)) {
        ++bad_temporary_trees_;
      }
      f[0] = nullptr;
    }
  }

  // Counts the nodes of a complete tree of `depth` whose stamps and shape are intact.
  // A runtime function that polls like the builders: a walk of 131,071 nodes without a
  // safepoint would hold up a requested pause for milliseconds (Go preempts such a loop).
  uint64_t CountTree(Mutator& m, Ref* node_slot, int depth) {
    FrameScope f(m, *functions_[kCountTree]);  // 0: this node, 1: the child being counted
    f[0] = *node_slot;
    m.Poll();
    if (f[0] == nullptr || f[0]->i32(kStamp, 0) != depth) return 0;
    if (depth == 0) return f[0]->ref(kLeft) == nullptr && f[0]->ref(kRight) == nullptr;
    uint64_t count = 1;
    f[1] = f[0]->ref(kLeft);
    count += CountTree(m, &f[1], depth - 1);
    f[1] = f[0]->ref(kRight);
    count += CountTree(m, &f[1], depth - 1);
    return count;
  }

  enum Site : uint8_t { kNewNode, kNewRoot, kNewArray, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kMakeTree, kPopulate, kCountTree, kTimeConstruction,
                            kTopDownIteration, kMain, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  BatchTimer* timer_ = nullptr;
  uint64_t nodes_built_ = 0;
  uint64_t long_lived_nodes_ = 0;
  uint64_t bad_temporary_trees_ = 0;
  bool array_ok_ = false;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(BinaryTrees);

}  // namespace gclab
