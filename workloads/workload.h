// File: workloads/workload.h
//
// The interface every workload implements, and the registry that finds workloads by
// name. A workload mimics the allocation behaviour of a Go program: it declares its
// types, functions (frame layouts), allocation sites (each with its escape-analysis
// verdict) and globals; sets up long-lived state outside the timed region; runs a
// fixed amount of work (a count, not a time) on one or more mutators; and checks its
// result so a collector that loses or corrupts an object is caught.
//
// A workload lives in workloads/<name>/, is built with gclab_add_workload() and
// registers itself with GCLAB_REGISTER_WORKLOAD.
#ifndef GCLAB_WORKLOADS_WORKLOAD_H_
#define GCLAB_WORKLOADS_WORKLOAD_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/clock.h"
#include "runtime/code_segment.h"
#include "runtime/data_segment.h"
#include "runtime/mutator.h"
#include "runtime/registry.h"

namespace gclab {

// Size presets: kSmall runs in well under a second (tests), kDefault a few seconds,
// kLarge longer.
enum class WorkloadSize { kSmall, kDefault, kLarge };

absl::StatusOr<WorkloadSize> ParseWorkloadSize(absl::string_view text);
absl::string_view WorkloadSizeName(WorkloadSize size);

struct WorkloadParams {
  WorkloadSize size = WorkloadSize::kDefault;
  int threads = 1;
  uint64_t seed = 1;
};

// Times fixed batches of work on one thread: the mutator's own view of latency,
// which shows a pause however it arises (stop-the-world, assist, time-to-safepoint).
// A workload calls BatchDone() after each fixed unit of work (say, 1000 operations).
// Samples are cycle ticks (one instruction each, so timing costs well under 1% of
// throughput), converted to nanoseconds by Finish().
class BatchTimer {
 public:
  // An enabled timer writes its first `capacity` samples into memory it touches
  // here, so that recording them causes no page faults and no reallocation (growing
  // a vector of a million samples stops the thread for tens of milliseconds, which
  // would show up as a pause's time-to-safepoint and as a latency spike); create it
  // before the measured region, with the workload's BatchesPerThread().
  explicit BatchTimer(bool enabled, size_t capacity = kDefaultCapacity) : enabled_(enabled) {
    if (enabled_) ticks_.assign(std::max(capacity, kDefaultCapacity), 0);
    Restart();
  }
  static constexpr size_t kDefaultCapacity = size_t{1} << 16;
  // Starts timing the next batch from now.
  void Restart() {
    start_nanos_ = MonotonicNanos();
    start_ticks_ = last_ = CycleTicks();
  }
  void BatchDone() {
    if (!enabled_) return;
    const int64_t now = CycleTicks();
    if (count_ < ticks_.size()) {
      ticks_[count_] = now - last_;
    } else {
      ticks_.push_back(now - last_);
    }
    ++count_;
    last_ = now;
  }
  // The batch times in nanoseconds, calibrated over the span since Restart().
  std::vector<int64_t> Finish() const {
    const double ticks = static_cast<double>(CycleTicks() - start_ticks_);
    const double nanos_per_tick =
        ticks > 0 ? static_cast<double>(MonotonicNanos() - start_nanos_) / ticks : 1.0;
    std::vector<int64_t> nanos;
    nanos.reserve(count_);
    for (size_t i = 0; i < count_; ++i) {
      nanos.push_back(static_cast<int64_t>(ticks_[i] * nanos_per_tick + 0.5));
    }
    return nanos;
  }

 private:
  bool enabled_;
  int64_t start_nanos_ = 0;
  int64_t start_ticks_ = 0;
  int64_t last_ = 0;
  size_t count_ = 0;
  std::vector<int64_t> ticks_;
};

// For Verify: the mutator blocked while the workload replays, outside the heap, what the
// heap should hold, so that a collection (a concurrent collector's pause) need not wait
// for the replay. Done() ends the block before Verify reads the heap.
class OffHeapReplay {
 public:
  explicit OffHeapReplay(Mutator& mutator) : blocked_(std::in_place, mutator) {}
  void Done() { blocked_.reset(); }

 private:
  std::optional<BlockingScope> blocked_;
};

// What one thread of a run is given.
struct RunContext {
  int thread = 0;
  BatchTimer* timer = nullptr;
};

class Workload {
 public:
  virtual ~Workload() = default;

  // Declares types, functions, sites and globals. Called once, before Runtime::Start.
  virtual void Declare(CodeSegment& code, DataSegment& data) = 0;

  // Bytes of heap data the workload keeps live at its peak with escape analysis on,
  // estimated analytically; heap sizes can be given as multiples of it.
  virtual size_t LiveBytesEstimate() const = 0;

  // Builds long-lived state on the main mutator. Not timed.
  virtual void Setup(Mutator& mutator) { (void)mutator; }

  // The work of thread context.thread (0 <= thread < params.threads), each on its
  // own mutator, all started together. Does the same fixed amount of work every
  // time it is called: warm-up iterations call it before the measured one. Calls
  // context.timer->BatchDone() after every fixed batch of work. Throws OutOfMemory
  // if the heap runs out.
  virtual void Run(Mutator& mutator, RunContext& context) = 0;

