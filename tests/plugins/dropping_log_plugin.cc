// A deliberately broken collector for testing the conformance suite: gclab's
// concurrent collector, except that the write-barrier entries a mutator has logged
// but not yet flushed are dropped whenever that mutator may start a collection (an
// allocation slow path, an explicit collection). Under the Dijkstra barrier those
// entries are the only record of a reference stored into a black object, so the
// objects they name can be lost. `gclab conformance` must fail it; `--quick` may not.
#include "wrapped_collector.h"

namespace {

constexpr char kInner[] = "concurrent:barrier=dijkstra";

class DroppingLog : public gclab_test_plugins::WrappedCollector {
 public:
  using WrappedCollector::WrappedCollector;
  std::byte* AllocateSlow(gclab::Mutator& mutator, size_t bytes,
                          const gclab::SiteInfo& site) override {
    mutator.ClearWriteBarrierLog();  // the bug
    return inner().AllocateSlow(mutator, bytes, site);
  }
  void Collect(gclab::Mutator& mutator, gclab::GcCause cause,
               gclab::CollectionKind kind) override {
    mutator.ClearWriteBarrierLog();  // the bug
    inner().Collect(mutator, cause, kind);
  }
};

}  // namespace

GCLAB_REGISTER_WRAPPED_COLLECTOR(DroppingLog, kInner, "dropping-log",
                                 "concurrent, dropping unflushed barrier-log entries (a test)");
