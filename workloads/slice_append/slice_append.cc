// slice-append: slices grown by append (each time capacity runs out, a larger
// backing array is made and the old one becomes garbage), next to small fixed-size
// slices that stay on the stack.
//
// The Go program it corresponds to:
//
//   type Item struct{ id, val int64 }
//   var keep [K][]*Item                        // a global ring of recent slices
//
//   func collect(first int64, n int) []*Item {
//     var s []*Item                            // backing arrays escape: returned
//     for i := 0; i < n; i++ {
//       s = append(s, &Item{first + i, val(first + i)})   // &Item escapes: into s
//     }
//     return s
//   }
//   func summarize(s []*Item) int64 {
//     window := make([]int64, 16)              // "does not escape": constant size
//     for i, it := range s { window[i%16] += it.val }
//     return sum(window)
//   }
//   for op := 0; op < N; op++ {
//     s := collect(next, rand(1, 512)); keep[op%K] = s; total += summarize(s)
//   }
//
// append grows capacity as Go's growslice does: doubling below 256 elements, then
// by a quarter plus 192. The slice header (array, len, cap) is boxed when it is kept in
// the ring. One op is one item appended; a latency batch is 1000 items.
//
// Checked by: the sum of every item's value (read back through the window) against
// the sum computed from the ids, and every kept slice's length and items.
// Checksum: Mix(Mix(0, items appended), the sum of their values).
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

constexpr size_t kId = 0, kVal = 1;             // Item
constexpr size_t kArray = 0, kLen = 1, kCap = 2;  // SliceBox: the kept slice header
constexpr uint64_t kWindow = 16;
constexpr uint64_t kMaxLength = 512;
constexpr uint64_t kOpsPerBatch = 1000;

struct Shape {
  uint64_t slices;
  uint64_t keep;
};

int64_t ValueOf(int64_t id) { return static_cast<int64_t>(Mix(0, id) >> 16); }

uint64_t GrowCapacity(uint64_t capacity) {
  if (capacity == 0) return 1;
  if (capacity < 256) return 2 * capacity;
  return capacity + (capacity + 3 * 256) / 4;
}

// The capacity appending n items one at a time ends with.
uint64_t CapacityAfterAppending(uint64_t n) {
  uint64_t capacity = 0;
  while (capacity < n) capacity = GrowCapacity(capacity);
  return capacity;
}

