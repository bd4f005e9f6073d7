// Test-only workloads that fail in each way a run can fail, linked only into
// gclab_with_faults (never into gclab), so the harness tests can check that every
// failure becomes the right status while the rest of the matrix completes.
#include <csignal>
#include <future>
#include <memory>
#include <thread>

#include "runtime/mutator.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

class FaultWorkload : public Workload {
 public:
  enum class Fault {
    kNone, kCrash, kKilled, kHang, kDeadlock, kOutOfMemory, kChecksum, kCorruptHeap,
    kMessageLikeAVerificationFailure
  };
  explicit FaultWorkload(Fault fault) : fault_(fault) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& node = code.DefineStruct("FaultNode", 2, {0});
    site_ = &code.DefineSite("fault.Node", node, Escape::kEscapes);
    frame_ = &code.DefineFunction("fault.main", 1, {0});
    root_ = data.DefineRef("fault.root");
  }
  size_t LiveBytesEstimate() const override { return 1 << 20; }

  void Run(Mutator& m, RunContext& context) override {
    FrameScope f(m, *frame_);
    for (int i = 0; i < 10'000; ++i) {  // some honest work first
      Ref node = m.Allocate(*site_);
      m.Store(node, 0, f[0]);
      f[0] = node;
      if (i % 100 == 0) context.timer->BatchDone();
    }
    ops_ = 10'000;
    switch (fault_) {
      case Fault::kNone:
      case Fault::kChecksum:
        break;
      case Fault::kCrash:
        std::raise(SIGSEGV);
        break;
      case Fault::kKilled:  // as the kernel's OOM killer or a batch system would
        std::raise(SIGKILL);
        break;
      case Fault::kHang:
        for (;;) m.Poll();
      case Fault::kDeadlock: {
        // A second mutator blocks for ever outside a safe region (a lock the
        // runtime does not know about), so the collection below waits for it for
        // ever: the classic GC deadlock. Only the time limit ends the run.
        std::promise<void> never;
        std::thread stuck([&m, future = never.get_future()] {
          [[maybe_unused]] Mutator other(m.runtime());
          future.wait();
        });
        stuck.detach();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        m.Collect();
        for (;;) m.Poll();
      }
      case Fault::kOutOfMemory:
        for (;;) {  // keep everything reachable
          Ref node = m.Allocate(*site_);
          m.Store(node, 0, f[0]);
          f[0] = node;
        }
      case Fault::kMessageLikeAVerificationFailure:
        // The words of a failed verification, then a crash: still a crash, because a
        // status is told by the child's status file, not by its messages.
        FatalError("heap verification failed (not really: a crash that says so)");
      case Fault::kCorruptHeap: {
        // A pointer into the middle of an object, behind the barrier's back.
        Ref target = reinterpret_cast<Ref>(reinterpret_cast<char*>(f[0]) + 8);
        *f[0]->ref_slot(0) = target;
        m.Collect();  // the verifier (--verify) must stop the run here
        break;
      }
    }
  }

  absl::Status Verify(Mutator&) override {
    if (fault_ == Fault::kChecksum) return absl::DataLossError("checksum mismatch (on purpose)");
    return absl::OkStatus();
  }
  uint64_t ops() const override { return ops_; }
  uint64_t Checksum() const override { return ops_; }

 private:
  Fault fault_;
  const SiteInfo* site_ = nullptr;
  const FunctionInfo* frame_ = nullptr;
  Global root_{};
  uint64_t ops_ = 0;
};

template <FaultWorkload::Fault kFault>
std::unique_ptr<Workload> Make(const WorkloadParams&) {
  return std::make_unique<FaultWorkload>(kFault);
}

using Fault = FaultWorkload::Fault;
GCLAB_REGISTER_WORKLOAD("fault-none", "test: 10,000 allocations, then success", "", "", Make<Fault::kNone>);
GCLAB_REGISTER_WORKLOAD("fault-crash", "test: raises SIGSEGV", "", "", Make<Fault::kCrash>);
GCLAB_REGISTER_WORKLOAD("fault-killed", "test: killed with SIGKILL", "", "", Make<Fault::kKilled>);
GCLAB_REGISTER_WORKLOAD("fault-hang", "test: never finishes", "", "", Make<Fault::kHang>);
GCLAB_REGISTER_WORKLOAD("fault-deadlock", "test: a mutator never reaches a safepoint", "", "",
                        Make<Fault::kDeadlock>);
GCLAB_REGISTER_WORKLOAD("fault-oom", "test: keeps everything live", "", "", Make<Fault::kOutOfMemory>);
GCLAB_REGISTER_WORKLOAD("fault-checksum", "test: fails its checksum", "", "", Make<Fault::kChecksum>);
GCLAB_REGISTER_WORKLOAD("fault-corrupt", "test: corrupts the heap", "", "", Make<Fault::kCorruptHeap>);
GCLAB_REGISTER_WORKLOAD("fault-says-verify-failed",
                        "test: crashes with the message of a failed heap verification", "", "",
                        Make<Fault::kMessageLikeAVerificationFailure>);

}  // namespace
}  // namespace gclab
