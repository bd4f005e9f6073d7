// File: workloads/common/random.h
//
// The pseudo-random sequence workloads draw from. Workloads replay their sequence
// outside the heap to check their result, so it must be the same on every machine
// and library version: xorshift64 (Marsaglia; shifts 13, 7, 17), not a library
// generator whose output may change between releases.
#ifndef GCLAB_WORKLOADS_COMMON_RANDOM_H_
#define GCLAB_WORKLOADS_COMMON_RANDOM_H_

#include <cstdint>

namespace gclab {

class XorShift64 {
 public:
  static constexpr uint64_t kDefaultSeed = 0x9E3779B97F4A7C15;

  // A zero seed would stay zero forever; it is replaced by the default.
  explicit XorShift64(uint64_t seed = kDefaultSeed) : state_(seed != 0 ? seed : kDefaultSeed) {}

  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  // Uniform enough in [0, n) for n < 2^32.
  uint64_t Index(uint64_t n) { return (Next() >> 32) % n; }
  // In [lo, hi].
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Index(hi - lo + 1); }
  // True with probability percent / 100.
  bool Percent(uint64_t percent) { return Index(100) < percent; }

 private:
  uint64_t state_;
};

// Mixes `value` into a running checksum (order-sensitive).
inline uint64_t Mix(uint64_t checksum, uint64_t value) {
  checksum ^= value + 0x9E3779B97F4A7C15 + (checksum << 6) + (checksum >> 2);
  return checksum;
}

}  // namespace gclab

#endif  // GCLAB_WORKLOADS_COMMON_RANDOM_H_
