// churn as a plain program over libgc or jemalloc: the same shape, constants,
// random sequence and checks as gclab's churn workload (workloads/churn/churn.cc).
//
// With libgc the program drops references and libgc collects. With jemalloc each
// object counts its incoming references (its slot and the links to it) and is freed
// when the count reaches zero, releasing its own link in turn: the reachable set is
// the same as under a collector at every step, and the program frees exactly what a
// collector would reclaim. The timed region is the operations only (set-up is not
// measured, as in gclab), and the check replays the sequence outside the heap.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/native/native_allocator.h"
#include "workloads/common/random.h"

namespace gclab::native {
namespace {

// gclab's object without its header word (56 bytes); over jemalloc with the
// reference count a C program needs to know when to free (64).
struct Obj {
#if defined(GCLAB_NATIVE_ALLOCATOR_JEMALLOC)
  uint64_t refs;
#endif
  Obj* link;
  int64_t id;
  int32_t a, b;
  int64_t payload[4];
};
#if defined(GCLAB_NATIVE_ALLOCATOR_JEMALLOC)
static_assert(sizeof(Obj) == 64);
#else
static_assert(sizeof(Obj) == 56);
#endif

struct Shape {
  uint64_t slots, ops;
};

Shape ShapeFor(Size size) {
  switch (size) {
    case Size::kSmall:
      return {100'000, 2'000'000};
    case Size::kDefault:
      return {1'000'000, 20'000'000};
    case Size::kLarge:
      return {2'000'000, 100'000'000};
  }
  return {};
}

int64_t PayloadWord(int64_t id, size_t word) { return id * 0x9E3779B1 + static_cast<int64_t>(word); }

class Churn {
 public:
  explicit Churn(Shape shape) : shape_(shape) {}

  void Setup() {
    slots_ = static_cast<Obj**>(Allocator::Allocate(sizeof(Obj*) * shape_.slots));
    next_id_ = static_cast<int64_t>(shape_.slots);
    for (uint64_t i = 0; i < shape_.slots; ++i) {
      const uint64_t target = i > 0 ? rng_.Index(i) : 0;
      Obj* x = NewObj(static_cast<int64_t>(i));
      if (i > 0) SetLink(x, slots_[target]);
      Retain(x);
      slots_[i] = x;
    }
  }

  void Run() {
    const uint64_t n = shape_.slots;
    for (uint64_t k = 0; k < shape_.ops; ++k) {
      const uint64_t a = rng_.Index(n);
      const uint64_t b = rng_.Index(n);
      Obj* x = NewObj(next_id_++);
      SetLink(x, slots_[b]);
      Obj* old = slots_[a];
      SetLink(old, nullptr);
      Retain(x);
      slots_[a] = x;
      Release(old);
    }
  }

  std::string Check() const {
    const uint64_t n = shape_.slots;
    std::vector<int64_t> slot_id(n), link_id(n, -1);
    gclab::XorShift64 rng;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t target = i > 0 ? rng.Index(i) : 0;
      slot_id[i] = static_cast<int64_t>(i);
      if (i > 0) link_id[i] = slot_id[target];
    }
    for (uint64_t k = 0; k < shape_.ops; ++k) {
      const uint64_t a = rng.Index(n);
      const uint64_t b = rng.Index(n);
      link_id[a] = slot_id[b];
      slot_id[a] = static_cast<int64_t>(n + k);
    }
    for (uint64_t i = 0; i < n; ++i) {
      const Obj* x = slots_[i];
      if (x == nullptr || x->id != slot_id[i]) return "slot " + std::to_string(i) + " is wrong";
      for (size_t w = 0; w < 4; ++w) {
        if (x->payload[w] != PayloadWord(x->id, w)) return "damaged payload";
      }
      if ((x->link == nullptr ? -1 : x->link->id) != link_id[i]) {
        return "link of slot " + std::to_string(i) + " is wrong";
      }
    }
    return "";
  }

 private:
  static Obj* NewObj(int64_t id) {
    auto* x = static_cast<Obj*>(Allocator::Allocate(sizeof(Obj)));
    x->id = id;
    x->a = static_cast<int32_t>(id);
    x->b = static_cast<int32_t>(id >> 32);
    for (size_t w = 0; w < 4; ++w) x->payload[w] = PayloadWord(id, w);
    return x;
  }

#if defined(GCLAB_NATIVE_ALLOCATOR_JEMALLOC)
  static void Retain(Obj* x) {
    if (Allocator::frees && x != nullptr) ++x->refs;
  }

  static void Release(Obj* x) {
    if (!Allocator::frees) return;
    while (x != nullptr && --x->refs == 0) {
      Obj* next = x->link;
      Allocator::Free(x);
      x = next;
    }
  }
#else
  static void Retain(Obj*) {}
  static void Release(Obj*) {}
#endif

  static void SetLink(Obj* holder, Obj* target) {
    Retain(target);
    Obj* old = holder->link;
    holder->link = target;
    Release(old);
  }

  Shape shape_;
  gclab::XorShift64 rng_;
  Obj** slots_ = nullptr;
  int64_t next_id_ = 0;
};

}  // namespace
}  // namespace gclab::native

int main(int argc, char** argv) {
  using namespace gclab::native;
  const Options options = ParseOptions(argc, argv, "churn");
  Allocator::Init(options.heap_mb);
  const Shape shape = ShapeFor(options.size);
  Churn churn(shape);
  churn.Setup();
  const auto start = std::chrono::steady_clock::now();
  churn.Run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string error = churn.Check();
  Report("churn", wall, shape.ops, error.empty(), error);
  return error.empty() ? 0 : 1;
}
