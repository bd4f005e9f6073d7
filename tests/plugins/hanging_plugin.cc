// A plugin whose collector never returns from a collection a mutator asks for
// (Collect): gclab must fail the test or run at its time limit, and kill it.
#include <chrono>
#include <thread>

#include "wrapped_collector.h"

namespace {

constexpr char kInner[] = "marksweep";

class Hanging : public gclab_test_plugins::WrappedCollector {
 public:
  using WrappedCollector::WrappedCollector;
  void Collect(gclab::Mutator&, gclab::GcCause, gclab::CollectionKind) override {
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // the bug
  }
};

}  // namespace

GCLAB_REGISTER_WRAPPED_COLLECTOR(Hanging, kInner, "hanging",
                                 "hangs in Collect (a test)");
