// pipeline: goroutines connected by channels. Producers allocate messages,
// transformers turn each message into a smaller result, consumers drop the results:
// every object is made on one thread and dies on another.
//
// The Go program it corresponds to:
//
//   type Msg struct{ payload []byte; seq int64 }
//   type Result struct{ seq, digest int64 }
//   msgs, results := make(chan *Msg, 64), make(chan *Result, 64)
//
//   producer: for seq := range mine { msgs <- &Msg{makePayload(seq), seq} }
//                                        // Msg and payload escape: sent on a channel
//   transformer: for m := range msgs {
//                  var lanes [8]int64    // does not escape
//                  results <- &Result{m.seq, digest(m.payload, lanes[:])}   // escapes
//                }
//   consumer: for r := range results { sum += r.digest; n++ }
//
// Channels are the runtime's (runtime/channel.h): heap objects whose buffers the
// collector traces like any other array, with blocked senders and receivers parked
// off the heap, counted as stopped. The last producer closes msgs, the last
// transformer closes results.
//
// Threads: with --threads=T >= 3, thread i runs stage i % 3 (so T = 4 has two
// producers). With fewer threads the missing stages run on the last thread in turn:
// T = 2 is a producer plus a thread that transforms and consumes; T = 1 runs all
// three, passing every message through both channels. M messages in total, whatever
// T. One op is one message delivered; a latency batch is 100 messages handled by a
// thread (produced, transformed or consumed).
//
// Checked by: the count, the sum of sequence numbers and the sum of digests the
// consumers saw, against the same figures computed from 0..M-1.
// Checksum: Mix(Mix(Mix(0, count), sequence sum), digest sum).
#include <atomic>
#include <array>
#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "runtime/channel.h"
#include "runtime/mutator.h"
#include "runtime/out_of_memory.h"
#include "runtime/sync.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

constexpr size_t kPayload = 0, kSeq = 1;  // Msg
constexpr size_t kResultSeq = 0, kDigest = 1;  // Result
constexpr uint64_t kCapacity = 64;
constexpr uint64_t kLanes = 8;
constexpr uint64_t kItemsPerBatch = 100;
constexpr int kStages = 3;

