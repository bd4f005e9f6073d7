#include "runtime/channel.h"

#include <thread>

#include "runtime/runtime.h"

namespace gclab {
namespace {

constexpr size_t kBuffer = 0;  // hchan.buf: the element array
constexpr size_t kState = 1;   // hchan's off-heap ChannelState*, as a scalar
// Before parking, yield the processor this many times: a peer on another thread
// usually makes room within microseconds, and parking and waking cost tens (as
// Go's scheduler spins briefly before parking a goroutine on a channel).
constexpr int kYieldsBeforeParking = 16;

// Whether to wait by yielding (true) or by parking; counts the attempt.
bool YieldFirst(Mutator& m, int& attempts) {
  if (attempts++ >= kYieldsBeforeParking) return false;
  m.Poll();
  std::this_thread::yield();
  return true;
}

ChannelState& StateOf(Ref channel) {
  return *reinterpret_cast<ChannelState*>(channel->i64(kState));
}

}  // namespace

ChannelState* ChannelStates::New(uint64_t capacity) {
  MutexLock lock(&mu_);
  return &states_.emplace_back(capacity);
}

ChannelTypes DeclareChannelTypes(CodeSegment& code) {
  const TypeInfo& hchan = code.DefineStruct("runtime.hchan", 2, {kBuffer});
  const TypeInfo& buffer = code.DefineRefArray("runtime.hchan.buf");
  return {.channel = &code.DefineSite("runtime.makechan", hchan, Escape::kEscapes),
          .buffer = &code.DefineSite("runtime.makechan.buf", buffer, Escape::kEscapes)};
}

void MakeChannel(Mutator& m, const ChannelTypes& types, uint64_t capacity, Ref* out) {
  GCLAB_CHECK(capacity >= 1, "MakeChannel: capacity must be at least 1");
  *out = m.Allocate(*types.channel);
  Ref buffer = m.AllocateArray(*types.buffer, capacity);  // *out is a root meanwhile
  m.Store(*out, kBuffer, buffer);
  (*out)->i64(kState) =
      reinterpret_cast<int64_t>(m.runtime().channel_states().New(capacity));
}

bool ChannelSend(Mutator& m, Ref* channel, Ref* value) {
  for (int attempts = 0;;) {
    ChannelState& state = StateOf(*channel);
    {
      MutexLock lock(&state.mu);
      if (state.closed) return false;
      if (state.count < state.capacity) {
        const uint64_t tail = (state.head + state.count) % state.capacity;
        m.StoreElement((*channel)->ref(kBuffer), tail, *value);
        ++state.count;
        return true;
      }
    }
    if (YieldFirst(m, attempts)) continue;
    // Full: wait off the heap, counted as stopped; then look again (a collection
    // may have moved the channel and the value meanwhile).
    BlockingScope blocked(m);
    MutexLock lock(&state.mu);
    state.mu.Await([&state]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return state.closed || state.count < state.capacity;
    });
  }
}

bool ChannelReceive(Mutator& m, Ref* channel, Ref* out) {
  for (int attempts = 0;;) {
    ChannelState& state = StateOf(*channel);
    {
      MutexLock lock(&state.mu);
      if (state.count > 0) {
        Ref buffer = (*channel)->ref(kBuffer);
        *out = buffer->element(state.head);
        m.StoreElement(buffer, state.head, nullptr);  // the buffer must not keep it alive
        state.head = (state.head + 1) % state.capacity;
        --state.count;
        return true;
      }
      if (state.closed) {
        *out = nullptr;
        return false;
      }
    }
    if (YieldFirst(m, attempts)) continue;
    BlockingScope blocked(m);
    MutexLock lock(&state.mu);
    state.mu.Await([&state]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return state.closed || state.count > 0;
    });
  }
}

void ChannelClose(Mutator&, Ref* channel) {
  ChannelState& state = StateOf(*channel);
  MutexLock lock(&state.mu);
  state.closed = true;
}

}  // namespace gclab
