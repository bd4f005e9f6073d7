// closures: closures that outlive the call that made them (the closure and every
// variable it captures by reference move to the heap) next to closures called in
// place (they and their captured variables stay on the stack).
//
// The Go program it corresponds to:
//
//   var registry [K]func() int64                 // a global
//
//   func makeCounter(start, step int64) func() int64 {
//     n := start                                 // "moved to heap: n"
//     return func() int64 { n += step; return n }// "func literal escapes to heap"
//   }
//   func apply(xs []int64, f func(int64) int64) (s int64) { for _, x := range xs { s += f(x) }; return }
//
//   for op := 0; op < N; op++ {
//     if op%4 == 0 { registry[(op/4)%K] = makeCounter(op, op%7+1) }
//     if c := registry[rand(K)]; c != nil { total += c() }
//     var xs [8]int64; fill(xs[:], op)           // does not escape
//     local, k := int64(0), op%5+1
//     inplace += apply(xs[:], func(x int64) int64 { local += x * k; return local })
//                                                // "func literal does not escape":
//                                                // the closure and local stay on the stack
//   }
//
// A closure is a struct of the function and its captures: variables captured by
// reference are pointers to their own cells, those captured by value are copied in.
// One op is one iteration; a latency batch is 1000 ops.
//
// Checked by: replaying the counters outside the heap; the totals of the escaped and
// the in-place closures and every counter left in the registry.
// Checksum: Mix(Mix(0, total of the escaped closures), total of the in-place ones).
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

constexpr size_t kN = 0;                        // Cell: one captured variable
constexpr size_t kCell = 0, kFn = 1, kStep = 2;  // closure: cell, code, a by-value capture
constexpr int64_t kCounterFn = 1, kApplyFn = 2;
constexpr uint64_t kElements = 8;
constexpr uint64_t kOpsPerBatch = 1000;

struct Shape {
  uint64_t ops;
  uint64_t registry;
};

int64_t Element(uint64_t op, uint64_t i) { return static_cast<int64_t>((op * 8 + i) % 1000); }

