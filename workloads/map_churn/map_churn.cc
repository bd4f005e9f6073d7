// map-churn: a hash map with pointer values under a steady mix of lookups, inserts
// and deletes, at a steady live size. The map is built like Go's: an array of
// buckets, each a heap object of eight key/value slots plus an overflow pointer.
//
// The Go program it corresponds to:
//
//   type Value struct{ key, version, a, b int64 }
//   var m = map[int64]*Value{}                // a global
//
//   for op := 0; op < N; op++ {
//     k := rand(2 * L)
//     switch r := rand(100); {
//     case r < 50: if v, ok := m[k]; ok { sum += v.version }        // lookup
//     case r < 75: m[k] = &Value{k, op, ...}  // "&Value{...} escapes to heap"
//     default:     delete(m, k)
//     }
//   }
//
// Keys are drawn from [0, 2L) and inserts balance deletes, so about L entries stay
// live; each insert of an existing key replaces its value (the old one becomes
// garbage), overflow buckets appear as chains fill, and the map doubles when it
// averages 6.5 entries a bucket (Go's load factor; Go spreads the move over later
// operations, this map moves everything at once). Every allocation site escapes:
// escape analysis changes nothing here. One op is one map operation; a latency
// batch is 1000 ops.
//
// Checked by: replaying the operations on a hash map outside the heap; the sum of
// the versions found by lookups, the number of entries and every entry's value.
// Checksum: Mix(Mix(0, the sum of versions found), the number of entries left).
#include <array>
#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

// Value.
constexpr size_t kKey = 0, kVersion = 1, kA = 2, kB = 3;
// Bucket: overflow, 8 values, 8 keys, a bitmap of used slots.
constexpr size_t kOverflow = 0;
constexpr size_t kSlots = 8;
constexpr size_t kValue0 = 1;
constexpr size_t kKey0 = 1 + kSlots;
constexpr size_t kUsed = 1 + 2 * kSlots;
constexpr uint32_t kBucketFields = 2 + 2 * kSlots;
// Map header: the bucket array, the entry count.
constexpr size_t kBuckets = 0, kCount = 1;
constexpr uint64_t kOpsPerBatch = 1000;
constexpr uint64_t kInitialBuckets = 8;

struct Shape {
  uint64_t live;  // L
  uint64_t ops;
};

uint64_t HashOf(int64_t key) { return Mix(0x51ED270B, static_cast<uint64_t>(key)); }
int64_t PayloadA(int64_t key, int64_t version) { return key * 31 + version; }

