#include "runtime/runtime.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/channel.h"
#include "runtime/poison.h"
#include "runtime/plugin_loader.h"

namespace gclab {
namespace {

// Aligned for transparent huge pages, so the heap can be backed by 2 MiB pages.
constexpr size_t kHeapAlignment = 2 * MiB;
constexpr size_t kMaxHeapBytes = size_t{1} << 40;
constexpr size_t kMaxMutators = 1024;

size_t PageBytes() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

absl::Status ValidateConfig(const RuntimeConfig& config) {
  if (config.heap_bytes < 64 * KiB || config.heap_bytes > kMaxHeapBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "heap size ", config.heap_bytes, " bytes is out of range; valid: 64 KiB to 1 TiB"));
  }
  if (config.stack_bytes < 16 * KiB || config.stack_bytes > 1 * GiB) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stack size ", config.stack_bytes, " bytes is out of range; valid: 16 KiB to 1 GiB"));
  }
  if (config.max_mutators < 1 || config.max_mutators > kMaxMutators) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_mutators ", config.max_mutators, " is out of range; valid: 1 to ", kMaxMutators));
  }
  if (config.code_bytes < 256 * KiB || config.code_bytes > 1 * GiB) {
    return absl::InvalidArgumentError(absl::StrCat(
        "code segment size ", config.code_bytes, " is out of range; valid: 256 KiB to 1 GiB"));
  }
  if (config.data_bytes < 4 * KiB || config.data_bytes > 1 * GiB) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data segment size ", config.data_bytes, " is out of range; valid: 4 KiB to 1 GiB"));
  }
  return absl::OkStatus();
}

void Prefault(std::span<std::byte> memory) {
#ifdef MADV_POPULATE_WRITE
  if (madvise(memory.data(), memory.size(), MADV_POPULATE_WRITE) == 0) return;
#endif
  // Older kernels: write one byte per page (the memory is zero, so write zero).
  const size_t page = PageBytes();
  for (size_t offset = 0; offset < memory.size(); offset += page) {
    reinterpret_cast<volatile std::byte*>(memory.data())[offset] = std::byte{0};
  }
}

