// The heap verifier: an independent traversal from the roots that checks what every
// collector must guarantee.
//  - every reachable object has an intact header: tag bit, known type, known site,
//    and a site that allocates that type;
//  - every pointer slot holds null, the start of an object the collector holds live
//    in the heap (the heap segment, or wherever a collector without one keeps
//    objects), or the start of an object in a live frame arena;
//  - nothing in the heap or the data segment points into a stack (the escape
//    invariant);
//  - optionally, the collector's live-byte count equals the bytes reached here.
// It uses its own visited bitmap and worklist (never recursion) and shares nothing
// with the collector but ForEachRefSlot and IsLiveObject.
#include <sys/mman.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/runtime.h"

namespace gclab {
namespace {

// A bit per heap-segment word, mapped rather than allocated and cleared: a poisoning
// collector's segment spans many budgets of address space (runtime/poison.h), and
// only the pages over live objects are ever touched.
class VisitedBits {
 public:
  explicit VisitedBits(size_t bits) : bytes_((bits + 63) / 64 * sizeof(uint64_t)) {
    if (bytes_ == 0) return;
    void* memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    GCLAB_CHECK(memory != MAP_FAILED, "heap verifier: cannot map its visited bitmap");
    words_ = static_cast<uint64_t*>(memory);
  }
  ~VisitedBits() {
    if (words_ != nullptr) munmap(words_, bytes_);
  }
  VisitedBits(const VisitedBits&) = delete;
  VisitedBits& operator=(const VisitedBits&) = delete;

  // Sets bit `index`; false if it was set already.
  bool Set(size_t index) {
    uint64_t& word = words_[index / 64];
    const uint64_t bit = uint64_t{1} << (index % 64);
    if (word & bit) return false;
    word |= bit;
    return true;
  }

 private:
  size_t bytes_;
  uint64_t* words_ = nullptr;
};

class Verifier {
 public:
  explicit Verifier(Runtime& runtime)
      : runtime_(runtime),
        code_(runtime.code()),
        heap_begin_(reinterpret_cast<uintptr_t>(runtime.heap().data())),
        visited_(runtime.heap().size() / kWordBytes) {}

