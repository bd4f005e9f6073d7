#include "runtime/code_segment.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"

namespace gclab {
namespace {

template <size_t N>
void CopyName(char (&dest)[N], absl::string_view name) {
  if (name.empty() || name.size() >= N) {
    FatalError(absl::StrCat("code segment: name '", name, "' must have 1 to ", N - 1,
                            " characters"));
  }
  std::memcpy(dest, name.data(), name.size());
  dest[name.size()] = '\0';
}

uint64_t BitMap(std::initializer_list<uint32_t> bits, uint32_t limit, absl::string_view what,
                absl::string_view name) {
  uint64_t map = 0;
  for (uint32_t bit : bits) {
    if (bit >= limit) {
      FatalError(absl::StrCat("code segment: ", what, " ", bit, " of '", name,
                              "' is out of range (it has ", limit, ")"));
    }
    map |= uint64_t{1} << bit;
  }
  return map;
}

}  // namespace

CodeSegment::CodeSegment(std::span<std::byte> memory, bool escape_analysis)
    : memory_(memory),
      tables_(reinterpret_cast<Tables*>(memory.data())),
      used_(AlignUp(sizeof(Tables), 64)),
      escape_analysis_(escape_analysis) {
  GCLAB_CHECK(memory.size() > used_, "code segment too small for its tables");
  new (tables_) Tables{};
}

template <typename T>
T* CodeSegment::Emit() {
  const size_t offset = AlignUp(used_, alignof(T));
  if (offset + sizeof(T) > memory_.size()) {
    FatalError(absl::StrCat("code segment full (", memory_.size(),
                            " bytes): raise RuntimeConfig::code_bytes"));
  }
  used_ = offset + sizeof(T);
  return new (memory_.data() + offset) T{};
}

void CodeSegment::CheckOpen(absl::string_view what, absl::string_view name) const {
  if (sealed_) {
    FatalError(absl::StrCat("code segment is sealed: cannot define ", what, " '", name,
                            "' after Runtime::Start"));
  }
}

TypeInfo& CodeSegment::NewType(absl::string_view name, TypeKind kind) {
  CheckOpen("type", name);
  GCLAB_CHECK(tables_->num_types < kMaxTypes, "code segment: too many types");
  TypeInfo* type = &tables_->types[tables_->num_types];
  type->id = tables_->num_types++;
  type->kind = kind;
  CopyName(type->name, name);
  return *type;
}

const TypeInfo& CodeSegment::DefineStruct(absl::string_view name, uint32_t num_fields,
                                          std::initializer_list<uint32_t> ref_fields) {
  if (num_fields > kMaxFixedFields) {
    FatalError(absl::StrCat("code segment: struct '", name, "' has ", num_fields,
                            " fields; at most ", kMaxFixedFields,
                            " (use an array type for more)"));
  }
  TypeInfo& type = NewType(name, TypeKind::kFixed);
  type.field_words = num_fields;
  type.ref_map = BitMap(ref_fields, num_fields, "field", name);
  return type;
}

const TypeInfo& CodeSegment::DefineRefArray(absl::string_view name) {
  return NewType(name, TypeKind::kRefArray);
}

const TypeInfo& CodeSegment::DefineByteArray(absl::string_view name) {
  return NewType(name, TypeKind::kByteArray);
}

const FunctionInfo& CodeSegment::DefineFunction(absl::string_view name, uint32_t num_slots,
                                                std::initializer_list<uint32_t> ref_slots,
                                                uint32_t arena_bytes) {
  CheckOpen("function", name);
  GCLAB_CHECK(tables_->num_functions < kMaxFunctions, "code segment: too many functions");
  if (num_slots > kMaxFrameSlots) {
    FatalError(absl::StrCat("code segment: function '", name, "' has ", num_slots,
                            " slots; at most ", kMaxFrameSlots));
  }
  FunctionInfo* fn = Emit<FunctionInfo>();
  fn->id = tables_->num_functions;
  fn->num_slots = num_slots;
  fn->ref_slot_map = BitMap(ref_slots, num_slots, "slot", name);
  fn->arena_bytes = static_cast<uint32_t>(AlignUp(arena_bytes, kWordBytes));
  fn->frame_bytes =
      static_cast<uint32_t>(kFrameHeaderBytes + kWordBytes * num_slots + fn->arena_bytes);
  CopyName(fn->name, name);
  tables_->functions[tables_->num_functions++] = fn;
  return *fn;
}

const SiteInfo& CodeSegment::DefineSite(absl::string_view name, const TypeInfo& type,
                                        Escape escape) {
  CheckOpen("allocation site", name);
  GCLAB_CHECK(tables_->num_sites < kMaxSites, "code segment: too many allocation sites");
  GCLAB_CHECK(Contains(&type), "DefineSite: type belongs to another runtime");
  SiteInfo* site = Emit<SiteInfo>();
  site->id = tables_->num_sites;
  site->type = &type;
  site->escape = escape;
  site->on_stack = escape == Escape::kNoEscape && escape_analysis_;
  site->pointer_free = type.kind == TypeKind::kByteArray ||
                       (type.kind == TypeKind::kFixed && type.ref_map == 0);
  site->header = MakeHeader(type.id, site->id);
  site->fixed_bytes =
      type.kind == TypeKind::kFixed ? static_cast<uint32_t>(ObjectBytes(type, uint64_t{0})) : 0;
  CopyName(site->name, name);
  tables_->sites[tables_->num_sites++] = site;
  return *site;
}

void CodeSegment::Seal() {
  if (sealed_) return;
  if (mprotect(memory_.data(), memory_.size(), PROT_READ) != 0) {
    FatalError(absl::StrCat("code segment: mprotect failed: ", std::strerror(errno)));
  }
  sealed_ = true;
}

}  // namespace gclab