absl::Status Protect(void* begin, size_t bytes, int protection, absl::string_view what) {
  if (mprotect(begin, bytes, protection) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot map the ", what, " segment (", bytes, " bytes): ",
                     std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

Runtime::Runtime(const RuntimeConfig& config, std::unique_ptr<Collector> collector)
    : config_(config),
      collector_(std::move(collector)),
      heap_in_segment_(collector_->traits().heap_segment),
      heap_poisoned_(kChecks && heap_in_segment_ && collector_->traits().poisons_from_space),
      channel_states_(std::make_unique<ChannelStates>()) {
  // Misspelt, these would quietly run a test without the stress it was meant to have.
  if (const char* stress = std::getenv("GCLAB_STRESS"); stress != nullptr) {
    const absl::string_view value(stress);
    if (value != "" && value != "0" && value != "1") {
      FatalError(absl::StrCat("GCLAB_STRESS='", value, "' is not valid; valid: 0 or 1"));
    }
    if (value == "1") config_.stress = true;
  }
  if (const char* every = std::getenv("GCLAB_STRESS_EVERY_BYTES"); every != nullptr) {
    uint64_t every_bytes = 0;
    if (!absl::SimpleAtoi(every, &every_bytes)) {
      FatalError(absl::StrCat("GCLAB_STRESS_EVERY_BYTES='", every,
                              "' is not valid; valid: a byte count (0: every slow path)"));
    }
    config_.stress_every_bytes = every_bytes;
  }
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(const RuntimeConfig& config,
                                                          std::unique_ptr<Collector> collector) {
  if (absl::Status status = ValidateConfig(config); !status.ok()) return status;
  if (collector == nullptr) return absl::InvalidArgumentError("Runtime::Create: no collector");
  std::unique_ptr<Runtime> runtime(new Runtime(config, std::move(collector)));
  if (absl::Status status = runtime->Reserve(); !status.ok()) return status;
  return runtime;
}

absl::Status Runtime::Reserve() {
  const size_t page = PageBytes();
  config_.code_bytes = AlignUp(config_.code_bytes, page);
  config_.data_bytes = AlignUp(config_.data_bytes, page);
  config_.stack_bytes = AlignUp(config_.stack_bytes, page);
  config_.heap_bytes = AlignUp(config_.heap_bytes, page);
  stack_stride_ = config_.stack_bytes + page;

  const size_t data_offset = config_.code_bytes + page;
  const size_t stacks_offset = data_offset + config_.data_bytes + page;
  const size_t stacks_bytes = stack_stride_ * config_.max_mutators;
  const size_t heap_offset_unaligned = stacks_offset + stacks_bytes;
  reservation_bytes_ = heap_offset_unaligned;
  const size_t heap_segment_bytes =
      heap_poisoned_ ? config_.heap_bytes * kPoisoningHeapAddressMultiple : config_.heap_bytes;
  if (heap_in_segment_) reservation_bytes_ += kHeapAlignment + heap_segment_bytes;

  reservation_ = mmap(nullptr, reservation_bytes_, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reservation_ == MAP_FAILED) {
    reservation_ = nullptr;
    return absl::ResourceExhaustedError(absl::StrCat("cannot reserve ", reservation_bytes_,
                                                     " bytes of address space: ",
                                                     std::strerror(errno)));
  }
  auto* base = static_cast<std::byte*>(reservation_);
  auto* heap_begin = reinterpret_cast<std::byte*>(
      AlignUp(reinterpret_cast<uintptr_t>(base + heap_offset_unaligned), kHeapAlignment));

  if (absl::Status s = Protect(base, config_.code_bytes, PROT_READ | PROT_WRITE, "code");
      !s.ok())
    return s;
  if (absl::Status s = Protect(base + data_offset, config_.data_bytes, PROT_READ | PROT_WRITE,
                               "data");
      !s.ok())
    return s;
  stacks_begin_ = base + stacks_offset;
  stacks_end_ = stacks_begin_ + stacks_bytes;
  for (size_t i = 0; i < config_.max_mutators; ++i) {
    if (absl::Status s = Protect(stacks_begin_ + i * stack_stride_, config_.stack_bytes,
                                 PROT_READ | PROT_WRITE, "stack");
        !s.ok())
      return s;
  }
  if (heap_in_segment_) {
    if (absl::Status s =
            Protect(heap_begin, config_.heap_bytes, PROT_READ | PROT_WRITE, "heap");
        !s.ok())
      return s;
    if (config_.huge_pages) {
      // Best effort: without THP the heap still works, with one fault per 4 KiB page.
      madvise(heap_begin, config_.heap_bytes, MADV_HUGEPAGE);
    }
    // Only the budget is accessible; a poisoning collector maps the rest itself.
    heap_ = std::span<std::byte>(heap_begin, heap_segment_bytes);
    if (heap_poisoned_) WatchForStaleReferences(heap_);
  }

  code_.emplace(std::span<std::byte>(base, config_.code_bytes), config_.escape_analysis);
  data_.emplace(std::span<std::byte>(base + data_offset, config_.data_bytes));
  {
    MutexLock lock(&stacks_mu_);
    stack_in_use_.assign(config_.max_mutators, false);
  }
  return absl::OkStatus();
}

Runtime::~Runtime() {
  GCLAB_CHECK(safepoints_.num_mutators() == 0,
              "Runtime destroyed while mutators are still attached");
  if (started_) collector_->Shutdown();
  collector_.reset();
  if (heap_poisoned_) StopWatchingForStaleReferences(heap_);
  if (reservation_ != nullptr) munmap(reservation_, reservation_bytes_);
}

absl::Status Runtime::Start() {
  GCLAB_CHECK(!started_, "Runtime::Start called twice");
  code_->Seal();
  data_->Freeze();
  const std::span<std::byte> budget = heap_.first(heap_in_segment_ ? config_.heap_bytes : 0);
  if (config_.prefault_heap) Prefault(budget);
  if (absl::Status status = collector_->Init(*this, budget); !status.ok()) {
    // Same code (a heap too small for the collector's layout stays ResourceExhausted,
    // which a minimum-heap search bisects through), with the collector named.
    return absl::Status(status.code(),
                        absl::StrCat(CollectorForMessages(collector_->traits().name),
                                     " failed to start (Init): ", status.message()));
  }
  started_ = true;
  return absl::OkStatus();
}

uint32_t Runtime::AcquireStack() {
  MutexLock lock(&stacks_mu_);
  for (uint32_t i = 0; i < stack_in_use_.size(); ++i) {
    if (!stack_in_use_[i]) {
      stack_in_use_[i] = true;
      return i;
    }
  }
  FatalError(absl::StrCat("all ", stack_in_use_.size(),
                          " mutator stacks are in use: raise RuntimeConfig::max_mutators"));
}

void Runtime::ReleaseStack(uint32_t index) {
  MutexLock lock(&stacks_mu_);
  stack_in_use_[index] = false;
}

uintptr_t Runtime::StackBase(uint32_t index) const {
  return reinterpret_cast<uintptr_t>(stacks_begin_ + index * stack_stride_);
}

std::string Runtime::Describe(const void* p) const {
  const auto address = reinterpret_cast<uintptr_t>(p);
  auto describe_object = [&](absl::string_view where) {
    const auto* object = static_cast<const Object*>(p);
    if (!object->has_header() || object->type_id() >= code_->num_types() ||
        object->site_id() >= code_->num_sites()) {
      return absl::StrFormat("%s address %#x (no valid header)", where, address);
    }
    return absl::StrFormat("%s object %#x (type %s, allocated at site '%s')", where, address,
                           code_->type(object->type_id()).name,
                           code_->site(object->site_id()).name);
  };
  if (InHeap(p)) {
    // Read no header the collector does not vouch for: it may be protected from-space.
    if (!collector_->IsLiveObject(static_cast<const Object*>(p))) {
      return absl::StrFormat("heap address %#x (not an object the collector holds live)",
                             address);
    }
    return describe_object("heap");
  }
  if (InStackSegment(p)) return describe_object("stack");
  if (uint32_t index = 0; data_->IndexOf(p, &index)) {
    return absl::StrCat("global '", data_->name(index), "'");
  }
  if (data_->Contains(p)) return absl::StrFormat("data segment address %#x", address);
  if (code_->Contains(p)) return absl::StrFormat("code segment address %#x", address);
  return absl::StrFormat("address %#x outside the runtime", address);
}

StopTheWorldScope::StopTheWorldScope(Mutator& requester, PauseKind kind, GcCause cause)
    : StopTheWorldScope(requester.runtime(), &requester, kind, cause) {}

StopTheWorldScope::StopTheWorldScope(Runtime& runtime, Mutator* requester, PauseKind kind,
                                     GcCause cause)
    : requester_(requester), runtime_(runtime) {
  record_.kind = kind;
  record_.cause = cause;
  record_.t_request = MonotonicNanos();
  stopped_ = runtime_.safepoints().StopTheWorld(requester);
  if (!stopped_) return;
  record_.t_stopped = MonotonicNanos();
  record_.heap_before = runtime_.collector().Usage().in_use_bytes;
}

StopTheWorldScope::~StopTheWorldScope() {
  if (!stopped_) return;
  GCLAB_CHECK(record_.cycle != 0,
              "a collector stopped the world without saying which collection the pause "
              "belongs to (StopTheWorldScope::StartCycle or ContinueCycle)");
  record_.heap_after = runtime_.collector().Usage().in_use_bytes;
  record_.t_resume = MonotonicNanos();
  runtime_.events().AddPause(record_);
  runtime_.safepoints().ResumeTheWorld(requester_);
}

uint64_t StopTheWorldScope::StartCycle() {
  GCLAB_CHECK(stopped_, "StopTheWorldScope::StartCycle without the world stopped");
  record_.cycle = runtime_.cycles_started_.fetch_add(1, std::memory_order_relaxed) + 1;
  return record_.cycle;
}

void StopTheWorldScope::ContinueCycle(uint64_t cycle) {
  GCLAB_CHECK(stopped_, "StopTheWorldScope::ContinueCycle without the world stopped");
  GCLAB_CHECK(cycle != 0 && cycle <= runtime_.cycles_started_.load(std::memory_order_relaxed),
              absl::StrCat("StopTheWorldScope::ContinueCycle(", cycle, "): no such collection; ",
                           runtime_.cycles_started_.load(std::memory_order_relaxed),
                           " begun so far"));
  record_.cycle = cycle;
}

PhaseScope StopTheWorldScope::Phase(gclab::Phase phase) {
  GCLAB_CHECK(record_.cycle != 0,
              "StopTheWorldScope::Phase before StartCycle or ContinueCycle");
  return PhaseScope(runtime_.events(), record_.cycle, phase, /*in_pause=*/true,
                    /*on_mutator=*/requester_ != nullptr);
}

uint64_t ExternalPauseRecorder::StartCycle() {
  return runtime_.cycles_started_.fetch_add(1, std::memory_order_relaxed) + 1;
}

void ExternalPauseRecorder::CheckCycle(uint64_t cycle) const {
  GCLAB_CHECK(cycle != 0 && cycle <= runtime_.cycles_started_.load(std::memory_order_relaxed),
              absl::StrCat("ExternalPauseRecorder: a record of collection ", cycle,
                           ", which StartCycle never numbered"));
}

void ExternalPauseRecorder::RecordPause(const PauseRecord& pause) {
  CheckCycle(pause.cycle);
  runtime_.events().AddPause(pause);
}

void ExternalPauseRecorder::RecordPhase(const PhaseRecord& phase) {
  CheckCycle(phase.cycle);
  runtime_.events().AddPhase(phase);
}

void StopTheWorldScope::VerifyHeapIfEnabled(bool check_live_bytes) {
  if (!runtime_.config().verify_heap) return;
  auto phase = Phase(gclab::Phase::kVerify);
  absl::Status status = runtime_.VerifyHeap(check_live_bytes);
  if (!status.ok()) {
    HeapVerificationFailed(absl::StrCat("heap verification failed after collection ", record_.cycle,
                            " by ", runtime_.collector().traits().name, ": ",
                            status.message()));
  }
}

}  // namespace gclab