class MapChurn final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "map-churn",
      .description = "a Go-style hash map (8-slot buckets as heap objects) of pointer "
                     "values: 50% lookups, 25% inserts, 25% deletes at a steady size",
      .parameters = "size: small = 20,000 live entries, 3,000,000 ops; default = 500,000 "
                    "entries, 20,000,000 ops; large = 2,000,000 entries, 100,000,000 "
                    "ops. threads: single goroutine (extra threads idle)",
      .units = "op = one map operation; latency batch = 1,000 ops"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {20'000, 3'000'000},
      .default_size = {500'000, 20'000'000},
      .large = {2'000'000, 100'000'000}};

  explicit MapChurn(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    std::initializer_list<uint32_t> bucket_refs = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    const TypeInfo& value = code.DefineStruct("Value", 4, {});
    const TypeInfo& bucket = code.DefineStruct("bmap", kBucketFields, bucket_refs);
    const TypeInfo& buckets = code.DefineRefArray("[]*bmap");
    const TypeInfo& header = code.DefineStruct("hmap", 2, {kBuckets});
    sites_[kNewValue] = &code.DefineSite("map-churn.Value", value, Escape::kEscapes);
    sites_[kNewBucket] = &code.DefineSite("map-churn.newoverflow", bucket, Escape::kEscapes);
    sites_[kNewBuckets] = &code.DefineSite("map-churn.makeBucketArray", buckets, Escape::kEscapes);
    sites_[kNewHeader] = &code.DefineSite("map-churn.makemap", header, Escape::kEscapes);
    functions_[kAssign] = &code.DefineFunction("mapassign", 2, {0, 1});
    functions_[kGrow] = &code.DefineFunction("hashGrow", 3, {0, 1, 2});
    functions_[kPut] = &code.DefineFunction("put", 1, {0});
    map_ = data.DefineRef("map-churn.m");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    // L values of 40 bytes, and about L/4 buckets (between 3.25 and 6.5 entries
    // each) with their array slots: twice over, since a doubling re-creates every
    // bucket while the old ones are still live.
    const size_t buckets = shape_.live / 4;
    return shape_.live * 40 + 2 * buckets * (8 * (kBucketFields + 1) + 8) + 64;
  }

  void Setup(Mutator& m) override {
    m.StoreGlobal(map_, m.Allocate(*sites_[kNewHeader]));
    Ref buckets = m.AllocateArray(*sites_[kNewBuckets], kInitialBuckets);
    m.Store(data_->LoadRef(map_), kBuckets, buckets);
    version_ = 0;
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;
    XorShift64 rng(seed_ + runs_++);
    uint64_t found = 0;
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      const int64_t key = static_cast<int64_t>(rng.Index(2 * shape_.live));
      const uint64_t r = rng.Index(100);
      if (r < 50) {
        if (Ref value = Lookup(key); value != nullptr) {
          found += static_cast<uint64_t>(value->i64(kVersion));
          if (value->i64(kKey) != key ||
              value->i64(kA) != PayloadA(key, value->i64(kVersion))) {
            ++damaged_;
          }
        }
      } else if (r < 75) {
        Assign(m, key, version_++);
      } else {
        Delete(m, key);
      }
      m.Poll();
      if ((op + 1) % kOpsPerBatch == 0) context.timer->BatchDone();
    }
    found_ = found;
    ops_ = shape_.ops;
  }

  absl::Status Verify(Mutator& m) override {
    // Replay every run so far on a map outside the heap (blocked meanwhile: the
    // replay touches no heap).
    OffHeapReplay replaying(m);
    absl::flat_hash_map<int64_t, int64_t> model;  // key -> version
    int64_t version = 0;
    uint64_t found = 0;
    for (uint64_t run = 0; run < runs_; ++run) {
      XorShift64 rng(seed_ + run);
      found = 0;
      for (uint64_t op = 0; op < shape_.ops; ++op) {
        const int64_t key = static_cast<int64_t>(rng.Index(2 * shape_.live));
        const uint64_t r = rng.Index(100);
        if (r < 50) {
          if (auto it = model.find(key); it != model.end()) found += it->second;
        } else if (r < 75) {
          model[key] = version++;
        } else {
          model.erase(key);
        }
      }
    }
    replaying.Done();
    if (damaged_ != 0) {
      return absl::DataLossError(absl::StrCat("map-churn: ", damaged_, " damaged values"));
    }
    if (found != found_) {
      return absl::DataLossError(
          absl::StrCat("map-churn: lookups summed ", found_, ", expected ", found));
    }
    Ref map = data_->LoadRef(map_);
    if (static_cast<size_t>(map->i64(kCount)) != model.size()) {
      return absl::DataLossError(absl::StrCat("map-churn: ", map->i64(kCount),
                                              " entries, expected ", model.size()));
    }
    size_t seen = 0;
    Ref buckets = map->ref(kBuckets);
    for (uint64_t i = 0; i < buckets->length(); ++i) {
      for (Ref b = buckets->element(i); b != nullptr; b = b->ref(kOverflow)) {
        for (size_t s = 0; s < kSlots; ++s) {
          if ((b->i64(kUsed) >> s & 1) == 0) continue;
          ++seen;
          const int64_t key = b->i64(kKey0 + s);
          Ref value = b->ref(kValue0 + s);
          auto it = model.find(key);
          if (it == model.end() || value == nullptr || value->i64(kKey) != key ||
              value->i64(kVersion) != it->second ||
              value->i64(kA) != PayloadA(key, it->second) || value->i64(kB) != ~key) {
            return absl::DataLossError(absl::StrCat("map-churn: entry ", key, " is wrong"));
          }
        }
      }
    }
    if (seen != model.size()) {
      return absl::DataLossError(
          absl::StrCat("map-churn: found ", seen, " entries, expected ", model.size()));
    }
    checksum_ = Mix(Mix(0, found_), seen);
    return absl::OkStatus();
  }

  uint64_t Checksum() const override { return checksum_; }

  size_t BatchesPerThread() const override { return shape_.ops / kOpsPerBatch + 1; }

 private:
  Ref Lookup(int64_t key) const {
    Ref buckets = data_->LoadRef(map_)->ref(kBuckets);
    for (Ref b = buckets->element(HashOf(key) & (buckets->length() - 1)); b != nullptr;
         b = b->ref(kOverflow)) {
      const int64_t used = b->i64(kUsed);
      for (size_t s = 0; s < kSlots; ++s) {
        if ((used >> s & 1) && b->i64(kKey0 + s) == key) return b->ref(kValue0 + s);
      }
    }
    return nullptr;
  }

  // m[key] = &Value{...}
  void Assign(Mutator& m, int64_t key, int64_t version) {
    FrameScope f(m, *functions_[kAssign]);  // 0: the new value, 1: the bucket array
    f[0] = m.Allocate(*sites_[kNewValue]);
    f[0]->i64(kKey) = key;
    f[0]->i64(kVersion) = version;
    f[0]->i64(kA) = PayloadA(key, version);
    f[0]->i64(kB) = ~key;
    f[1] = data_->LoadRef(map_)->ref(kBuckets);
    if (Put(m, f[1], key, f[0])) {
      Ref map = data_->LoadRef(map_);
      const int64_t count = ++map->i64(kCount);
      if (count * 2 > 13 * static_cast<int64_t>(map->ref(kBuckets)->length())) Grow(m);
    }
  }

  // Puts key -> value into the bucket array in `buckets`; true if the key is new.
  // Both arguments are root slots (an overflow bucket may have to be allocated).
  bool Put(Mutator& m, Ref& buckets, int64_t key, Ref& value) {
    const uint64_t index = HashOf(key) & (buckets->length() - 1);
    FrameScope f(m, *functions_[kPut]);  // 0: a new overflow bucket
    for (;;) {
      Ref free_bucket = nullptr;
      size_t free_slot = 0;
      Ref last = nullptr;
      for (Ref b = buckets->element(index); b != nullptr; b = b->ref(kOverflow)) {
        const int64_t used = b->i64(kUsed);
        for (size_t s = 0; s < kSlots; ++s) {
          if (used >> s & 1) {
            if (b->i64(kKey0 + s) == key) {
              m.Store(b, kValue0 + s, value);
              return false;
            }
          } else if (free_bucket == nullptr) {
            free_bucket = b;
            free_slot = s;
          }
        }
        last = b;
      }
      if (free_bucket != nullptr) {
        free_bucket->i64(kKey0 + free_slot) = key;
        free_bucket->i64(kUsed) |= int64_t{1} << free_slot;
        m.Store(free_bucket, kValue0 + free_slot, value);
        return true;
      }
      if (f[0] != nullptr) {  // allocated last time round: link it at the end
        if (last == nullptr) {
          m.StoreElement(buckets, index, f[0]);
        } else {
          m.Store(last, kOverflow, f[0]);
        }
        f[0] = nullptr;
        continue;
      }
      f[0] = m.Allocate(*sites_[kNewBucket]);  // raw refs above are stale now: walk again
    }
  }

  void Delete(Mutator& m, int64_t key) {
    Ref map = data_->LoadRef(map_);
    Ref buckets = map->ref(kBuckets);
    for (Ref b = buckets->element(HashOf(key) & (buckets->length() - 1)); b != nullptr;
         b = b->ref(kOverflow)) {
      for (size_t s = 0; s < kSlots; ++s) {
        if ((b->i64(kUsed) >> s & 1) && b->i64(kKey0 + s) == key) {
          b->i64(kUsed) &= ~(int64_t{1} << s);
          m.Store(b, kValue0 + s, nullptr);
          --map->i64(kCount);
          return;
        }
      }
    }
  }

  // Doubles the bucket array and moves every entry into the new one.
  void Grow(Mutator& m) {
    FrameScope f(m, *functions_[kGrow]);  // 0: old buckets, 1: new buckets, 2: the value moving
    f[0] = data_->LoadRef(map_)->ref(kBuckets);
    f[1] = m.AllocateArray(*sites_[kNewBuckets], 2 * f[0]->length());
    for (uint64_t i = 0; i < f[0]->length(); ++i) {
      for (size_t depth = 0;; ++depth) {
        Ref b = f[0]->element(i);
        for (size_t d = 0; b != nullptr && d < depth; ++d) b = b->ref(kOverflow);
        if (b == nullptr) break;
        for (size_t s = 0; s < kSlots; ++s) {
          // Re-found each time: Put may allocate, and the collector may move b.
          Ref current = f[0]->element(i);
          for (size_t d = 0; d < depth; ++d) current = current->ref(kOverflow);
          if ((current->i64(kUsed) >> s & 1) == 0) continue;
          f[2] = current->ref(kValue0 + s);
          Put(m, f[1], current->i64(kKey0 + s), f[2]);
        }
      }
    }
    m.Store(data_->LoadRef(map_), kBuckets, f[1]);
  }

  enum Site : uint8_t { kNewValue, kNewBucket, kNewBuckets, kNewHeader, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kAssign, kGrow, kPut, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global map_{};
  int64_t version_ = 0;
  uint64_t found_ = 0;
  uint64_t damaged_ = 0;
  uint64_t checksum_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(MapChurn);

}  // namespace gclab
