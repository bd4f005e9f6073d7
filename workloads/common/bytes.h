// File: workloads/common/bytes.h
//
// Byte helpers for workloads that build text: decimal formatting (strconv.AppendInt)
// and the FNV-1a hash they check byte contents with.
#ifndef GCLAB_WORKLOADS_COMMON_BYTES_H_
#define GCLAB_WORKLOADS_COMMON_BYTES_H_

#include <cstddef>
#include <cstdint>

namespace gclab {

inline constexpr size_t kMaxDecimalDigits = 20;  // of a uint64_t
inline constexpr uint64_t kFnvBasis = 0xcbf29ce484222325;

// Writes the decimal digits of v to out (room for kMaxDecimalDigits); returns how many.
inline size_t FormatDecimal(uint64_t v, uint8_t* out) {
  uint8_t reversed[kMaxDecimalDigits];
  size_t n = 0;
  do {
    reversed[n++] = static_cast<uint8_t>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; ++i) out[i] = reversed[n - 1 - i];
  return n;
}

// FNV-1a of n bytes, continuing from `hash` (so a hash can be built piece by piece).
inline uint64_t Fnv1a(const uint8_t* bytes, size_t n, uint64_t hash = kFnvBasis) {
  for (size_t i = 0; i < n; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3;
  return hash;
}

}  // namespace gclab

#endif  // GCLAB_WORKLOADS_COMMON_BYTES_H_
