// File: runtime/channel.h
//
// Go channels between mutators: make(chan *T, capacity), send, receive, close.
//
// As in Go, a channel is a heap object (Go's hchan) that owns its buffer, a pointer
// array in the heap. So the collector needs to know nothing about channels: what a
// channel holds is reachable from whoever holds the channel, every store into the
// buffer goes through the write barrier, and a moving collector moves the channel
// and its buffer like any other objects. What a blocked goroutine waits on cannot
// live in the heap (a waiter must not touch the heap while the world may be
// stopped), so the head, count and lock live off-heap in a ChannelState that the
// runtime owns and the channel object points to through a scalar field.
//
// Blocking is GC-safe: a sender or receiver that has to wait does so in a
// BlockingScope (it counts as stopped, so collections proceed without it), holding
// the value and the channel only in frame slots, which are roots and which a moving
// collector updates. The channel's lock is only ever held for a few loads and one
// barriered store, never across a poll or an allocation, so a thread waiting for it
// never holds up a stop for long.
//
// Differences from Go: capacity >= 1 (no unbuffered rendezvous channels); sending
// on a closed channel returns false instead of panicking (so a workload that hits
// out-of-memory on one thread can close its channels and let the others finish);
// ChannelStates are freed with the runtime, not when the channel is collected.
//
// Every Ref argument is a pointer to a root slot (a frame slot), never a Ref held in
// a C++ local: these calls may block, and a collection may run meanwhile.
#ifndef GCLAB_RUNTIME_CHANNEL_H_
#define GCLAB_RUNTIME_CHANNEL_H_

#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "runtime/code_segment.h"
#include "runtime/mutator.h"
#include "runtime/object.h"
#include "runtime/sync.h"

namespace gclab {

// The off-heap half of a channel.
struct ChannelState {
  explicit ChannelState(uint64_t capacity) : capacity(capacity) {}
  Mutex mu;
  const uint64_t capacity;
  uint64_t head ABSL_GUARDED_BY(mu) = 0;   // index of the oldest element in the buffer
  uint64_t count ABSL_GUARDED_BY(mu) = 0;  // elements buffered
  bool closed ABSL_GUARDED_BY(mu) = false;
};

// Every ChannelState of one runtime; they live as long as the runtime.
class ChannelStates {
 public:
  ChannelState* New(uint64_t capacity) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  Mutex mu_;
  std::deque<ChannelState> states_ ABSL_GUARDED_BY(mu_);  // a deque never moves them
};

// The types and the allocation site of channels; declared by a workload that uses
// them, before Runtime::Start.
struct ChannelTypes {
  const SiteInfo* channel = nullptr;  // hchan: escapes (it is shared between threads)
  const SiteInfo* buffer = nullptr;   // its element array
};
ChannelTypes DeclareChannelTypes(CodeSegment& code);

// make(chan, capacity): a new channel, stored into *out (a root slot). May collect.
void MakeChannel(Mutator& m, const ChannelTypes& types, uint64_t capacity, Ref* out);

// ch <- *value: blocks while the buffer is full. False (and nothing sent) if the
// channel is closed.
bool ChannelSend(Mutator& m, Ref* channel, Ref* value);

// *out = <-ch: blocks while the buffer is empty and the channel open. False (and
// *out null) once the channel is closed and drained.
bool ChannelReceive(Mutator& m, Ref* channel, Ref* out);

// close(ch): wakes every waiter; closing twice is harmless.
void ChannelClose(Mutator& m, Ref* channel);

}  // namespace gclab

#endif  // GCLAB_RUNTIME_CHANNEL_H_