  // Checks the result of the last Run, after every thread has finished, on the
  // main mutator.
  virtual absl::Status Verify(Mutator& mutator) = 0;

  // Units of work done by the last Run (the workload says what one op is).
  virtual uint64_t ops() const = 0;

  // A digest of the last Run's result, read after Verify succeeded. Each workload
  // defines it (its header says from what) so that its Go program
  // (workloads/<name>/go/) computes the same value: equal checksums say the two did
  // the same work. Deterministic for a given size, seed and thread count, with no
  // warm-up iterations (some workloads carry state from one iteration to the next).
  virtual uint64_t Checksum() const = 0;

  // How many latency batches one thread's Run records, at most (an estimate with some
  // room is fine): the harness prepares that much room before the measured region.
  virtual size_t BatchesPerThread() const { return BatchTimer::kDefaultCapacity; }
};

// A workload's preset for `size`, of its three: ForSize(size, small, default, large).
template <typename T>
T ForSize(WorkloadSize size, const T& small, const T& default_size, const T& large) {
  switch (size) {
    case WorkloadSize::kSmall:
      return small;
    case WorkloadSize::kDefault:
      return default_size;
    case WorkloadSize::kLarge:
      return large;
  }
  return default_size;
}

// A workload's three size presets, each a Shape of its own. Declared as the class's
// `static constexpr SizePresets<Shape> kPresets`, beside the WorkloadText that says what
// they mean.
template <typename Shape>
struct SizePresets {
  Shape small;
  Shape default_size;
  Shape large;

  Shape For(WorkloadSize size) const { return ForSize(size, small, default_size, large); }
};

// The state most workloads share: the size preset they run (a Shape of their own,
// chosen from SizePresets), the seed, the data segment holding their globals, how many
// times Run was called (a run seeds its random stream from it, so warm-up and
// measured runs differ), and the ops of the last Run.
template <typename Shape>
class PresetWorkload : public Workload {
 public:
  uint64_t ops() const override { return ops_; }

 protected:
  PresetWorkload(const WorkloadParams& params, const SizePresets<Shape>& presets)
      : shape_(presets.For(params.size)), seed_(params.seed) {}

  Shape shape_;
  const uint64_t seed_;
  DataSegment* data_ = nullptr;  // set by Declare
  uint64_t runs_ = 0;
  uint64_t ops_ = 0;
};

using WorkloadFactory = std::function<std::unique_ptr<Workload>(const WorkloadParams&)>;

// The factory of a workload class whose constructor takes the parameters:
// GCLAB_REGISTER_WORKLOAD(..., ConstructWorkload<MyWorkload>).
template <typename W>
std::unique_ptr<Workload> ConstructWorkload(const WorkloadParams& params) {
  return std::make_unique<W>(params);
}

// What `gclab list` says of a workload. A workload class declares its own as
// `static constexpr WorkloadText kText` at the top of the class, beside the size presets
// its `parameters` describe, so that the numbers and their description are read together.
struct WorkloadText {
  absl::string_view name;
  absl::string_view description;
  absl::string_view parameters;  // what the size presets and threads mean, with defaults
  absl::string_view units;       // what one op and one latency batch are
};

struct WorkloadRegistration {
  std::string name;
  std::string description;
  std::string parameters;  // what the size presets and threads mean, with defaults
  std::string units;       // what one op and one latency batch are
  WorkloadFactory factory;
};

// Every workload linked into this program, by name (see runtime/registry.h).
class WorkloadRegistry : public Registry<WorkloadRegistration> {
 public:
  static WorkloadRegistry& Global();
  // Unknown names are errors that list the valid ones.
  absl::StatusOr<std::unique_ptr<Workload>> Create(absl::string_view name,
                                                   const WorkloadParams& params) const;

 private:
  WorkloadRegistry() : Registry("workload") {}
};

namespace internal {
struct WorkloadRegistrar {
  explicit WorkloadRegistrar(WorkloadRegistration registration) {
    const std::string name = registration.name;
    WorkloadRegistry::Global().Register(name, std::move(registration));
  }
};
}  // namespace internal

}  // namespace gclab

// GCLAB_REGISTER_WORKLOAD(name, description, parameters, units, factory) at
// namespace scope.
#define GCLAB_REGISTER_WORKLOAD(name, description, parameters, units, factory)      \
  static const ::gclab::internal::WorkloadRegistrar GCLAB_CONCAT(                   \
      gclab_workload_registrar_, __COUNTER__)(::gclab::WorkloadRegistration{        \
      (name), (description), (parameters), (units), (factory)})

// GCLAB_REGISTER_WORKLOAD_CLASS(W) at namespace scope: a workload class with a
// `static constexpr WorkloadText kText` and a constructor that takes WorkloadParams.
#define GCLAB_REGISTER_WORKLOAD_CLASS(W)                                                   \
  GCLAB_REGISTER_WORKLOAD(std::string(W::kText.name), std::string(W::kText.description),    \
                          std::string(W::kText.parameters), std::string(W::kText.units),    \
                          ::gclab::ConstructWorkload<W>)

#endif  // GCLAB_WORKLOADS_WORKLOAD_H_
