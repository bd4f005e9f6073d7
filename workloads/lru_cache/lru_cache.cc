// lru-cache: a large, long-lived LRU cache held from a global, with steady
// replacement. Hits move an old entry to the front of the list (pointer stores into
// old objects); misses allocate a value and an entry and evict the least recently
// used one. The latency workload: a big old heap a collector must trace while the
// program keeps rewiring it.
//
// The Go program it corresponds to:
//
//   type entry struct{ prev, next, hnext *entry; key int64; value []byte; version int64 }
//   type LRU struct{ table []*entry; head entry; count int }   // head: list sentinel
//   var cache = &LRU{...}                        // a global, C entries at most
//
//   func (c *LRU) Get(key int64) []byte {
//     if e := c.find(key); e != nil { c.moveToFront(e); return e.value }   // hit
//     e := &entry{key: key, value: load(key), version: v}   // both escape: kept
//     c.insertFront(e); if c.count > C { c.evict(c.head.prev) }
//     return e.value
//   }
//   for op := 0; op < N; op++ { k := skewed(op); sum += Get(k)[0] }
//
// Keys: 80% from the C/2 hottest, 20% from 4C, so most gets hit and the misses
// replace a steady trickle of entries. Values are 16 to 256 bytes. Every allocation
// site escapes: escape analysis changes nothing here. One op is one Get; a latency
// batch is 1000 ops.
//
// Checked by: replaying the gets on an LRU outside the heap; the hit count, the sum
// of values read, and the cache's final order, keys and value bytes.
// Checksum: Mix(Mix(0, hits), the sum of the first bytes read).
#include <array>
#include <cstdint>
#include <list>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

constexpr size_t kPrev = 0, kNext = 1, kHashNext = 2, kKey = 3, kValue = 4, kVersion = 5;
constexpr size_t kTable = 0, kHead = 1, kCount = 2;  // LRU
constexpr uint64_t kOpsPerBatch = 1000;

struct Shape {
  uint64_t capacity;  // C
  uint64_t ops;
};

uint64_t ValueBytes(int64_t key) { return 16 + static_cast<uint64_t>(key) % 241; }
uint8_t ValueByte(int64_t key, int64_t version, uint64_t i) {
  return static_cast<uint8_t>(key * 13 + version * 7 + static_cast<int64_t>(i));
}
uint64_t BucketOf(int64_t key, uint64_t buckets) {
  return Mix(0x1B873593, static_cast<uint64_t>(key)) & (buckets - 1);
}

