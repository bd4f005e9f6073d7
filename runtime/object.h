// File: runtime/object.h
//
// The object model every collector, workload and the verifier share.
//
// An object is one header word followed by 8-byte fields. Objects are precise: a
// TypeInfo says where the pointers are, so a collector finds every reference and
// never guesses. All tracing goes through ForEachRefSlot, inlined into mark loops.
//
// Header word:
//
//   63                 32 31                  8 7        1   0
//  +---------------------+---------------------+----------+---+
//  |       type id       |       site id       | GC bits  | 1 |
//  +---------------------+---------------------+----------+---+
//
// Bit 0 is always 1 in a header. A moving collector may overwrite the header with
// the object's new address (8-aligned, so bit 0 is 0): the word is then a
// forwarding pointer. The site id names the allocation site that made the object,
// so the verifier and the escape check can say where a bad object came from. The
// GC bits belong to the collector that owns the object.
//
// Layouts by kind (words after the header):
//   kFixed      field[0] ... field[n-1]             n = TypeInfo::field_words <= 64
//   kRefArray   length, ref[0] ... ref[length-1]
//   kByteArray  length (in bytes), then the bytes, padded to a word
#ifndef GCLAB_RUNTIME_OBJECT_H_
#define GCLAB_RUNTIME_OBJECT_H_

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "runtime/base.h"

namespace gclab {

struct Object;
using Ref = Object*;

using TypeId = uint32_t;
using SiteId = uint32_t;

inline constexpr size_t kWordBytes = 8;
inline constexpr uint64_t kHeaderTag = 1;
inline constexpr int kSiteShift = 8;
inline constexpr uint64_t kSiteMask = (uint64_t{1} << 24) - 1;
inline constexpr int kTypeShift = 32;
inline constexpr uint64_t kGcBitsMask = 0xFE;
// The one GC bit the runtime reads: with the object-logging barrier, a store into an
// object whose bit is set logs the object and clears the bit (the collector sets it,
// for instance on objects it promotes). Other collectors may use it as they like.
inline constexpr uint64_t kUnloggedBit = 0x80;
inline constexpr uint32_t kMaxFixedFields = 64;

constexpr uint64_t MakeHeader(TypeId type, SiteId site) {
  return (uint64_t{type} << kTypeShift) | (uint64_t{site} << kSiteShift) | kHeaderTag;
}

enum class TypeKind : uint8_t { kFixed, kRefArray, kByteArray };

// Describes one type. Lives in the code segment, read-only once the runtime starts.
struct TypeInfo {
  TypeId id;
  TypeKind kind;
  uint32_t field_words;  // kFixed: number of fields; arrays: 0
  uint64_t ref_map;      // kFixed: bit i set <=> field i holds a Ref
  char name[48];
};

struct Object {
  uint64_t header;

  uint64_t* words() { return reinterpret_cast<uint64_t*>(this) + 1; }
  const uint64_t* words() const { return reinterpret_cast<const uint64_t*>(this) + 1; }

  TypeId type_id() const { return static_cast<TypeId>(header >> kTypeShift); }
  SiteId site_id() const { return static_cast<SiteId>((header >> kSiteShift) & kSiteMask); }
  bool has_header() const { return (header & kHeaderTag) != 0; }

  // Field access for kFixed objects. Pointer fields must be written through
  // Mutator::Store so the collector's write barrier sees the store.
  Ref ref(size_t field) const { return reinterpret_cast<const Ref*>(words())[field]; }
  Ref* ref_slot(size_t field) { return reinterpret_cast<Ref*>(words()) + field; }
  int64_t& i64(size_t field) { return reinterpret_cast<int64_t*>(words())[field]; }
  int32_t& i32(size_t field, int half) {
    return reinterpret_cast<int32_t*>(words() + field)[half];
  }
  double& f64(size_t field) { return reinterpret_cast<double*>(words())[field]; }

  // Array access (kRefArray, kByteArray).
  uint64_t length() const { return words()[0]; }
  Ref element(size_t i) const { return reinterpret_cast<const Ref*>(words() + 1)[i]; }
  Ref* element_slot(size_t i) { return reinterpret_cast<Ref*>(words() + 1) + i; }
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(words() + 1); }
  double* doubles() { return reinterpret_cast<double*>(words() + 1); }
};

// Size in bytes of an object of `type` with `length` elements (ignored for kFixed).
GCLAB_ALWAYS_INLINE size_t ObjectBytes(const TypeInfo& type, uint64_t length) {
  switch (type.kind) {
    case TypeKind::kFixed:
      return kWordBytes * (1 + type.field_words);
    case TypeKind::kRefArray:
      return kWordBytes * (2 + length);
    case TypeKind::kByteArray:
      return kWordBytes * 2 + AlignUp(length, kWordBytes);
  }
  return 0;
}

GCLAB_ALWAYS_INLINE size_t ObjectBytes(const TypeInfo& type, const Object* object) {
  return type.kind == TypeKind::kFixed ? kWordBytes * (1 + type.field_words)
                                       : ObjectBytes(type, object->length());
}

// Calls visit(Ref* slot) for every pointer slot of `object`, in address order.
template <typename Visit>
GCLAB_ALWAYS_INLINE void ForEachRefSlot(Object* object, const TypeInfo& type, Visit&& visit) {
  Ref* slots = reinterpret_cast<Ref*>(object->words());
  if (type.kind == TypeKind::kFixed) {
    for (uint64_t map = type.ref_map; map != 0; map &= map - 1) {
      visit(slots + std::countr_zero(map));
    }
  } else if (type.kind == TypeKind::kRefArray) {
    const uint64_t length = object->length();
    for (uint64_t i = 0; i < length; ++i) visit(slots + 1 + i);
  }
}

// A relaxed atomic load or store of a pointer slot. Plain moves on x86-64; atomic so
// that a collector thread may read slots that mutators write without a data race.
GCLAB_ALWAYS_INLINE Ref LoadRefRelaxed(Ref* slot) {
  return std::atomic_ref<Ref>(*slot).load(std::memory_order_relaxed);
}
GCLAB_ALWAYS_INLINE void StoreRefRelaxed(Ref* slot, Ref value) {
  std::atomic_ref<Ref>(*slot).store(value, std::memory_order_relaxed);
}
// Publication: a reader that loads the pointer with acquire sees the object as it
// was initialised before the store.
GCLAB_ALWAYS_INLINE Ref LoadRefAcquire(Ref* slot) {
  return std::atomic_ref<Ref>(*slot).load(std::memory_order_acquire);
}
GCLAB_ALWAYS_INLINE void StoreRefRelease(Ref* slot, Ref value) {
  std::atomic_ref<Ref>(*slot).store(value, std::memory_order_release);
}

}  // namespace gclab

#endif  // GCLAB_RUNTIME_OBJECT_H_
