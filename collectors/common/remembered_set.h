// File: collectors/common/remembered_set.h
//
// The remembered set of a non-moving old space (a MarkSweepSpace) over a young space:
// where old objects may point at young ones, so that a minor collection can treat
// those slots as roots instead of tracing the old space. Three forms, each kept by
// one of the runtime's where-barriers (runtime/mutator.h), as in MMTk's and Whippet's
// generational plans:
//
//   kFields   field logging: a side bit per old word, "unlogged"; a store into an
//             unlogged slot logs the slot and clears the bit. One log entry per slot.
//   kObjects  object logging: an "unlogged" header bit; a store into an unlogged
//             object logs the object and clears the bit; the collection scans it whole.
//   kCards    card marking: a byte per card of the old space, dirtied by every store
//             from old to young; the collection scans the objects on dirty cards.
//
// Besides what the barrier logs, the set holds objects made directly in the old space
// since the last collection (their first stores may not be logged: their headers did
// not exist when the barrier was armed), scanned whole, and the old slots a collection
// left pointing at young objects that stayed young (survivors, or objects with no room
// to be promoted).
//
// Invariant: between collections, every old slot that holds a young reference is
// logged, in a logged object, on a dirty card, in an object to scan, or kept from the
// last collection, unless the owning collector scans its object itself (generational's
// pretenured objects under object logging or cards, whose headers and mark bits the
// barrier cannot rely on yet). A collection that consumes the set re-arms what it
// consumed (ConsumedByCollection), or re-arms everything after a full mark (ArmAll);
// field logging's bits start armed, so a free cell's slots are always logged by their
// first store.
//
// Thread safety: TakeLogs and ScanAtNextCollection from mutators (an internal mutex);
// everything else with the world stopped.
#ifndef GCLAB_COLLECTORS_COMMON_REMEMBERED_SET_H_
#define GCLAB_COLLECTORS_COMMON_REMEMBERED_SET_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "collectors/common/mark_sweep_space.h"
#include "runtime/code_segment.h"
#include "runtime/mutator.h"
#include "runtime/object.h"
#include "runtime/sync.h"

namespace gclab {

enum class RememberedSetForm : uint8_t { kFields, kObjects, kCards };

class RememberedSet {
 public:
  // The set of `old` (holders) over young values in [young_begin, young_begin +
  // young_bytes), kept in `form`; `card_bytes` (a power of two) for kCards.
  void Init(RememberedSetForm form, const MarkSweepSpace& old, uintptr_t young_begin,
            size_t young_bytes, size_t card_bytes, const CodeSegment& code) {
    form_ = form;
    old_ = &old;
    code_ = &code;
    card_bytes_ = card_bytes;
    card_shift_ = static_cast<uint32_t>(std::countr_zero(card_bytes));
    // The where-barrier records a store only from an old holder to a young value.
    where_.holder_begin = old.begin();
    where_.holder_span = old.end() - old.begin();
    where_.value_begin = young_begin;
    where_.value_span = young_bytes;
    if (form == RememberedSetForm::kCards) {
      cards_.assign((old.end() - old.begin()) >> card_shift_, Card::kClean);
      where_.card_table_biased = cards_.data() - (old.begin() >> card_shift_);
      where_.card_shift = card_shift_;
    } else if (form == RememberedSetForm::kFields) {
      // Every slot starts unlogged, and a collection re-arms each slot it consumes:
      // so a free cell's bits are always set, and the first stores into an object
      // made there (a pretenured one) are logged.
      unlogged_.assign(((old.end() - old.begin()) >> 9) + 1, ~uint64_t{0});
      where_.unlogged_biased = unlogged_.data() - (old.begin() >> 9);
    }
  }

  RememberedSetForm form() const { return form_; }
  // What a mutator's where-barrier needs (Mutator::set_where_barrier).
  const WhereBarrier& where() const { return where_; }
  // The barrier that keeps this form.
  BarrierKind barrier() const {
    switch (form_) {
      case RememberedSetForm::kFields: return BarrierKind::kFieldLogging;
      case RememberedSetForm::kObjects: return BarrierKind::kObjectLogging;
      case RememberedSetForm::kCards: return BarrierKind::kCardMarking;
    }
    return BarrierKind::kNone;
  }