  absl::Status Run(bool check_live_bytes) {
    if (absl::Status s = CollectArenaObjects(); !s.ok()) return s;
    // Globals: roots that must never point into a stack.
    absl::Status status;
    holder_ = [&](Ref* slot) { return runtime_.Describe(slot); };
    runtime_.data().ForEachRefSlot([&](Ref* slot) {
      if (status.ok()) status = CheckRef(*slot, slot, /*holder_on_stack=*/false);
    });
    if (!status.ok()) return status;
    // Frames: slots and arena objects may point anywhere live.
    runtime_.safepoints().ForEachMutator([&](Mutator& mutator) {
      for (Frame* frame = mutator.top_frame(); frame != nullptr; frame = frame->caller) {
        holder_ = [&](Ref* slot) {
          const bool in_slots = slot < frame->slots() + frame->function->num_slots;
          return absl::StrCat(in_slots ? "a pointer slot" : "a field of an arena object",
                              " of a frame of '", frame->function->name, "' on mutator ",
                              mutator.index());
        };
        ForEachRootInFrame(frame, code_, [&](Ref* slot) {
          if (status.ok()) status = CheckRef(*slot, slot, /*holder_on_stack=*/true);
        });
      }
    });
    if (!status.ok()) return status;
    while (!worklist_.empty()) {
      Ref object = worklist_.back();
      worklist_.pop_back();
      holder_ = [&](Ref* slot) {
        return absl::StrCat("field ", slot - reinterpret_cast<Ref*>(object->words()), " of ",
                            runtime_.Describe(object));
      };
      ForEachRefSlot(object, code_.TypeOf(object), [&](Ref* slot) {
        if (status.ok()) status = CheckRef(*slot, slot, /*holder_on_stack=*/false);
      });
      if (!status.ok()) return status;
    }
    if (check_live_bytes) {
      const size_t reported = runtime_.collector().Usage().live_bytes;
      if (reported != live_bytes_) {
        return absl::InternalError(absl::StrCat(
            "collector reports ", reported, " live bytes but ", live_bytes_,
            " bytes in ", live_objects_, " objects are reachable from the roots"));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckHeader(const Object* object) const {
    if (!object->has_header()) {
      return absl::InternalError(absl::StrCat(runtime_.Describe(object),
                                              ": header word has no tag bit (corrupt, or a "
                                              "forwarding pointer left behind)"));
    }
    if (object->type_id() >= code_.num_types() || object->site_id() >= code_.num_sites() ||
        code_.site(object->site_id()).type->id != object->type_id()) {
      return absl::InternalError(absl::StrCat(runtime_.Describe(object),
                                              ": header names an unknown type or site"));
    }
    return absl::OkStatus();
  }

  absl::Status CollectArenaObjects() {
    absl::Status status;
    runtime_.safepoints().ForEachMutator([&](Mutator& mutator) {
      for (Frame* frame = mutator.top_frame(); frame != nullptr; frame = frame->caller) {
        for (uintptr_t p = frame->arena_begin(); status.ok() && p < frame->arena_cursor;) {
          auto* object = reinterpret_cast<Object*>(p);
          status = CheckHeader(object);
          if (!status.ok()) break;
          arena_objects_.insert(object);
          p += ObjectBytes(code_.TypeOf(object), object);
        }
      }
    });
    return status;
  }

  absl::Status CheckRef(Ref value, Ref* slot, bool holder_on_stack) {
    if (value == nullptr) return absl::OkStatus();
    if (runtime_.InStackSegment(value)) {
      if (!holder_on_stack) {
        return absl::InternalError(
            absl::StrCat("escape invariant violated: ", HolderOf(slot), " points at ",
                         runtime_.Describe(value), ", which lives on a stack"));
      }
      if (!arena_objects_.contains(value)) {
        return absl::InternalError(absl::StrCat(HolderOf(slot), " points at stack address ",
                                                runtime_.Describe(value),
                                                ", which is not an object in a live frame"));
      }
      return absl::OkStatus();
    }
    if (!runtime_.InHeap(value)) {
      return absl::InternalError(absl::StrCat(HolderOf(slot), " holds ",
                                              runtime_.Describe(value),
                                              ", which is not in the heap or a stack"));
    }
    if (!MarkVisited(value)) return absl::OkStatus();
    if (!runtime_.collector().IsLiveObject(value)) {
      // Not Describe(): it says the same about an object the collector does not hold.
      return absl::InternalError(absl::StrFormat(
          "%s points at heap address %p, which the collector does not hold live: a "
          "reachable object was lost",
          HolderOf(slot), static_cast<const void*>(value)));
    }
    if (absl::Status s = CheckHeader(value); !s.ok()) return s;
    const size_t bytes = ObjectBytes(code_.TypeOf(value), value);
    if (!runtime_.heap().empty() &&
        !runtime_.InHeap(reinterpret_cast<std::byte*>(value) + bytes - 1)) {
      return absl::InternalError(
          absl::StrCat(runtime_.Describe(value), " runs past the end of the heap"));
    }
    live_bytes_ += bytes;
    ++live_objects_;
    worklist_.push_back(value);
    return absl::OkStatus();
  }

  // False if `object` was visited before.
  bool MarkVisited(const Object* object) {
    if (runtime_.heap().empty()) return visited_outside_segment_.insert(object).second;
    return visited_.Set((reinterpret_cast<uintptr_t>(object) - heap_begin_) / kWordBytes);
  }

  // Names the root or object field `slot`, for error messages.
  std::string HolderOf(Ref* slot) const { return holder_(slot); }

  Runtime& runtime_;
  const CodeSegment& code_;
  uintptr_t heap_begin_;
  VisitedBits visited_;  // a bit per heap-segment word
  absl::flat_hash_set<const Object*> visited_outside_segment_;  // no heap segment
  std::vector<Ref> worklist_;
  absl::flat_hash_set<const Object*> arena_objects_;
  std::function<std::string(Ref*)> holder_;
  size_t live_bytes_ = 0;
  size_t live_objects_ = 0;
};

}  // namespace

absl::Status Runtime::VerifyHeap(bool check_live_bytes) {
  return Verifier(*this).Run(check_live_bytes);
}

}  // namespace gclab