class Closures final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "closures",
      .description = "closures that escape (closure and captured variables move to the "
                     "heap) vs closures called in place (they stay on the stack)",
      .parameters = "size: small = 1,000,000 ops, registry 4,096; default = 30,000,000 "
                    "ops, registry 65,536; large = 200,000,000 ops, registry 262,144. "
                    "threads: single goroutine (extra threads idle)",
      .units = "op = one iteration (make, call, apply); latency batch = 1,000 ops"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {1'000'000, 4'096},
      .default_size = {30'000'000, 65'536},
      .large = {200'000'000, 262'144}};

  explicit Closures(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& cell = code.DefineStruct("cell", 1, {});
    const TypeInfo& closure = code.DefineStruct("funcval", 3, {kCell});
    const TypeInfo& xs = code.DefineByteArray("[8]int64");
    const TypeInfo& registry = code.DefineRefArray("[K]func() int64");
    sites_[kHeapCell] = &code.DefineSite("closures.makeCounter.n", cell, Escape::kEscapes);
    sites_[kHeapClosure] =
        &code.DefineSite("closures.makeCounter.func1", closure, Escape::kEscapes);
    sites_[kStackCell] = &code.DefineSite("closures.local", cell, Escape::kNoEscape);
    sites_[kStackClosure] = &code.DefineSite("closures.apply.func1", closure, Escape::kNoEscape);
    sites_[kNewXs] = &code.DefineSite("closures.xs", xs, Escape::kNoEscape);
    sites_[kNewRegistry] = &code.DefineSite("closures.registry", registry, Escape::kEscapes);
    functions_[kMakeCounter] = &code.DefineFunction("makeCounter", 1, {0});
    functions_[kOp] = &code.DefineFunction("op", 3, {0, 1, 2}, 16 + 32 + 16 + 8 * kElements);
    registry_ = data.DefineRef("closures.registry");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override { return shape_.registry * (16 + 32 + 8) + 16; }

  void Setup(Mutator& m) override {
    m.StoreGlobal(registry_, m.AllocateArray(*sites_[kNewRegistry], shape_.registry));
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;
    ++runs_;
    XorShift64 rng(seed_);
    uint64_t total = 0, inplace = 0;
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      if (op % 4 == 0) {
        MakeCounter(m, static_cast<int64_t>(op), static_cast<int64_t>(op % 7 + 1),
                    (op / 4) % shape_.registry);
      }
      if (Ref c = data_->LoadRef(registry_)->element(rng.Index(shape_.registry)); c != nullptr) {
        total += static_cast<uint64_t>(Call(c, 0));
      }
      inplace += InPlace(m, op);
      if ((op + 1) % kOpsPerBatch == 0) context.timer->BatchDone();
    }
    total_ = total;
    inplace_ = inplace;
    ops_ = shape_.ops;
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    std::vector<int64_t> n(shape_.registry, 0), step(shape_.registry, 0);
    std::vector<bool> made(shape_.registry, false);
    uint64_t total = 0, inplace = 0;
    // The registry survives between runs (warm-up, then measured): replay them all.
    for (uint64_t run = 0; run < runs_; ++run) {
      XorShift64 run_rng(seed_);
      total = inplace = 0;
      for (uint64_t op = 0; op < shape_.ops; ++op) {
        if (op % 4 == 0) {
          const uint64_t j = (op / 4) % shape_.registry;
          n[j] = static_cast<int64_t>(op);
          step[j] = static_cast<int64_t>(op % 7 + 1);
          made[j] = true;
        }
        const uint64_t j = run_rng.Index(shape_.registry);
        if (made[j]) total += static_cast<uint64_t>(n[j] += step[j]);
        int64_t local = 0;
        uint64_t sum = 0;
        for (uint64_t i = 0; i < kElements; ++i) {
          local += Element(op, i) * static_cast<int64_t>(op % 5 + 1);
          sum += static_cast<uint64_t>(local);
        }
        inplace += sum;
      }
    }
    if (total != total_ || inplace != inplace_) {
      return absl::DataLossError(absl::StrCat("closures: totals ", total_, "/", inplace_,
                                              ", expected ", total, "/", inplace));
    }
    replaying.Done();
    Ref registry = data_->LoadRef(registry_);
    for (uint64_t j = 0; j < shape_.registry; ++j) {
      Ref c = registry->element(j);
      if (!made[j]) continue;
      if (c == nullptr || c->i64(kFn) != kCounterFn || c->i64(kStep) != step[j] ||
          c->ref(kCell) == nullptr || c->ref(kCell)->i64(kN) != n[j]) {
        return absl::DataLossError(absl::StrCat("closures: counter ", j, " is wrong"));
      }
    }
    return absl::OkStatus();
  }

  uint64_t Checksum() const override { return Mix(Mix(0, total_), inplace_); }

  size_t BatchesPerThread() const override { return shape_.ops / kOpsPerBatch + 1; }

 private:
  // registry[j] = makeCounter(start, step)
  void MakeCounter(Mutator& m, int64_t start, int64_t step, uint64_t j) {
    FrameScope f(m, *functions_[kMakeCounter]);  // 0: n's cell
    f[0] = m.Allocate(*sites_[kHeapCell]);
    f[0]->i64(kN) = start;
    Ref closure = m.Allocate(*sites_[kHeapClosure]);
    closure->i64(kFn) = kCounterFn;
    closure->i64(kStep) = step;
    m.Store(closure, kCell, f[0]);
    m.StoreElement(data_->LoadRef(registry_), j, closure);
  }

  // Calls a closure: the code it names, on its captures. Allocates nothing.
  static int64_t Call(Ref closure, int64_t x) {
    int64_t& n = closure->ref(kCell)->i64(kN);
    switch (closure->i64(kFn)) {
      case kCounterFn:
        return n += closure->i64(kStep);
      case kApplyFn:
        return n += x * closure->i64(kStep);
    }
    return 0;
  }

  // apply(xs, func(x) { local += x * k; return local }) with everything on the stack.
  uint64_t InPlace(Mutator& m, uint64_t op) {
    // 0: xs, 1: local's cell, 2: the closure; all three in the arena (in the heap,
    // and movable, with escape analysis off).
    FrameScope f(m, *functions_[kOp]);
    f[0] = m.AllocateArray(*sites_[kNewXs], 8 * kElements);
    for (uint64_t i = 0; i < kElements; ++i) {
      reinterpret_cast<int64_t*>(f[0]->bytes())[i] = Element(op, i);
    }
    f[1] = m.Allocate(*sites_[kStackCell]);
    f[2] = m.Allocate(*sites_[kStackClosure]);
    Ref closure = f[2];
    closure->i64(kFn) = kApplyFn;
    closure->i64(kStep) = static_cast<int64_t>(op % 5 + 1);
    m.Store(closure, kCell, f[1]);
    const int64_t* x = reinterpret_cast<const int64_t*>(f[0]->bytes());
    uint64_t sum = 0;
    for (uint64_t i = 0; i < kElements; ++i) sum += static_cast<uint64_t>(Call(closure, x[i]));
    return sum;
  }

  enum Site : uint8_t { kHeapCell, kHeapClosure, kStackCell, kStackClosure, kNewXs, kNewRegistry,
                        kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kMakeCounter, kOp, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global registry_{};
  uint64_t total_ = 0;
  uint64_t inplace_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(Closures);

}  // namespace gclab
