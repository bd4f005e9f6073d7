#include "runtime/data_segment.h"

#include "absl/strings/str_cat.h"

namespace gclab {

DataSegment::DataSegment(std::span<std::byte> memory)
    : slots_(reinterpret_cast<uint64_t*>(memory.data())),
      capacity_(memory.size() / kWordBytes) {}

Global DataSegment::Define(absl::string_view name, bool is_ref) {
  if (frozen_) {
    FatalError(absl::StrCat("data segment: cannot define global '", name,
                            "' after Runtime::Start"));
  }
  if (names_.size() >= capacity_) {
    FatalError(absl::StrCat("data segment full (", capacity_,
                            " globals): raise RuntimeConfig::data_bytes"));
  }
  const auto index = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  if (is_ref) ref_indices_.push_back(index);
  return Global{index};
}

Global DataSegment::DefineRef(absl::string_view name) { return Define(name, true); }
Global DataSegment::DefineWord(absl::string_view name) { return Define(name, false); }

}  // namespace gclab
