// File: runtime/data_segment.h
//
// The data segment: global variables, Go's data and bss. Each global is one word
// slot in the segment's memory; a pointer map (Go's gcdatamask) says which slots
// hold pointers, and those slots are roots for every collection.
//
// Globals are defined before Runtime::Start and live for the whole run. Pointer
// globals are written through Mutator::StoreGlobal so the write barrier sees them.
//
// Thread safety: Define* before Start from one thread. Slot reads and writes follow
// the program's own synchronisation; collectors read pointer slots with the world
// stopped or with relaxed atomic loads.
#ifndef GCLAB_RUNTIME_DATA_SEGMENT_H_
#define GCLAB_RUNTIME_DATA_SEGMENT_H_

#include <cstdint>
#include <span>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "runtime/base.h"
#include "runtime/object.h"

namespace gclab {

// A handle to one global slot.
struct Global {
  uint32_t index;
};

class DataSegment {
 public:
  explicit DataSegment(std::span<std::byte> memory);
  DataSegment(const DataSegment&) = delete;
  DataSegment& operator=(const DataSegment&) = delete;

  // A global that holds a pointer (a root) or a plain word.
  Global DefineRef(absl::string_view name);
  Global DefineWord(absl::string_view name);
  // Ends the declaration phase; called by Runtime::Start.
  void Freeze() { frozen_ = true; }

  Ref LoadRef(Global g) const { return LoadRefRelaxed(reinterpret_cast<Ref*>(&slots_[g.index])); }
  Ref* ref_slot(Global g) { return reinterpret_cast<Ref*>(&slots_[g.index]); }
  int64_t& word(Global g) { return reinterpret_cast<int64_t&>(slots_[g.index]); }

  size_t num_globals() const { return names_.size(); }
  // The global whose slot holds `p`, if any.
  bool IndexOf(const void* p, uint32_t* index) const {
    if (!Contains(p)) return false;
    *index = static_cast<uint32_t>(static_cast<const uint64_t*>(p) - slots_);
    return *index < names_.size();
  }
  const std::string& name(uint32_t index) const { return names_[index]; }
  std::span<const uint32_t> ref_indices() const { return ref_indices_; }
  bool Contains(const void* p) const {
    return p >= static_cast<const void*>(slots_) && p < static_cast<const void*>(slots_ + capacity_);
  }

  // Calls visit(Ref* slot) for every pointer global.
  template <typename Visit>
  void ForEachRefSlot(Visit&& visit) {
    for (uint32_t index : ref_indices_) visit(reinterpret_cast<Ref*>(&slots_[index]));
  }

 private:
  Global Define(absl::string_view name, bool is_ref);

  uint64_t* slots_;
  size_t capacity_;
  std::vector<std::string> names_;
  std::vector<uint32_t> ref_indices_;
  bool frozen_ = false;
};

}  // namespace gclab

#endif  // GCLAB_RUNTIME_DATA_SEGMENT_H_