  // Moves a mutator's barrier logs into the set (its FlushWriteBarrier, or a pause).
  void TakeLogs(Mutator& mutator) {
    MutexLock lock(&mu_);
    for (Ref* slot : mutator.logged_slots()) slots_.push_back(slot);
    for (Ref holder : mutator.write_barrier_log()) objects_.push_back(holder);
    mutator.ClearWriteBarrierLog();
  }

  // An object made directly in the old space: scanned whole at the next collection.
  void ScanAtNextCollection(Ref object) {
    MutexLock lock(&mu_);
    to_scan_.push_back(object);
  }

  // World stopped. Calls visit(Ref* slot) for every slot of the set: logged slots,
  // every slot of logged objects and of objects to scan, and (cards) the slots on
  // dirty cards of the allocated objects there, an object being allocated when its
  // bit in `allocated` is set. With `live` (a bitmap of the objects a full mark found),
  // only the slots of live holders.
  template <typename Visit>
  void ForEachSlot(const SideBitmap& allocated, const SideBitmap* live, Visit&& visit)
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    auto is_live = [&](uintptr_t object) {
      return live == nullptr || live->Test(live->BitOf(object));
    };
    for (Ref* slot : slots_) {
      if (live == nullptr || is_live(HolderOf(reinterpret_cast<uintptr_t>(slot)))) visit(slot);
    }
    for (const std::vector<Ref>* list : {&objects_, &to_scan_}) {
      for (Ref holder : *list) {
        if (is_live(reinterpret_cast<uintptr_t>(holder))) {
          ForEachRefSlot(holder, code_->TypeOf(holder), visit);
        }
      }
    }
    if (form_ == RememberedSetForm::kCards) {
      for (size_t card = 0; card < cards_.size(); ++card) {
        if (cards_[card] == Card::kDirty) ScanCard(card, allocated, visit);
      }
    }
  }

  // Makes the barrier record the next store into `object` (a promoted one, or one
  // whose log entry a collection has just consumed). Field logging arms its pointer
  // slots only: a byte array has none to log.
  void Arm(Ref object) {
    switch (form_) {
      case RememberedSetForm::kFields:
        ForEachRefSlot(object, code_->TypeOf(object), [this](Ref* slot) { ArmSlot(slot); });
        return;
      case RememberedSetForm::kObjects:
        object->header |= kUnloggedBit;
        return;
      case RememberedSetForm::kCards:
        return;
    }
  }
  // Field logging: the next store into `slot` is logged.
  void ArmSlot(Ref* slot) {
    const auto address = reinterpret_cast<uintptr_t>(slot);
    unlogged_[(address - old_->begin()) >> 9] |= uint64_t{1} << ((address >> 3) & 63);
  }
  // Field logging, after a full collection: every old slot is logged by its next store.
  void ArmAll() { std::fill(unlogged_.begin(), unlogged_.end(), ~uint64_t{0}); }

