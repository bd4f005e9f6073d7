// fragmentation: small, medium and large objects of varied lifetimes, allocated in
// alternating phases, so that a non-moving heap is left with free memory scattered
// in holes too small for what comes next.
//
// The Go program it corresponds to:
//
//   var slots [N][]byte                          // a global
//
//   for op := 0; op < M; op++ {
//     i := pickSlot()          // 1% of picks go to the first N/10 slots (long-lived
//                              // objects), the rest spread over the others
//     slots[i] = make([]byte, pickSize(phase(op)))   // escapes: kept in a global
//   }
//
// Phases alternate every M/16 ops: in a "small" phase 95% of objects are 16-256
// bytes and 5% are 1-4 KiB; in a "large" phase 60% are small, 30% are 1-4 KiB and
// 10% are 8-32 KiB. Long-lived small objects made in a small phase stay scattered
// through the blocks the large phase would like whole. Every allocation site escapes:
// escape analysis changes nothing here. One op is one replacement; a latency batch
// is 100 ops.
//
// Checked by: replaying the slot choices outside the heap; every slot's size and the
// id stamped at both ends of its object. Checksum: Mix, over the non-empty slots in
// order, of each object's length and then its leading id, read from the heap.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "runtime/runtime.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

constexpr uint64_t kOpsPerBatch = 100;
constexpr uint64_t kPhases = 16;

struct Shape {
  uint64_t slots;  // N
  uint64_t ops;    // M
};

struct Choice {
  uint64_t slot;
  uint64_t bytes;
};

Choice NextChoice(XorShift64& rng, uint64_t op, const Shape& shape) {
  const uint64_t long_lived = shape.slots / 10;
  const uint64_t slot = rng.Percent(1) ? rng.Index(long_lived)
                                       : long_lived + rng.Index(shape.slots - long_lived);
  const bool large_phase = (op / (shape.ops / kPhases)) % 2 == 1;
  const uint64_t r = rng.Index(100);
  uint64_t bytes;
  if (r < (large_phase ? 60 : 95)) {
    bytes = rng.Range(16, 256);
  } else if (r < (large_phase ? 90 : 100)) {
    bytes = rng.Range(1024, 4096);
  } else {
    bytes = rng.Range(8 * 1024, 32 * 1024);
  }
  return {slot, bytes};
}

class Fragmentation final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "fragmentation",
      .description = "small, medium and large objects of mixed lifetimes in alternating "
                     "phases: leaves a non-moving heap full of holes",
      .parameters = "size: small = 2,000 slots, 100,000 ops; default = 20,000 slots, "
                    "8,000,000 ops; large = 80,000 slots, 40,000,000 ops (objects 16 B "
                    "to 32 KiB). threads: single goroutine (extra threads idle)",
      .units = "op = one slot replaced; latency batch = 100 ops"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {2'000, 100'000},
      .default_size = {20'000, 8'000'000},
      .large = {80'000, 40'000'000}};

  explicit Fragmentation(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& bytes = code.DefineByteArray("[]byte");
    const TypeInfo& slots = code.DefineRefArray("[N][]byte");
    sites_[kNewBytes] = &code.DefineSite("fragmentation.make", bytes, Escape::kEscapes);
    sites_[kNewSlots] = &code.DefineSite("fragmentation.slots", slots, Escape::kEscapes);
    slots_ = data.DefineRef("fragmentation.slots");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    // A large phase's mix averages ~2.9 KB an object; add a quarter for the spread.
    return shape_.slots * (3 * 1024 + 8) * 5 / 4;
  }

  void Setup(Mutator& m) override {
    m.StoreGlobal(slots_, m.AllocateArray(*sites_[kNewSlots], shape_.slots));
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;
    // Stress mode collects at every slow path, and almost every object here is made
    // there (most are larger than an allocation buffer): a tenth of the work still
    // goes through every phase.
    if (m.runtime().config().stress && runs_ == 0) {
      shape_.ops = std::max<uint64_t>(kPhases, shape_.ops / 10);
    }
    XorShift64 rng(seed_ + runs_++);
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      const Choice choice = NextChoice(rng, op, shape_);
      Ref object = m.AllocateArray(*sites_[kNewBytes], choice.bytes);
      Stamp(object, next_id_++);
      m.StoreElement(data_->LoadRef(slots_), choice.slot, object);
      m.Poll();
      if ((op + 1) % kOpsPerBatch == 0) context.timer->BatchDone();
    }
    ops_ = shape_.ops;
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    std::vector<Choice> expected(shape_.slots, Choice{0, 0});
    std::vector<uint64_t> ids(shape_.slots, 0);
    uint64_t id = 0;
    for (uint64_t run = 0; run < runs_; ++run) {
      XorShift64 rng(seed_ + run);
      for (uint64_t op = 0; op < shape_.ops; ++op) {
        const Choice choice = NextChoice(rng, op, shape_);
        expected[choice.slot] = choice;
        ids[choice.slot] = id++;
      }
    }
    replaying.Done();
    Ref slots = data_->LoadRef(slots_);
    uint64_t checksum = 0;
    for (uint64_t i = 0; i < shape_.slots; ++i) {
      Ref object = slots->element(i);
      if (expected[i].bytes == 0) {
        if (object != nullptr) {
          return absl::DataLossError(absl::StrCat("fragmentation: slot ", i, " should be empty"));
        }
        continue;
      }
      uint64_t head, tail;
      if (object == nullptr || object->length() != expected[i].bytes) {
        return absl::DataLossError(absl::StrCat("fragmentation: slot ", i, " lost its object"));
      }
      std::memcpy(&head, object->bytes(), 8);
      std::memcpy(&tail, object->bytes() + object->length() - 8, 8);
      if (head != ids[i] || tail != ~ids[i]) {
        return absl::DataLossError(
            absl::StrCat("fragmentation: slot ", i, " holds a damaged object"));
      }
      checksum = Mix(Mix(checksum, object->length()), head);
    }
    checksum_ = checksum;
    return absl::OkStatus();
  }

  uint64_t Checksum() const override { return checksum_; }

  size_t BatchesPerThread() const override { return shape_.ops / kOpsPerBatch + 1; }

 private:
  static void Stamp(Ref object, uint64_t id) {
    const uint64_t tail = ~id;
    std::memcpy(object->bytes(), &id, 8);
    std::memcpy(object->bytes() + object->length() - 8, &tail, 8);
  }

  enum Site : uint8_t { kNewBytes, kNewSlots, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  Global slots_{};
  uint64_t next_id_ = 0;
  uint64_t checksum_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(Fragmentation);

}  // namespace gclab
