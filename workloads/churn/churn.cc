// churn: the pause-time stressor. A large, old, pointer-rich heap in which one
// mutator keeps replacing random objects and rewiring random links, so a collector
// must trace a big live set while the program mutates it everywhere.
//
// The Go program it corresponds to:
//
//   type Obj struct { link *Obj; id int64; a, b int32; payload [4]int64 }
//   var slots []*Obj                               // a global: N = 1,000,000 slots
//
//   setup:  for i := range slots {
//             slots[i] = &Obj{id: i}               // escapes: stored into a global's array
//             if i > 0 { slots[i].link = slots[index(i)] }
//           }
//   op k:   a, b := index(N), index(N)
//           old := slots[a]
//           x := &Obj{id: N + k, link: slots[b]}  // escapes: stored into the array
//           old.link = nil
//           slots[a] = x
//
// with xorshift64 (shifts 13, 7, 17) seeded 0x9E3779B97F4A7C15 and
// index(n) = (next() >> 32) mod n. Every object is 64 bytes; the live set settles
// near 1.43 N objects (each slot's object, plus the evicted objects still linked
// from one). Every allocation site escapes, so escape analysis changes nothing.
//
// One op is one replacement; a latency batch is 1000 ops. Warm-up and measured runs
// continue the same sequence (ids keep counting), so the final state depends only on
// the total number of ops.
//
// Checked by: replaying the random sequence outside the heap (slot ids and link
// ids), then comparing the heap's slots, links, payloads and reachable-object count.
// Checksum: Mix(Mix(0, sum of the slots' ids), sum of the ids they link to), read
// from the heap.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "runtime/data_segment.h"
#include "runtime/mutator.h"
#include "runtime/runtime.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

constexpr size_t kLink = 0;
constexpr size_t kId = 1;
constexpr size_t kHalves = 2;    // int32 a = low half of id, int32 b = high half
constexpr size_t kPayload = 3;   // four words
constexpr uint32_t kFields = 7;  // + header: 64 bytes
constexpr size_t kObjectBytes = 8 * (kFields + 1);
constexpr uint64_t kOpsPerBatch = 1000;

struct Shape {
  uint64_t slots;
  uint64_t ops;
};

int64_t PayloadWord(int64_t id, size_t word) {
  return id * 0x9E3779B1 + static_cast<int64_t>(word);
}