class LruCache final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "lru-cache",
      .description = "a long-lived LRU cache held from a global: hits relink old "
                     "entries, misses allocate and evict (the latency workload)",
      .parameters = "size: small = 10,000 entries, 1,000,000 gets; default = 200,000 "
                    "entries, 12,000,000 gets; large = 1,000,000 entries, 60,000,000 "
                    "gets (values 16..256 bytes). threads: single goroutine (extra "
                    "threads idle)",
      .units = "op = one Get; latency batch = 1,000 gets"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {10'000, 1'000'000},
      .default_size = {200'000, 12'000'000},
      .large = {1'000'000, 60'000'000}};

  explicit LruCache(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {
    buckets_ = 1;
    while (buckets_ < shape_.capacity) buckets_ *= 2;
  }

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& entry = code.DefineStruct("entry", 6, {kPrev, kNext, kHashNext, kValue});
    const TypeInfo& bytes = code.DefineByteArray("[]byte");
    const TypeInfo& table = code.DefineRefArray("[]*entry");
    const TypeInfo& lru = code.DefineStruct("LRU", 3, {kTable, kHead});
    sites_[kNewEntry] = &code.DefineSite("lru-cache.entry", entry, Escape::kEscapes);
    sites_[kNewValue] = &code.DefineSite("lru-cache.load", bytes, Escape::kEscapes);
    sites_[kNewTable] = &code.DefineSite("lru-cache.table", table, Escape::kEscapes);
    sites_[kNewLru] = &code.DefineSite("lru-cache.LRU", lru, Escape::kEscapes);
    functions_[kGet] = &code.DefineFunction("Get", 1, {0});
    cache_ = data.DefineRef("lru-cache.cache");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    return shape_.capacity * (56 + 16 + 136 + 8) + 8 * (buckets_ - shape_.capacity) + 128;
  }

  void Setup(Mutator& m) override {
    m.StoreGlobal(cache_, m.Allocate(*sites_[kNewLru]));
    Ref table = m.AllocateArray(*sites_[kNewTable], buckets_);
    m.Store(data_->LoadRef(cache_), kTable, table);
    Ref head = m.Allocate(*sites_[kNewEntry]);
    m.Store(head, kPrev, head);
    m.Store(head, kNext, head);
    m.Store(data_->LoadRef(cache_), kHead, head);
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;
    XorShift64 rng(seed_ + runs_++);
    uint64_t hits = 0, read = 0;
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      const int64_t key = NextKey(rng);
      read += Get(m, key, hits);
      m.Poll();
      if ((op + 1) % kOpsPerBatch == 0) context.timer->BatchDone();
    }
    hits_ = hits;
    read_ = read;
    ops_ = shape_.ops;
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    std::list<std::pair<int64_t, int64_t>> order;  // (key, version), most recent first
    absl::flat_hash_map<int64_t, std::list<std::pair<int64_t, int64_t>>::iterator> where;
    int64_t version = 0;
    uint64_t hits = 0, read = 0;
    for (uint64_t run = 0; run < runs_; ++run) {
      XorShift64 rng(seed_ + run);
      hits = read = 0;
      for (uint64_t op = 0; op < shape_.ops; ++op) {
        const int64_t key = NextKey(rng);
        if (auto it = where.find(key); it != where.end()) {
          ++hits;
          order.splice(order.begin(), order, it->second);
        } else {
          order.emplace_front(key, version++);
          where[key] = order.begin();
          if (order.size() > shape_.capacity) {
            where.erase(order.back().first);
            order.pop_back();
          }
        }
        read += ValueByte(key, order.front().second, 0);
      }
    }
    replaying.Done();
    if (damaged_ != 0) {
      return absl::DataLossError(absl::StrCat("lru-cache: ", damaged_, " damaged values read"));
    }
    if (hits != hits_ || read != read_) {
      return absl::DataLossError(absl::StrCat("lru-cache: ", hits_, " hits reading ", read_,
                                              ", expected ", hits, " reading ", read));
    }
    Ref cache = data_->LoadRef(cache_);
    if (static_cast<size_t>(cache->i64(kCount)) != order.size()) {
      return absl::DataLossError(absl::StrCat("lru-cache: ", cache->i64(kCount),
                                              " entries, expected ", order.size()));
    }
    Ref head = cache->ref(kHead);
    Ref e = head->ref(kNext);
    for (const auto& [key, entry_version] : order) {
      if (e == head || e->i64(kKey) != key || e->i64(kVersion) != entry_version ||
          !ValueIntact(e) || e->ref(kNext)->ref(kPrev) != e || Find(cache, key) != e) {
        return absl::DataLossError(absl::StrCat("lru-cache: entry for key ", key, " is wrong"));
      }
      e = e->ref(kNext);
    }
    return absl::OkStatus();
  }

  uint64_t Checksum() const override { return Mix(Mix(0, hits_), read_); }

  size_t BatchesPerThread() const override { return shape_.ops / kOpsPerBatch + 1; }

 private:
  int64_t NextKey(XorShift64& rng) const {
    const bool hot = rng.Percent(80);
    return static_cast<int64_t>(hot ? rng.Index(shape_.capacity / 2)
                                    : rng.Index(4 * shape_.capacity));
  }

  static bool ValueIntact(Ref e) {
    Ref value = e->ref(kValue);
    const int64_t key = e->i64(kKey), version = e->i64(kVersion);
    if (value == nullptr || value->length() != ValueBytes(key)) return false;
    for (uint64_t i = 0; i < value->length(); i += 37) {
      if (value->bytes()[i] != ValueByte(key, version, i)) return false;
    }
    return true;
  }

  Ref Find(Ref cache, int64_t key) const {
    Ref e = cache->ref(kTable)->element(BucketOf(key, buckets_));
    while (e != nullptr && e->i64(kKey) != key) e = e->ref(kHashNext);
    return e;
  }

  void Unlink(Mutator& m, Ref e) {
    m.Store(e->ref(kPrev), kNext, e->ref(kNext));
    m.Store(e->ref(kNext), kPrev, e->ref(kPrev));
  }

  void LinkFront(Mutator& m, Ref head, Ref e) {
    m.Store(e, kNext, head->ref(kNext));
    m.Store(e, kPrev, head);
    m.Store(head->ref(kNext), kPrev, e);
    m.Store(head, kNext, e);
  }

  // Returns the first byte of the value for key.
  uint8_t Get(Mutator& m, int64_t key, uint64_t& hits) {
    Ref cache = data_->LoadRef(cache_);
    if (Ref e = Find(cache, key); e != nullptr) {
      ++hits;
      Ref head = cache->ref(kHead);
      if (head->ref(kNext) != e) {
        Unlink(m, e);
        LinkFront(m, head, e);
      }
      const uint8_t first = e->ref(kValue)->bytes()[0];
      if (first != ValueByte(key, e->i64(kVersion), 0)) ++damaged_;
      return first;
    }
    FrameScope f(m, *functions_[kGet]);  // 0: the new entry
    const int64_t version = version_++;
    f[0] = m.Allocate(*sites_[kNewEntry]);
    f[0]->i64(kKey) = key;
    f[0]->i64(kVersion) = version;
    const uint64_t n = ValueBytes(key);
    Ref value = m.AllocateArray(*sites_[kNewValue], n);
    for (uint64_t i = 0; i < n; ++i) value->bytes()[i] = ValueByte(key, version, i);
    Ref e = f[0];
    m.Store(e, kValue, value);
    cache = data_->LoadRef(cache_);
    Ref table = cache->ref(kTable);
    const uint64_t bucket = BucketOf(key, buckets_);
    m.Store(e, kHashNext, table->element(bucket));
    m.StoreElement(table, bucket, e);
    LinkFront(m, cache->ref(kHead), e);
    if (static_cast<uint64_t>(++cache->i64(kCount)) > shape_.capacity) Evict(m, cache);
    return value->bytes()[0];
  }

  void Evict(Mutator& m, Ref cache) {
    Ref victim = cache->ref(kHead)->ref(kPrev);
    Unlink(m, victim);
    Ref table = cache->ref(kTable);
    const uint64_t bucket = BucketOf(victim->i64(kKey), buckets_);
    if (table->element(bucket) == victim) {
      m.StoreElement(table, bucket, victim->ref(kHashNext));
    } else {
      Ref e = table->element(bucket);
      while (e->ref(kHashNext) != victim) e = e->ref(kHashNext);
      m.Store(e, kHashNext, victim->ref(kHashNext));
    }
    --cache->i64(kCount);
  }

  uint64_t buckets_;
  enum Site : uint8_t { kNewEntry, kNewValue, kNewTable, kNewLru, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kGet, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global cache_{};
  int64_t version_ = 0;
  uint64_t hits_ = 0;
  uint64_t read_ = 0;
  uint64_t damaged_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(LruCache);

}  // namespace gclab
