// File: runtime/code_segment.h
//
// The code segment: everything a compiler would emit as read-only data. Types (with
// their pointer maps), functions (with their frame layouts: our stand-in for Go's
// stack maps) and allocation sites (with the escape analysis verdict for each).
//
// Descriptors are written into the segment's own memory while the program is being
// declared, before Runtime::Start. Start seals the segment with mprotect(PROT_READ),
// so a stray write afterwards faults at once instead of corrupting a pointer map.
// Descriptors never move, so workloads keep plain references to them.
//
// Thread safety: Define* only before sealing, from one thread. Lookups are
// read-only and safe from any thread.
#ifndef GCLAB_RUNTIME_CODE_SEGMENT_H_
#define GCLAB_RUNTIME_CODE_SEGMENT_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include "absl/strings/string_view.h"

#include "runtime/base.h"
#include "runtime/object.h"

namespace gclab {

// What escape analysis decided for an allocation site, as `go build -gcflags=-m`
// would report it.
enum class Escape : uint8_t {
  kEscapes,   // "escapes to heap": the object outlives its frame
  kNoEscape,  // "does not escape": the object may live in its frame's arena
};

// One allocation site: a `new(T)`, `&T{}` or `make` in the source program.
struct SiteInfo {
  uint64_t header;       // header word stamped into every object from this site
  uint32_t fixed_bytes;  // object size for kFixed types; 0 for arrays
  bool on_stack;         // kNoEscape and escape analysis is on: use the frame arena
  Escape escape;
  // Objects from this site hold no pointers (byte arrays, structs without pointer
  // fields): a collector may keep them where it never scans (libgc's atomic kind).
  bool pointer_free;
  SiteId id;
  const TypeInfo* type;
  char name[48];
};

// The frame header that precedes a frame's slots on the stack (see stack.h).
inline constexpr size_t kFrameHeaderBytes = 3 * kWordBytes;
inline constexpr uint32_t kMaxFrameSlots = 64;

// One function: its frame has `num_slots` word slots (those in ref_slot_map hold
// pointers and are roots) followed by an arena of `arena_bytes` for objects from
// non-escaping sites that run while this frame is on top.
struct FunctionInfo {
  uint32_t id;
  uint32_t num_slots;
  uint64_t ref_slot_map;  // bit i set <=> slot i holds a Ref
  uint32_t arena_bytes;
  uint32_t frame_bytes;  // header + slots + arena, as pushed on the stack
  char name[48];
};

class CodeSegment {
 public:
  static constexpr size_t kMaxTypes = 1024;
  static constexpr size_t kMaxSites = 4096;
  static constexpr size_t kMaxFunctions = 4096;

  // `memory` is page-aligned and zero-filled; `escape_analysis` decides whether
  // kNoEscape sites allocate in frame arenas.
  CodeSegment(std::span<std::byte> memory, bool escape_analysis);
  CodeSegment(const CodeSegment&) = delete;
  CodeSegment& operator=(const CodeSegment&) = delete;

  // A struct of `num_fields` word fields; `ref_fields` lists those holding pointers.
  const TypeInfo& DefineStruct(absl::string_view name, uint32_t num_fields,
                               std::initializer_list<uint32_t> ref_fields);
  // An array of pointers of run-time length.
  const TypeInfo& DefineRefArray(absl::string_view name);
  // An array of bytes of run-time length (also used for arrays of scalars).
  const TypeInfo& DefineByteArray(absl::string_view name);
  const FunctionInfo& DefineFunction(absl::string_view name, uint32_t num_slots,
                                     std::initializer_list<uint32_t> ref_slots,
                                     uint32_t arena_bytes = 0);
  const SiteInfo& DefineSite(absl::string_view name, const TypeInfo& type, Escape escape);

  // Makes the segment read-only. Every Define* after this is a fatal error.
  void Seal();
  bool sealed() const { return sealed_; }
  bool escape_analysis() const { return escape_analysis_; }

  size_t num_types() const { return tables_->num_types; }
  size_t num_sites() const { return tables_->num_sites; }
  size_t num_functions() const { return tables_->num_functions; }
  const TypeInfo& type(TypeId id) const { return tables_->types[id]; }
  // All types, indexed by id: for loops that keep the table base in a register.
  std::span<const TypeInfo> types() const { return {tables_->types, tables_->num_types}; }
  const SiteInfo& site(SiteId id) const { return *tables_->sites[id]; }
  const FunctionInfo& function(uint32_t id) const { return *tables_->functions[id]; }

  // The type of a live object (header must be intact).
  const TypeInfo& TypeOf(const Object* object) const { return type(object->type_id()); }

  bool Contains(const void* p) const {
    return p >= memory_.data() && p < memory_.data() + memory_.size();
  }

 private:
  struct Tables {
    uint32_t num_types;
    uint32_t num_sites;
    uint32_t num_functions;
    // Types inline, not behind pointers: looking one up from a header is one
    // indexed load on every collector's hottest loop.
    TypeInfo types[kMaxTypes];
    const SiteInfo* sites[kMaxSites];
    const FunctionInfo* functions[kMaxFunctions];
  };

  template <typename T>
  T* Emit();
  TypeInfo& NewType(absl::string_view name, TypeKind kind);
  void CheckOpen(absl::string_view what, absl::string_view name) const;

  std::span<std::byte> memory_;
  Tables* tables_;
  size_t used_;
  bool escape_analysis_;
  bool sealed_ = false;
};

}  // namespace gclab

#endif  // GCLAB_RUNTIME_CODE_SEGMENT_H_