  // World stopped, once a collection has traced every slot of the set: what it
  // consumed is recorded again by its next store (`rearm_logged`: a minor collection;
  // a full one re-arms everything instead), the cards are clean, and the set is empty
  // until the collection Keeps the slots it left pointing at young objects.
  void ConsumedByCollection(bool rearm_logged) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (rearm_logged) {
      if (form_ == RememberedSetForm::kFields) {
        for (Ref* slot : slots_) ArmSlot(slot);
      }
      for (Ref holder : objects_) holder->header |= kUnloggedBit;
    }
    for (Ref object : to_scan_) Arm(object);
    slots_.clear();
    objects_.clear();
    to_scan_.clear();
    std::fill(cards_.begin(), cards_.end(), Card::kClean);
  }

  // World stopped: old slots a collection left pointing at young objects (survivors,
  // or objects with no room to be promoted), roots of the next minor collection.
  void Keep(std::vector<Ref*> still_young) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    slots_ = std::move(still_young);
  }

  // World stopped, after a full mark in `live`: forgets the entries of dead holders,
  // whose cells later allocation may reuse.
  void ForgetDeadHolders(const SideBitmap& live) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    auto dead = [&](uintptr_t holder) { return !live.Test(live.BitOf(holder)); };
    std::erase_if(slots_, [&](Ref* slot) { return dead(HolderOf(reinterpret_cast<uintptr_t>(slot))); });
    std::erase_if(objects_, [&](Ref holder) { return dead(reinterpret_cast<uintptr_t>(holder)); });
    std::erase_if(to_scan_, [&](Ref object) { return dead(reinterpret_cast<uintptr_t>(object)); });
  }

 private:
  // The start of the old-space object that holds `address` (an allocated slot).
  uintptr_t HolderOf(uintptr_t address) const {
    const BlockSpace& blocks = old_->blocks();
    auto block = static_cast<uint32_t>((address - old_->begin()) / BlockSpace::kBlockBytes);
    if (blocks[block].state == BlockState::kSmall) {
      const size_t cell = kSizeClassBytes[blocks[block].size_class];
      const uintptr_t begin = blocks.BlockBegin(block);
      return begin + (address - begin) / cell * cell;
    }
    while (blocks[block].state == BlockState::kLargeTail) --block;
    return blocks.BlockBegin(block);
  }

  // Visits the slots on card `card` of the allocated objects that overlap it.
  template <typename Visit>
  void ScanCard(size_t card, const SideBitmap& allocated, Visit&& visit) {
    const uintptr_t begin = old_->begin() + (uintptr_t{card} << card_shift_);
    const uintptr_t end = begin + card_bytes_;
    auto visit_in_card = [&](uintptr_t object_address) {
      if (!allocated.Test(allocated.BitOf(object_address))) return;  // a free cell
      auto* object = reinterpret_cast<Object*>(object_address);
      const TypeInfo& type = code_->TypeOf(object);
      if (type.kind == TypeKind::kRefArray) {
        // Only the elements on this card: a large array spans many.
        const auto first = reinterpret_cast<uintptr_t>(object->element_slot(0));
        const uint64_t from = begin > first ? (begin - first) / kWordBytes : 0;
        const uint64_t to = std::min<uint64_t>(object->length(),
                                               end > first ? (end - first + 7) / kWordBytes : 0);
        for (uint64_t i = from; i < to; ++i) visit(object->element_slot(i));
        return;
      }
      ForEachRefSlot(object, type, [&](Ref* slot) {
        const auto address = reinterpret_cast<uintptr_t>(slot);
        if (address >= begin && address < end) visit(slot);
      });
    };
    const BlockSpace& blocks = old_->blocks();
    const auto block = static_cast<uint32_t>((begin - old_->begin()) / BlockSpace::kBlockBytes);
    switch (blocks[block].state) {
      case BlockState::kFree:
        return;
      case BlockState::kSmall: {
        const size_t cell = kSizeClassBytes[blocks[block].size_class];
        const uintptr_t block_begin = blocks.BlockBegin(block);
        const uintptr_t cells_end = block_begin + BlockSpace::kBlockBytes / cell * cell;
        for (uintptr_t p = block_begin + (begin - block_begin) / cell * cell;
             p < end && p < cells_end; p += cell) {
          visit_in_card(p);
        }
        return;
      }
      case BlockState::kLargeHead:
      case BlockState::kLargeTail:
        visit_in_card(HolderOf(begin));
        return;
    }
  }

  RememberedSetForm form_ = RememberedSetForm::kFields;
  const MarkSweepSpace* old_ = nullptr;
  const CodeSegment* code_ = nullptr;
  WhereBarrier where_;
  size_t card_bytes_ = 512;
  uint32_t card_shift_ = 9;
  std::vector<Card> cards_;         // kCards: one byte per card of the old space
  std::vector<uint64_t> unlogged_;  // kFields: one bit per word of the old space

  Mutex mu_;  // mutators flush their logs concurrently
  std::vector<Ref*> slots_ ABSL_GUARDED_BY(mu_);     // logged slots, and those kept
  std::vector<Ref> objects_ ABSL_GUARDED_BY(mu_);    // logged objects
  std::vector<Ref> to_scan_ ABSL_GUARDED_BY(mu_);    // made in the old space since
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_REMEMBERED_SET_H_
