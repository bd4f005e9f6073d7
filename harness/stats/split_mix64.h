// File: harness/stats/split_mix64.h
//
// A deterministic pseudo-random sequence (SplitMix64): the matrix's interleaved run
// order and the statistics' bootstrap draw from it, so both repeat exactly for a seed.
#ifndef GCLAB_HARNESS_STATS_SPLIT_MIX64_H_
#define GCLAB_HARNESS_STATS_SPLIT_MIX64_H_

#include <cstdint>

namespace gclab {

// A deterministic pseudo-random sequence (SplitMix64).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, bound).
  uint64_t Below(uint64_t bound);

 private:
  uint64_t state_;
};

}  // namespace gclab

#endif  // GCLAB_HARNESS_STATS_SPLIT_MIX64_H_
