// escape-return: constructors that return a pointer to a new struct (the struct
// escapes) next to constructors that return the struct by value into the caller's
// frame (it does not).
//
// The Go program it corresponds to:
//
//   type Point struct{ x, y, z, w int64 }
//
//   func NewPoint(i int64) *Point { return &Point{i, 2*i, 3*i, 4*i} }
//                                   // "&Point{...} escapes to heap": returned
//   func MakePoint(i int64) Point  { return Point{i, i+1, i+2, i+3} }
//                                   // by value: lives in the caller's frame
//   var keep [K]*Point              // a global
//
//   func step(i int64) int64 {
//     p := NewPoint(i)
//     q := MakePoint(i)
//     r := &q                       // "&q does not escape": q stays on the stack
//     if i%16 == 0 { keep[(i/16)%K] = p }   // one in 16 survives a while
//     return dot(p, r)
//   }
//   for i := 0; i < N; i++ { sum += step(i) }
//
// With escape analysis on, q lives in step's frame (the frame arena) and costs the
// collector nothing; off, it is a heap object like p. One op is one step; a latency
// batch is 1000 ops.
//
// Checked by: the sum of dot products (read back from the heap and the frames,
// against the same sum computed from i), and every point kept in the global.
// Checksum: Mix(0, the sum of dot products).
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

constexpr uint32_t kPointFields = 4;
constexpr size_t kPointBytes = 8 * (kPointFields + 1);
constexpr uint64_t kOpsPerBatch = 1000;
constexpr uint64_t kKeepEvery = 16;

struct Shape {
  uint64_t steps;
  uint64_t keep;  // K: points kept in the global ring
};

// (i, 2i, 3i, 4i) . (i, i+1, i+2, i+3), wrapping (the large size overflows int64).
uint64_t Dot(uint64_t i) { return i * i + 2 * i * (i + 1) + 3 * i * (i + 2) + 4 * i * (i + 3); }

class EscapeReturn final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "escape-return",
      .description = "constructors returning *T (escapes) vs T by value into the "
                     "caller's frame (does not); 1 in 16 pointers kept in a global ring",
      .parameters = "size: small = 1,000,000 steps, ring 8,192; default = 100,000,000 "
                    "steps, ring 65,536; large = 500,000,000 steps, ring 262,144. "
                    "threads: single goroutine (extra threads idle)",
      .units = "op = one step (a *Point and a Point made); latency batch = 1,000 steps"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {1'000'000, 8'192},
      .default_size = {100'000'000, 65'536},
      .large = {500'000'000, 262'144}};

  explicit EscapeReturn(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& point = code.DefineStruct("Point", kPointFields, {});
    const TypeInfo& keep = code.DefineRefArray("[K]*Point");
    sites_[kNewPoint] = &code.DefineSite("escape-return.NewPoint", point, Escape::kEscapes);
    sites_[kMakePoint] = &code.DefineSite("escape-return.MakePoint", point, Escape::kNoEscape);
    sites_[kNewKeep] = &code.DefineSite("escape-return.keep", keep, Escape::kEscapes);
    functions_[kMain] = &code.DefineFunction("main", 0, {});
    functions_[kStep] = &code.DefineFunction("step", 1, {0}, kPointBytes);
    functions_[kNewPointFn] = &code.DefineFunction("NewPoint", 0, {});
    keep_ = data.DefineRef("escape-return.keep");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    return shape_.keep * (kPointBytes + 8) + 16;
  }

  void Setup(Mutator& m) override {
    m.StoreGlobal(keep_, m.AllocateArray(*sites_[kNewKeep], shape_.keep));
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;  // single goroutine
    FrameScope main(m, *functions_[kMain]);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < shape_.steps; ++i) {
      sum += Step(m, static_cast<int64_t>(i));
      if ((i + 1) % kOpsPerBatch == 0) context.timer->BatchDone();
    }
    sum_ = sum;
    ops_ = shape_.steps;
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    uint64_t expected = 0;
    for (uint64_t i = 0; i < shape_.steps; ++i) expected += Dot(i);
    if (sum_ != expected) {
      return absl::DataLossError(
          absl::StrCat("escape-return: sum of dot products ", sum_, ", expected ", expected));
    }
    replaying.Done();
    Ref keep = data_->LoadRef(keep_);
    const uint64_t rounds = (shape_.steps - 1) / kKeepEvery;  // the last i / 16
    const uint64_t kept = std::min<uint64_t>(shape_.keep, rounds + 1);
    for (uint64_t j = 0; j < kept; ++j) {
      // The last step i with i % 16 == 0 and (i / 16) % K == j.
      const uint64_t last = rounds - ((rounds - j) % shape_.keep);
      const int64_t i = static_cast<int64_t>(last * kKeepEvery);
      Ref p = keep->element(j);
      if (p == nullptr || p->i64(0) != i || p->i64(1) != 2 * i || p->i64(2) != 3 * i ||
          p->i64(3) != 4 * i) {
        return absl::DataLossError(
            absl::StrCat("escape-return: kept point ", j, " is not Point(", i, ")"));
      }
    }
    return absl::OkStatus();
  }

  uint64_t Checksum() const override { return Mix(0, sum_); }

  size_t BatchesPerThread() const override { return shape_.steps / kOpsPerBatch + 1; }

 private:
  uint64_t Step(Mutator& m, int64_t i) {
    FrameScope f(m, *functions_[kStep]);  // 0: p; the arena holds q
    f[0] = NewPoint(m, i);
    Ref q = m.Allocate(*sites_[kMakePoint]);  // may collect: p is safe in its slot
    for (uint32_t k = 0; k < kPointFields; ++k) q->i64(k) = i + k;
    Ref p = f[0];
    if (i % kKeepEvery == 0) {
      const uint64_t j = (static_cast<uint64_t>(i) / kKeepEvery) % shape_.keep;
      m.StoreElement(data_->LoadRef(keep_), j, p);
    }
    uint64_t dot = 0;
    for (uint32_t k = 0; k < kPointFields; ++k) {
      dot += static_cast<uint64_t>(p->i64(k)) * static_cast<uint64_t>(q->i64(k));
    }
    return dot;
  }

  Ref NewPoint(Mutator& m, int64_t i) {
    FrameScope f(m, *functions_[kNewPointFn]);
    Ref p = m.Allocate(*sites_[kNewPoint]);
    for (uint32_t k = 0; k < kPointFields; ++k) p->i64(k) = (k + 1) * i;
    return p;
  }

  enum Site : uint8_t { kNewPoint, kMakePoint, kNewKeep, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kMain, kStep, kNewPointFn, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global keep_{};
  uint64_t sum_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(EscapeReturn);

}  // namespace gclab
