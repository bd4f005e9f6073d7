// SetEveryAtomic sets exactly the bits that setting each one would.
#include "collectors/common/side_bitmap.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace gclab {
namespace {

TEST(SideBitmapTest, SetEveryAtomicSetsTheSameBitsAsOneAtATime) {
  constexpr uintptr_t kBase = 0x100000;
  constexpr size_t kBytes = 64 * 1024;
  constexpr size_t kGranule = 16;
  for (size_t stride : {16, 32, 48, 80, 1024, 8192}) {
    for (size_t first : {0, 16, 1008, 1024, 4096 + 48}) {
      for (size_t count : {0, 1, 3, 64, 200}) {
        const uintptr_t begin = kBase + first;
        const uintptr_t end = begin + count * stride;
        if (end > kBase + kBytes) continue;
        SideBitmap bulk(kBase, kBytes, kGranule), single(kBase, kBytes, kGranule);
        bulk.TestAndSet(bulk.BitOf(kBase + kBytes - kGranule));  // bits already set stay
        single.TestAndSet(single.BitOf(kBase + kBytes - kGranule));
        bulk.SetEveryAtomic(begin, end, stride);
        for (uintptr_t p = begin; p < end; p += stride) single.TestAndSet(single.BitOf(p));
        for (size_t bit = 0; bit < kBytes / kGranule; ++bit) {
          ASSERT_EQ(bulk.Test(bit), single.Test(bit))
              << "stride " << stride << ", first " << first << ", count " << count << ", bit "
              << bit;
        }
      }
    }
  }
}

}  // namespace
}  // namespace gclab
