// GCBench (Ellis, Kovac, Boehm) as a plain program over libgc or jemalloc: the same
// shape, constants and checks as gclab's binary-trees workload
// (workloads/binary_trees/binary_trees.cc), so that gclab's bdw and malloc-marksweep
// can be measured against the libraries running the same work without gclab.
//
// Nodes are 24 bytes, as a C program declares them (gclab's are 32: its header word
// and the same three fields); the double array is pointer-free, so atomic in libgc.
// With jemalloc the program frees each temporary tree when it drops it (a walk
// that a collector does not need; it is part of what manual memory management
// costs). The timed region is the whole benchmark, as in gclab's measured iteration.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/native/native_allocator.h"

namespace gclab::native {
namespace {

struct Node {
  Node* left;
  Node* right;
  int32_t i;  // depth stamp
  int32_t j;
};
static_assert(sizeof(Node) == 24);

struct Shape {
  int stretch_depth, long_lived_depth, min_depth, max_depth, array_size;
};

Shape ShapeFor(Size size) {
  switch (size) {
    case Size::kSmall:
      return {14, 12, 4, 12, 50'000};
    case Size::kDefault:
      return {18, 16, 4, 16, 500'000};
    case Size::kLarge:
      return {20, 18, 4, 18, 2'000'000};
  }
  return {};
}

uint64_t TreeSize(int depth) { return (uint64_t{1} << (depth + 1)) - 1; }

class GcBench {
 public:
  explicit GcBench(Shape shape) : shape_(shape) {}

  uint64_t NumIters(int depth) const { return 2 * TreeSize(shape_.stretch_depth) / TreeSize(depth); }

  Node* NewNode(int depth) {
    auto* node = static_cast<Node*>(Allocator::Allocate(sizeof(Node)));
    node->i = depth;
    ++nodes_built_;
    return node;
  }

  Node* MakeTree(int depth) {
    Node* left = nullptr;
    Node* right = nullptr;
    if (depth > 0) {
      left = MakeTree(depth - 1);
      right = MakeTree(depth - 1);
    }
    Node* node = NewNode(depth);
    node->left = left;
    node->right = right;
    return node;
  }

  void Populate(int depth, Node* node) {
    if (depth <= 0) return;
    --depth;
    node->left = NewNode(depth);
    node->right = NewNode(depth);
    Populate(depth, node->left);
    Populate(depth, node->right);
  }

  static void FreeTree(Node* node) {
    if (!Allocator::frees || node == nullptr) return;
    FreeTree(node->left);
    FreeTree(node->right);
    Allocator::Free(node);
  }

  static uint64_t CountTree(Node* root, int depth) {
    uint64_t count = 0;
    std::vector<std::pair<Node*, int>> stack{{root, depth}};
    while (!stack.empty()) {
      auto [node, d] = stack.back();
      stack.pop_back();
      if (node == nullptr || node->i != d) continue;
      ++count;
      if (d > 0) {
        stack.emplace_back(node->left, d - 1);
        stack.emplace_back(node->right, d - 1);
      } else if (node->left != nullptr || node->right != nullptr) {
        --count;
      }
    }
    return count;
  }

  void TimeConstruction(int depth) {
    const uint64_t iterations = NumIters(depth);
    for (uint64_t i = 0; i < iterations; ++i) {
      Node* tree = NewNode(depth);
      Populate(depth, tree);
      if (i + 1 == iterations && CountTree(tree, depth) != TreeSize(depth)) ++bad_trees_;
      FreeTree(tree);
    }
    for (uint64_t i = 0; i < iterations; ++i) {
      Node* tree = MakeTree(depth);
      if (i + 1 == iterations && CountTree(tree, depth) != TreeSize(depth)) ++bad_trees_;
      FreeTree(tree);
    }
  }

  // The measured iteration of gclab's binary-trees.
  void Run() {
    FreeTree(MakeTree(shape_.stretch_depth));
    long_lived_ = NewNode(shape_.long_lived_depth);
    Populate(shape_.long_lived_depth, long_lived_);
    array_ = static_cast<double*>(Allocator::AllocateAtomic(sizeof(double) * shape_.array_size));
    for (int i = 0; i < shape_.array_size / 2; ++i) array_[i] = 1.0 / i;
    for (int depth = shape_.min_depth; depth <= shape_.max_depth; depth += 2) {
      TimeConstruction(depth);
    }
    long_lived_nodes_ = CountTree(long_lived_, shape_.long_lived_depth);
    array_ok_ = array_[1000] == 1.0 / 1000;
  }

  std::string Check() const {
    uint64_t expected = TreeSize(shape_.stretch_depth) + TreeSize(shape_.long_lived_depth);
    for (int d = shape_.min_depth; d <= shape_.max_depth; d += 2) {
      expected += 2 * NumIters(d) * TreeSize(d);
    }
    if (nodes_built_ != expected) return "wrong node count";
    if (long_lived_nodes_ != TreeSize(shape_.long_lived_depth)) return "long-lived tree damaged";
    if (bad_trees_ != 0) return "temporary trees damaged";
    if (!array_ok_) return "array damaged";
    return "";
  }

  uint64_t nodes_built() const { return nodes_built_; }

 private:
  Shape shape_;
  uint64_t nodes_built_ = 0;
  uint64_t bad_trees_ = 0;
  uint64_t long_lived_nodes_ = 0;
  bool array_ok_ = false;
  Node* long_lived_ = nullptr;
  double* array_ = nullptr;
};

}  // namespace
}  // namespace gclab::native

int main(int argc, char** argv) {
  using namespace gclab::native;
  const Options options = ParseOptions(argc, argv, "gcbench");
  Allocator::Init(options.heap_mb);
  GcBench bench(ShapeFor(options.size));
  const auto start = std::chrono::steady_clock::now();
  bench.Run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string error = bench.Check();
  Report("binary-trees", wall, bench.nodes_built(), error.empty(), error);
  return error.empty() ? 0 : 1;
}
