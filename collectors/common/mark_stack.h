// File: collectors/common/mark_stack.h
//
// The stop-the-world marker's loop over an explicit mark stack (never recursion: a
// ten-million-node list marks with a stack of one entry), shared by the collectors
// that mark with the world stopped. How an object is marked (a side bitmap, a header
// bit) stays the collector's: its `mark_slot(Ref* slot)` marks what the slot points
// at and pushes it if it was not marked before.
#ifndef GCLAB_COLLECTORS_COMMON_MARK_STACK_H_
#define GCLAB_COLLECTORS_COMMON_MARK_STACK_H_

#include <cstddef>
#include <vector>

#include "runtime/code_segment.h"
#include "runtime/object.h"

namespace gclab {

// Scans objects popped from `stack` until it is empty; returns their bytes. Each
// object is also shown to `on_object(Ref, size_t bytes)` (a census by site, say).
template <typename MarkSlot, typename OnObject>
GCLAB_ALWAYS_INLINE size_t DrainMarkStack(std::vector<Ref>& stack, const CodeSegment& code,
                                          MarkSlot&& mark_slot, OnObject&& on_object) {
  size_t bytes = 0;
  while (!stack.empty()) {
    Ref object = stack.back();
    stack.pop_back();
    const TypeInfo& type = code.TypeOf(object);
    const size_t object_bytes = ObjectBytes(type, object);
    bytes += object_bytes;
    on_object(object, object_bytes);
    ForEachRefSlot(object, type, mark_slot);
  }
  return bytes;
}

template <typename MarkSlot>
GCLAB_ALWAYS_INLINE size_t DrainMarkStack(std::vector<Ref>& stack, const CodeSegment& code,
                                          MarkSlot&& mark_slot) {
  return DrainMarkStack(stack, code, mark_slot, [](Ref, size_t) {});
}

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_COMMON_MARK_STACK_H_