class Churn final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "churn",
      .description = "pause-time stressor: random replacement and relinking in a "
                     "1M-slot pointer array held from a global (live ~1.43 N objects)",
      .parameters = "size: small = 100,000 slots, 2,000,000 ops; default = 1,000,000 "
                    "slots, 20,000,000 ops (~90 MB live); large = 2,000,000 slots, "
                    "100,000,000 ops. threads: single mutator (extra threads idle)",
      .units = "op = one slot replaced; latency batch = 1,000 ops"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {100'000, 2'000'000},
      .default_size = {1'000'000, 20'000'000},
      .large = {2'000'000, 100'000'000}};

  explicit Churn(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& obj = code.DefineStruct("Obj", kFields, {kLink});
    const TypeInfo& slots = code.DefineRefArray("[]*Obj");
    sites_[kNewObj] = &code.DefineSite("churn.Obj", obj, Escape::kEscapes);
    sites_[kNewSlots] = &code.DefineSite("churn.slots", slots, Escape::kEscapes);
    slots_ = data.DefineRef("churn.slots");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    return static_cast<size_t>(1.43 * static_cast<double>(shape_.slots)) * kObjectBytes +
           8 * (shape_.slots + 2);
  }

  void Setup(Mutator& m) override {
    rng_ = XorShift64();
    next_id_ = static_cast<int64_t>(shape_.slots);
    m.StoreGlobal(slots_, m.AllocateArray(*sites_[kNewSlots], shape_.slots));
    for (uint64_t i = 0; i < shape_.slots; ++i) {
      const uint64_t target = i > 0 ? rng_.Index(i) : 0;
      Ref x = NewObj(m, static_cast<int64_t>(i));
      Ref slots = data_->LoadRef(slots_);  // reloaded: the allocation may have moved it
      if (i > 0) m.Store(x, kLink, slots->element(target));
      m.StoreElement(slots, i, x);
    }
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;  // one mutator, as specified
    // Stress mode collects (tracing the whole ~10 MB live set) at every buffer refill,
    // about every 500 ops: a tenth of the ops (two per slot) still replaces most slots.
    if (m.runtime().config().stress && total_ops_ == 0) shape_.ops /= 10;
    const uint64_t n = shape_.slots;
    for (uint64_t k = 0; k < shape_.ops; ++k) {
      const uint64_t a = rng_.Index(n);
      const uint64_t b = rng_.Index(n);
      Ref x = NewObj(m, next_id_++);
      Ref slots = data_->LoadRef(slots_);
      m.Store(x, kLink, slots->element(b));
      m.Store(slots->element(a), kLink, nullptr);
      m.StoreElement(slots, a, x);
      m.Poll();  // a loop back-edge: where a compiler puts a safepoint poll
      if ((k + 1) % kOpsPerBatch == 0) context.timer->BatchDone();
    }
    ops_ = shape_.ops;
    total_ops_ += shape_.ops;
  }

  absl::Status Verify(Mutator& m) override {
    // Replay outside the heap: each slot's id, and the id its object links to
    // (an object in a slot still has the link it was made with). Blocked meanwhile
    // (the replay touches no heap), so a collector need not wait for it.
    const uint64_t n = shape_.slots;
    std::vector<int64_t> slot_id(n), link_id(n, -1);
    OffHeapReplay replaying(m);
    XorShift64 rng;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t target = i > 0 ? rng.Index(i) : 0;
      slot_id[i] = static_cast<int64_t>(i);
      if (i > 0) link_id[i] = slot_id[target];
    }
    for (uint64_t k = 0; k < total_ops_; ++k) {
      const uint64_t a = rng.Index(n);
      const uint64_t b = rng.Index(n);
      const int64_t id = static_cast<int64_t>(n + k);
      link_id[a] = slot_id[b];
      slot_id[a] = id;
    }
    // Reachable: every slot's object, plus each link target that is no longer in a
    // slot (its own link was cleared when it was evicted).
    absl::flat_hash_set<int64_t> in_slots(slot_id.begin(), slot_id.end());
    absl::flat_hash_set<int64_t> evicted_targets;
    int64_t expected_ids = 0, expected_links = 0;
    for (uint64_t i = 0; i < n; ++i) {
      expected_ids += slot_id[i];
      if (link_id[i] >= 0) {
        expected_links += link_id[i];
        if (!in_slots.contains(link_id[i])) evicted_targets.insert(link_id[i]);
      }
    }
    const uint64_t expected_reachable = n + evicted_targets.size();
    replaying.Done();

    Ref slots = data_->LoadRef(slots_);
    if (slots == nullptr || slots->length() != n) {
      return absl::DataLossError("churn: the slot array is gone or has the wrong length");
    }
    int64_t ids = 0, links = 0;
    absl::flat_hash_set<Ref> reachable;
    for (uint64_t i = 0; i < n; ++i) {
      Ref x = slots->element(i);
      if (x == nullptr) return absl::DataLossError(absl::StrCat("churn: slot ", i, " is null"));
      if (x->i64(kId) != slot_id[i]) {
        return absl::DataLossError(absl::StrCat("churn: slot ", i, " holds id ", x->i64(kId),
                                                ", expected ", slot_id[i]));
      }
      for (size_t w = 0; w < 4; ++w) {
        if (x->i64(kPayload + w) != PayloadWord(x->i64(kId), w)) {
          return absl::DataLossError(absl::StrCat("churn: object ", x->i64(kId),
                                                  " has a damaged payload"));
        }
      }
      ids += x->i64(kId);
      reachable.insert(x);
      if (Ref y = x->ref(kLink); y != nullptr) {
        links += y->i64(kId);
        reachable.insert(y);
        if (y->ref(kLink) != nullptr && !in_slots.contains(y->i64(kId))) {
          return absl::DataLossError(
              absl::StrCat("churn: evicted object ", y->i64(kId), " still has a link"));
        }
      }
    }
    if (ids != expected_ids || links != expected_links) {
      return absl::DataLossError(absl::StrCat("churn: checksums ", ids, "/", links,
                                              ", expected ", expected_ids, "/",
                                              expected_links));
    }
    if (reachable.size() != expected_reachable) {
      return absl::DataLossError(absl::StrCat("churn: ", reachable.size(),
                                              " reachable objects, expected ",
                                              expected_reachable));
    }
    checksum_ = Mix(Mix(0, static_cast<uint64_t>(ids)), static_cast<uint64_t>(links));
    return absl::OkStatus();
  }

  uint64_t Checksum() const override { return checksum_; }

  size_t BatchesPerThread() const override { return shape_.ops / kOpsPerBatch + 1; }

 private:
  Ref NewObj(Mutator& m, int64_t id) {
    Ref x = m.Allocate(*sites_[kNewObj]);
    x->i64(kId) = id;
    x->i32(kHalves, 0) = static_cast<int32_t>(id);
    x->i32(kHalves, 1) = static_cast<int32_t>(id >> 32);
    for (size_t w = 0; w < 4; ++w) x->i64(kPayload + w) = PayloadWord(id, w);
    return x;
  }

  enum Site : uint8_t { kNewObj, kNewSlots, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  Global slots_{};
  XorShift64 rng_;
  int64_t next_id_ = 0;
  uint64_t total_ops_ = 0;
  uint64_t checksum_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(Churn);

}  // namespace gclab
