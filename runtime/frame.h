// File: runtime/frame.h
//
// A frame on a mutator's stack, and how roots are found in frames.
//
// Each mutator owns one stack region inside the runtime's stack segment. Frames are
// pushed and popped LIFO (FrameScope, in mutator.h), growing upward:
//
//   +-----------------+  <- Frame*
//   | function        |  const FunctionInfo* (code segment)
//   | caller          |  previous frame, or null
//   | arena_cursor    |  next free byte of this frame's arena
//   +-----------------+
//   | slot[0..n-1]    |  word slots; FunctionInfo::ref_slot_map marks the pointers
//   +-----------------+
//   | arena           |  objects from non-escaping allocation sites, packed;
//   |   ...           |  freed all at once when the frame pops
//   +-----------------+  <- Frame* + frame_bytes
//
// Pointer slots and every object in an arena are roots. Arena objects may point to
// heap objects and to arena objects in the same or older frames; nothing in the
// heap or data segment may point into a stack (the escape invariant).
#ifndef GCLAB_RUNTIME_FRAME_H_
#define GCLAB_RUNTIME_FRAME_H_

#include <bit>
#include <cstdint>

#include "runtime/code_segment.h"
#include "runtime/object.h"

namespace gclab {

struct Frame {
  const FunctionInfo* function;
  Frame* caller;
  uintptr_t arena_cursor;

  Ref* slots() { return reinterpret_cast<Ref*>(this + 1); }
  uintptr_t arena_begin() {
    return reinterpret_cast<uintptr_t>(slots() + function->num_slots);
  }
  uintptr_t arena_end() { return reinterpret_cast<uintptr_t>(this) + function->frame_bytes; }
};
static_assert(sizeof(Frame) == kFrameHeaderBytes);

// Calls visit(Object*) for every object in `frame`'s arena, oldest first.
template <typename Visit>
void ForEachArenaObject(Frame* frame, const CodeSegment& code, Visit&& visit) {
  for (uintptr_t p = frame->arena_begin(); p < frame->arena_cursor;) {
    auto* object = reinterpret_cast<Object*>(p);
    const size_t bytes = ObjectBytes(code.TypeOf(object), object);
    visit(object);
    p += bytes;
  }
}

// Calls visit(Ref* slot) for every root held by one frame: its pointer slots, then
// the pointer fields of its arena objects.
template <typename Visit>
void ForEachRootInFrame(Frame* frame, const CodeSegment& code, Visit&& visit) {
  Ref* slots = frame->slots();
  for (uint64_t map = frame->function->ref_slot_map; map != 0; map &= map - 1) {
    visit(slots + std::countr_zero(map));
  }
  ForEachArenaObject(frame, code, [&](Object* object) {
    ForEachRefSlot(object, code.TypeOf(object), visit);
  });
}

// The same for every frame from `top` down to the bottom of the stack.
template <typename Visit>
void ForEachFrameRoot(Frame* top, const CodeSegment& code, Visit&& visit) {
  for (Frame* frame = top; frame != nullptr; frame = frame->caller) {
    ForEachRootInFrame(frame, code, visit);
  }
}

}  // namespace gclab

#endif  // GCLAB_RUNTIME_FRAME_H_