class SliceAppend final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "slice-append",
      .description = "slices grown by append (old backing arrays become garbage) plus a "
                     "fixed-size window slice on the stack; recent slices kept in a ring",
      .parameters = "size: small = 4,000 slices, ring 64; default = 500,000 slices, "
                    "ring 512; large = 1,000,000 slices, ring 2,048 (1..512 items each). "
                    "threads: single goroutine (extra threads idle)",
      .units = "op = one item appended; latency batch = 1,000 items"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {4'000, 64},
      .default_size = {500'000, 512},
      .large = {1'000'000, 2'048}};

  explicit SliceAppend(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& item = code.DefineStruct("Item", 2, {});
    const TypeInfo& items = code.DefineRefArray("[]*Item");
    const TypeInfo& box = code.DefineStruct("[]*Item header", 3, {kArray});
    const TypeInfo& window = code.DefineByteArray("[16]int64");
    const TypeInfo& keep = code.DefineRefArray("[K][]*Item");
    sites_[kNewItem] = &code.DefineSite("slice-append.Item", item, Escape::kEscapes);
    sites_[kGrow] = &code.DefineSite("slice-append.growslice", items, Escape::kEscapes);
    sites_[kNewBox] = &code.DefineSite("slice-append.keep[i]", box, Escape::kEscapes);
    sites_[kNewWindow] = &code.DefineSite("slice-append.window", window, Escape::kNoEscape);
    sites_[kNewKeep] = &code.DefineSite("slice-append.keep", keep, Escape::kEscapes);
    functions_[kCollect] = &code.DefineFunction("collect", 3, {0, 1, 2});
    functions_[kSummarize] = &code.DefineFunction("summarize", 1, {0}, 16 + 8 * kWindow);
    keep_ = data.DefineRef("slice-append.keep");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    // Each kept slice: ~256 items of 24 bytes, a backing array of ~1.3x its length.
    const size_t per_slice = 256 * 24 + 16 + 8 * 340 + 32;
    return shape_.keep * (per_slice + 8) + 16;
  }

  void Setup(Mutator& m) override {
    m.StoreGlobal(keep_, m.AllocateArray(*sites_[kNewKeep], shape_.keep));
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;
    timer_ = context.timer;
    XorShift64 rng(seed_);
    items_ = 0;
    uint64_t total = 0;
    for (uint64_t op = 0; op < shape_.slices; ++op) {
      FrameScope f(m, *functions_[kSummarize]);  // 0: the slice; the arena holds the window
      f[0] = Collect(m, rng.Range(1, kMaxLength));
      m.StoreElement(data_->LoadRef(keep_), op % shape_.keep, f[0]);
      total += Summarize(m, f[0]);
    }
    total_ = total;
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    XorShift64 rng(seed_);
    uint64_t expected = 0;
    int64_t next_id = 0;
    std::vector<std::pair<int64_t, uint64_t>> kept(shape_.keep, {-1, 0});  // first id, length
    for (uint64_t op = 0; op < shape_.slices; ++op) {
      const uint64_t n = rng.Range(1, kMaxLength);
      kept[op % shape_.keep] = {next_id, n};
      for (uint64_t i = 0; i < n; ++i) expected += static_cast<uint64_t>(ValueOf(next_id++));
    }
    if (total_ != expected || items_ != static_cast<uint64_t>(next_id)) {
      return absl::DataLossError(absl::StrCat("slice-append: ", items_, " items summing to ",
                                              total_, ", expected ", next_id, " summing to ",
                                              expected));
    }
    replaying.Done();
    Ref keep = data_->LoadRef(keep_);
    for (uint64_t j = 0; j < shape_.keep; ++j) {
      const auto [first, n] = kept[j];
      if (first < 0) continue;
      Ref box = keep->element(j);
      if (box == nullptr || static_cast<uint64_t>(box->i64(kLen)) != n ||
          box->ref(kArray) == nullptr || static_cast<uint64_t>(box->i64(kCap)) != CapacityAfterAppending(n) ||
          box->ref(kArray)->length() != static_cast<uint64_t>(box->i64(kCap))) {
        return absl::DataLossError(absl::StrCat("slice-append: kept slice ", j, " is damaged"));
      }
      for (uint64_t i = 0; i < n; ++i) {
        Ref item = box->ref(kArray)->element(i);
        const int64_t id = first + static_cast<int64_t>(i);
        if (item == nullptr || item->i64(kId) != id || item->i64(kVal) != ValueOf(id)) {
          return absl::DataLossError(
              absl::StrCat("slice-append: kept slice ", j, " lost item ", id));
        }
      }
    }
    return absl::OkStatus();
  }

  uint64_t ops() const override { return items_; }

  uint64_t Checksum() const override { return Mix(Mix(0, items_), total_); }

  // Slices average 256.5 items.
  size_t BatchesPerThread() const override {
    return shape_.slices * (kMaxLength + 1) / 2 / kOpsPerBatch * 11 / 10 + 1;
  }

 private:
  // Returns the boxed slice header of a new slice of n items.
  Ref Collect(Mutator& m, uint64_t n) {
    FrameScope f(m, *functions_[kCollect]);  // 0: backing array, 1: the grown one, 2: the new item
    uint64_t capacity = 0;
    for (uint64_t i = 0; i < n; ++i) {
      if (i == capacity) {
        capacity = GrowCapacity(capacity);
        f[1] = m.AllocateArray(*sites_[kGrow], capacity);
        for (uint64_t k = 0; k < i; ++k) m.StoreElement(f[1], k, f[0]->element(k));
        f[0] = f[1];
      }
      const int64_t id = static_cast<int64_t>(items_++);
      f[2] = m.Allocate(*sites_[kNewItem]);
      f[2]->i64(kId) = id;
      f[2]->i64(kVal) = ValueOf(id);
      m.StoreElement(f[0], i, f[2]);
      if (items_ % kOpsPerBatch == 0) timer_->BatchDone();
    }
    Ref box = m.Allocate(*sites_[kNewBox]);
    m.Store(box, kArray, f[0]);
    box->i64(kLen) = static_cast<int64_t>(n);
    box->i64(kCap) = static_cast<int64_t>(capacity);
    return box;
  }

  // Runs in the summarize frame the caller pushed (its arena holds the window).
  uint64_t Summarize(Mutator& m, Ref& box_slot) {
    Ref window = m.AllocateArray(*sites_[kNewWindow], 8 * kWindow);  // box_slot is a root
    auto* w = reinterpret_cast<uint64_t*>(window->bytes());
    Ref box = box_slot;
    Ref array = box->ref(kArray);
    const uint64_t n = static_cast<uint64_t>(box->i64(kLen));
    for (uint64_t i = 0; i < n; ++i) w[i % kWindow] += static_cast<uint64_t>(array->element(i)->i64(kVal));
    uint64_t sum = 0;
    for (uint64_t k = 0; k < kWindow; ++k) sum += w[k];
    return sum;
  }

  enum Site : uint8_t { kNewItem, kGrow, kNewBox, kNewWindow, kNewKeep, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kCollect, kSummarize, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global keep_{};
  BatchTimer* timer_ = nullptr;
  uint64_t items_ = 0;
  uint64_t total_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(SliceAppend);

}  // namespace gclab
