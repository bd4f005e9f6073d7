// nogc: bump allocation that never collects. The lower bound on collector cost
// (Epsilon in HotSpot, NoGC in MMTk): the time a workload takes with no collector
// work at all, against which lower-bound overhead (LBO) is computed. When the heap
// runs out it reports out-of-memory with everything it ever allocated as live.
#include <algorithm>
#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "collectors/common/bump_region.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/runtime.h"

namespace gclab {
namespace {

const CollectorTraits& NoGcTraits() {
  static const CollectorTraits traits{
      .name = "nogc",
      .description = "bump allocation, never collects: the lower bound on collector cost",
      .reclaims = false,
  };
  return traits;
}

class NoGc final : public Collector {
 public:
  const CollectorTraits& traits() const override { return NoGcTraits(); }

  absl::Status Init(Runtime&, std::span<std::byte> heap) override {
    const auto begin = reinterpret_cast<uintptr_t>(heap.data());
    region_.Reset(begin, begin + heap.size(), begin);
    return absl::OkStatus();
  }

  std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo&) override {
    std::byte* memory = region_.Allocate(mutator, AlignUp(bytes, kWordBytes));
    if (memory == nullptr) {
      throw OutOfMemory(OutOfMemoryStatus("nogc", region_.end() - region_.begin(),
                                          region_.used(), bytes));
    }
    return memory;
  }

  // Never collects, so there is no pause to record.
  void Collect(Mutator&, GcCause, CollectionKind) override {}

  HeapUsage Usage() const override {
    const size_t used = region_.used();
    return HeapUsage{.capacity_bytes = region_.end() - region_.begin(),
                     .in_use_bytes = used,
                     .live_bytes = used,
                     .collections = 0};
  }

  bool IsLiveObject(const Object* object) const override {
    const auto address = reinterpret_cast<uintptr_t>(object);
    return address >= region_.begin() && address < region_.frontier() &&
           address % kWordBytes == 0;
  }

 private:
  BumpRegion region_;
};

}  // namespace

GCLAB_REGISTER_COLLECTOR(NoGcTraits(), FactoryWithoutOptions<NoGc>("nogc"));

}  // namespace gclab