uint64_t MessagesFor(WorkloadSize size) {
  return ForSize<uint64_t>(size, 60'000, 3'000'000, 15'000'000);  // small, default, large
}

uint64_t PayloadBytes(uint64_t seq) { return 64 + seq % 193; }
uint8_t PayloadByte(uint64_t seq, uint64_t i) { return static_cast<uint8_t>(seq * 31 + i * 7); }

// The digest of a payload, through eight lanes.
uint64_t Digest(const uint8_t* bytes, uint64_t n, uint64_t* lanes) {
  for (uint64_t i = 0; i < n; ++i) lanes[i % kLanes] = lanes[i % kLanes] * 131 + bytes[i];
  uint64_t digest = 0;
  for (uint64_t k = 0; k < kLanes; ++k) digest = Mix(digest, lanes[k]);
  return digest;
}

uint64_t ExpectedDigest(uint64_t seq) {
  uint8_t bytes[64 + 193];
  const uint64_t n = PayloadBytes(seq);
  for (uint64_t i = 0; i < n; ++i) bytes[i] = PayloadByte(seq, i);
  uint64_t lanes[kLanes] = {};
  return Digest(bytes, n, lanes);
}

class Pipeline final : public Workload {
 public:
  static constexpr WorkloadText kText{
      .name = "pipeline",
      .description = "goroutines joined by channels: producers allocate messages, "
                     "transformers replace them by results, consumers drop them",
      .parameters = "size: small = 60,000 messages; default = 3,000,000; large = "
                    "15,000,000 (payloads 64..256 bytes, channel capacity 64). threads: "
                    "T >= 3 runs stage i % 3 on thread i; T = 2 and T = 1 run the "
                    "missing stages in turn on the last thread",
      .units = "op = one message delivered; latency batch = 100 messages handled by a thread"};

  explicit Pipeline(const WorkloadParams& params)
      : messages_(MessagesFor(params.size)), threads_(params.threads) {
    for (int t = 0; t < threads_; ++t) {
      const auto [first, last] = StagesOf(t);
      if (first == 0) ++producers_;
      for (int s = first; s <= last; ++s) ++stage_threads_[s];
    }
    for (int s = 0; s < kStages; ++s) stage_left_[s] = stage_threads_[s];
  }

  void Declare(CodeSegment& code, DataSegment& data) override {
    channel_types_ = DeclareChannelTypes(code);
    const TypeInfo& msg = code.DefineStruct("Msg", 2, {kPayload});
    const TypeInfo& bytes = code.DefineByteArray("[]byte");
    const TypeInfo& result = code.DefineStruct("Result", 2, {});
    sites_[kNewMsg] = &code.DefineSite("pipeline.Msg", msg, Escape::kEscapes);
    sites_[kNewPayload] = &code.DefineSite("pipeline.makePayload", bytes, Escape::kEscapes);
    sites_[kNewResult] = &code.DefineSite("pipeline.Result", result, Escape::kEscapes);
    sites_[kNewLanes] = &code.DefineSite("pipeline.lanes", bytes, Escape::kNoEscape);
    functions_[kStage] = &code.DefineFunction("stage", 2, {0, 1});
    functions_[kTransform] = &code.DefineFunction("transform", 1, {0}, 16 + 8 * kLanes);
    channels_[0] = data.DefineRef("pipeline.msgs");
    channels_[1] = data.DefineRef("pipeline.results");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    // Both channel buffers full, plus one message per thread in flight.
    const size_t msg = 24 + 16 + 160;
    return (kCapacity + static_cast<size_t>(threads_)) * (msg + 24) + 2 * (24 + 16 + 8 * kCapacity);
  }

  void Setup(Mutator& m) override { MakeChannels(m); }

  void Run(Mutator& m, RunContext& context) override {
    try {
      RunStages(m, context.thread, *context.timer);
    } catch (const OutOfMemory&) {
      // Let the other goroutines finish instead of waiting forever.
      for (Global channel : channels_) Close(m, channel);
      throw;
    }
    if (finished_.fetch_add(1) + 1 == threads_) {
      // Every other thread is done with this run's channels: make the next run's.
      finished_ = 0;
      for (int s = 0; s < kStages; ++s) stage_left_[s] = stage_threads_[s];
      MakeChannels(m);
      MutexLock lock(&mu_);
      last_ = current_;
      current_ = {};
    }
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    Totals expected;
    for (uint64_t seq = 0; seq < messages_; ++seq) {
      ++expected.count;
      expected.seq_sum += seq;
      expected.digest_sum += ExpectedDigest(seq);
    }
    MutexLock lock(&mu_);
    if (last_.count != expected.count || last_.seq_sum != expected.seq_sum ||
        last_.digest_sum != expected.digest_sum) {
      return absl::DataLossError(absl::StrCat(
          "pipeline: consumers saw ", last_.count, " messages (sequence sum ", last_.seq_sum,
          ", digest sum ", last_.digest_sum, "), expected ", expected.count, " (",
          expected.seq_sum, ", ", expected.digest_sum, ")"));
    }
    return absl::OkStatus();
  }

  uint64_t ops() const override {
    MutexLock lock(&mu_);
    return last_.count;
  }

  uint64_t Checksum() const override {
    MutexLock lock(&mu_);
    return Mix(Mix(Mix(0, last_.count), last_.seq_sum), last_.digest_sum);
  }

  // A thread that runs all three stages counts each message three times.
  size_t BatchesPerThread() const override { return 3 * messages_ / kItemsPerBatch + 1; }

 private:
  struct Totals {
    uint64_t count = 0;
    uint64_t seq_sum = 0;
    uint64_t digest_sum = 0;
  };

  // The first and last stage thread t runs (see the header).
  std::pair<int, int> StagesOf(int t) const {
    if (threads_ >= kStages) return {t % kStages, t % kStages};
    if (threads_ == 1) return {0, 2};
    return t == 0 ? std::pair{0, 0} : std::pair{1, 2};
  }

  void MakeChannels(Mutator& m) {
    FrameScope f(m, *functions_[kStage]);
    for (Global channel : channels_) {
      MakeChannel(m, channel_types_, kCapacity, &f[0]);
      m.StoreGlobal(channel, f[0]);
    }
  }

  void Close(Mutator& m, Global channel) {
    FrameScope f(m, *functions_[kStage]);
    f[0] = data_->LoadRef(channel);
    ChannelClose(m, &f[0]);
  }

  void RunStages(Mutator& m, int thread, BatchTimer& timer) {
    const auto stages = StagesOf(thread);
    const int first = stages.first, last = stages.second;  // (lambdas cannot capture bindings)
    FrameScope f(m, *functions_[kStage]);  // 0: the channel in use, 1: the item in hand
    Totals consumed;
    uint64_t handled = 0;
    auto take = [&]() -> bool {
      if (first == 0) return false;  // producers take nothing
      f[0] = data_->LoadRef(channels_[first - 1]);
      return ChannelReceive(m, &f[0], &f[1]);
    };
    // Carries the item in f[1] from stage `first` through `last`, then hands it on.
    // False if a channel was closed under it (another thread failed).
    auto carry = [&]() -> bool {
      for (int s = first;; ++s) {
        if (s == 1) Transform(m, f[1]);
        if (s == 2) {
          ++consumed.count;
          consumed.seq_sum += static_cast<uint64_t>(f[1]->i64(kResultSeq));
          consumed.digest_sum += static_cast<uint64_t>(f[1]->i64(kDigest));
          f[1] = nullptr;  // dropped
        }
        if (++handled % kItemsPerBatch == 0) timer.BatchDone();
        if (s == 2) return true;
        f[0] = data_->LoadRef(channels_[s]);
        if (!ChannelSend(m, &f[0], &f[1])) return false;
        if (s == last) return true;
        // Our own item back: this thread is the channel's only receiver.
        if (!ChannelReceive(m, &f[0], &f[1])) return false;
      }
    };
    if (first == 0) {
      const uint64_t producer = ProducerIndex(thread);
      for (uint64_t seq = producer; seq < messages_; seq += producers_) {
        Produce(m, seq, f[1]);
        if (!carry()) break;
        m.Poll();
      }
    } else {
      while (take() && carry()) {
        m.Poll();
      }
    }
    // The last thread out of a stage closes that stage's output channel.
    for (int s = first; s <= last && s < 2; ++s) {
      if (stage_left_[s].fetch_sub(1) == 1) Close(m, channels_[s]);
    }
    MutexLock lock(&mu_);
    current_.count += consumed.count;
    current_.seq_sum += consumed.seq_sum;
    current_.digest_sum += consumed.digest_sum;
  }

  uint64_t ProducerIndex(int thread) const {
    uint64_t index = 0;
    for (int t = 0; t < thread; ++t) index += StagesOf(t).first == 0 ? 1 : 0;
    return index;
  }

  // msg := &Msg{makePayload(seq), seq}, into `out` (a root slot).
  void Produce(Mutator& m, uint64_t seq, Ref& out) {
    out = m.Allocate(*sites_[kNewMsg]);
    out->i64(kSeq) = static_cast<int64_t>(seq);
    const uint64_t n = PayloadBytes(seq);
    Ref payload = m.AllocateArray(*sites_[kNewPayload], n);  // out is a root meanwhile
    for (uint64_t i = 0; i < n; ++i) payload->bytes()[i] = PayloadByte(seq, i);
    m.Store(out, kPayload, payload);
  }

  // Replaces the message in `item` (a root slot) by its result.
  void Transform(Mutator& m, Ref& item) {
    FrameScope f(m, *functions_[kTransform]);  // 0: the lanes (on the stack with escape analysis)
    f[0] = m.AllocateArray(*sites_[kNewLanes], 8 * kLanes);
    const int64_t seq = item->i64(kSeq);
    Ref payload = item->ref(kPayload);
    const uint64_t digest = Digest(payload->bytes(), payload->length(),
                                   reinterpret_cast<uint64_t*>(f[0]->bytes()));
    Ref result = m.Allocate(*sites_[kNewResult]);
    result->i64(kResultSeq) = seq;
    result->i64(kDigest) = static_cast<int64_t>(digest);
    item = result;
  }

  const uint64_t messages_;
  const int threads_;
  uint64_t producers_ = 0;
  int stage_threads_[kStages] = {};
  ChannelTypes channel_types_;
  enum Site : uint8_t { kNewMsg, kNewPayload, kNewResult, kNewLanes, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kStage, kTransform, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global channels_[2] = {};
  DataSegment* data_ = nullptr;

  std::atomic<int> finished_{0};
  std::atomic<int> stage_left_[kStages] = {};
  mutable Mutex mu_;
  Totals current_ ABSL_GUARDED_BY(mu_);  // the run in progress
  Totals last_ ABSL_GUARDED_BY(mu_);     // the last finished run
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(Pipeline);

}  // namespace gclab
