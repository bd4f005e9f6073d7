// File: runtime/collector.h
//
// The interface between the runtime and a garbage collector, and the registry that
// finds collectors by name.
//
// The interface is crossed only on slow paths: the mutator fast paths (mutator.h)
// are inline and read fields the collector set up in AttachMutator. Each method's
// comment says when it is called, on which thread, whether the world is stopped,
// and whether it may allocate or collect.
//
// A collector lives in collectors/<name>/, is built with gclab_add_collector() and
// registers itself with GCLAB_REGISTER_COLLECTOR. Nothing outside its folder names
// it; the runtime, harness and tests ask its CollectorTraits instead.
#ifndef GCLAB_RUNTIME_COLLECTOR_H_
#define GCLAB_RUNTIME_COLLECTOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "runtime/collector_options.h"
#include "runtime/events.h"
#include "runtime/mutator.h"
#include "runtime/object.h"
#include "runtime/registry.h"

namespace gclab {

class Runtime;
struct SiteInfo;

// What the runtime, the harness and the tests may rely on about a collector.
// A collector's traits state only what differs from these defaults (a stop-the-world,
// non-moving, reclaiming collector with bump allocation and no barrier).
struct CollectorTraits {
  std::string name;
  std::string description;
  bool moving = false;      // objects may change address at a safepoint
  bool concurrent = false;  // collects while mutators run
  bool reclaims = true;     // frees unreachable objects (false only for a no-GC baseline)
  BarrierKind barrier = BarrierKind::kNone;  // the default configuration's
  AllocFastPath fast_path = AllocFastPath::kBump;
  // True: objects live in the heap segment the runtime reserves and hands to Init.
  // False: the collector gets object memory elsewhere (malloc, a library's own heap);
  // the runtime then reserves no heap segment, Init gets an empty span, and
  // RuntimeConfig::heap_bytes is the budget the collector must keep to.
  bool heap_segment = true;
  // Finds roots or pointers conservatively (any word that looks like a pointer keeps
  // an object): it may keep dead objects, so its live-byte count is an upper bound
  // and no test may demand that a particular dead object is gone.
  bool conservative = false;
  // The collector's heap belongs to the process and outlives a runtime (libgc has one
  // heap, which never shrinks): a runtime made after another inherits its heap, grown
  // and fragmented. gclab-conformance runs each test of such a collector in a process
  // of its own, as `gclab run` runs each cell.
  bool process_wide_heap = false;
  // A moving collector that, in checked builds, retires the memory it moved objects
  // out of (runtime/poison.h), so a stale raw Ref faults. The runtime then gives it a
  // heap segment (Runtime::heap()) of kPoisoningHeapAddressMultiple budgets of address
  // space, of which Init's `heap` is the first budget; the collector must put each new
  // space in addresses it has not used recently, and keep its memory to the budget.
  bool poisons_from_space = false;
  // Stress mode (RuntimeConfig::stress) asks for this many minor collections between
  // full ones: 0 for a collector without generations (every stress collection is
  // full); a generational collector sets it so that stress exercises its minor path.
  int stress_minor_collections = 0;
  // Specs ("name:key=value") the conformance suite and workload tests run when the
  // collector has variants that must each be correct; empty: the name alone.
  std::vector<std::string> test_variants;
  // The options a spec "name:key=value" may give, with their defaults and ranges
  // (collector_options.h). The registry checks a spec's options against them before
  // the factory sees them (when the table is empty, the factory checks them itself).
  std::vector<OptionSpec> options;
};

// The collector's view of its heap.
struct HeapUsage {
  size_t capacity_bytes = 0;     // the heap budget
  size_t in_use_bytes = 0;       // live at the last collection plus allocated since
  size_t live_bytes = 0;         // object bytes found live by the last full collection
  uint64_t collections = 0;      // completed collection cycles
};

class Collector {
 public:
  virtual ~Collector() = default;

  virtual const CollectorTraits& traits() const = 0;

  // Called once by Runtime::Start on the starting thread, before any mutator exists.
  // `heap` is the heap segment, aligned to 2 MiB (block-based collectors may cut it
  // into blocks at multiples of their size, up to 2 MiB) and zero-filled: the
  // collector's whole budget, which it carves into its spaces (empty if
  // traits().heap_segment is false). A heap too small for the collector's layout is ResourceExhausted (the
  // harness records the run as out of memory, and a minimum-heap search goes on
  // past it); any other error stops the run.
  virtual absl::Status Init(Runtime& runtime, std::span<std::byte> heap) = 0;

  // Called once as the runtime is destroyed, after every mutator has detached and
  // while the runtime is still whole: stop and join any thread the collector runs.
  virtual void Shutdown() {}

  // Called on a new mutator's thread as it attaches, world running, before it runs
  // any program code. The runtime has already set the mutator's fast path and
  // barrier from traits(); a collector whose options or phase change them (a barrier
  // chosen by an option, one that is on only while marking) sets them here, and
  // gives the mutator its per-mutator state (Mutator::set_collector_state). Must not
  // collect.
  virtual void AttachMutator(Mutator&) {}
  // Called on the mutator's thread as it detaches, world running; afterwards the
  // runtime destroys the mutator's collector state and empties its allocation
  // buffers. Must not collect.
  virtual void DetachMutator(Mutator&) {}

  // Called on a mutator's thread when its allocation fast path fails (buffer empty,
  // or the object is too large for the fast path), world running. Returns memory for
  // one object of `bytes` from allocation site `site` (its type says whether the
  // object holds pointers; for an array `bytes` includes the elements) and may refill
  // the mutator's buffers. The memory need not be zeroed: the mutator writes the
  // header and zeroes the fields itself. May stop the world and collect. Throws
  // OutOfMemory if the heap is exhausted after a full collection.
  virtual std::byte* AllocateSlow(Mutator& mutator, size_t bytes, const SiteInfo& site) = 0;

  // Called on a mutator's thread when its write-barrier log (values or holders) or its
  // slot log (field logging) is full, world running. Must consume both and call
  // mutator.ClearWriteBarrierLog(). Must not collect. A collector that reads the logs
  // at a collection reads them there too (the world stopped), since they need not be
  // full then.
  virtual void FlushWriteBarrier(Mutator& mutator) { mutator.ClearWriteBarrierLog(); }

  // Called on a mutator's thread to request a collection now, world running: `kind`
  // kMinor asks a generational collector for a collection of its young generation;
  // a collector without generations does a full collection either way. Returns once
  // a collection requested at or after this call has completed.
  virtual void Collect(Mutator& mutator, GcCause cause, CollectionKind kind) = 0;

  // Thread-safe; approximate while mutators run.
  virtual HeapUsage Usage() const = 0;

  // For the heap verifier, with the world stopped (or no mutator running): is
  // `object` (an address the runtime's InHeap accepts) the start of an object that
  // this collector holds live? A reachable object for which this is false is a lost
  // object. The verifier may ask at any stop, not only right after a collection, so
  // it must return true for every object allocated since the last collection too
  // (ConformanceTest.VerifierAcceptsObjectsAllocatedSinceTheLastCollection).
  virtual bool IsLiveObject(const Object* object) const = 0;
};

using CollectorFactory =
    std::function<absl::StatusOr<std::unique_ptr<Collector>>(const CollectorOptions&)>;

// The factory of a collector that takes no options: any option is an error.
template <typename C>
CollectorFactory FactoryWithoutOptions(std::string name) {
  return [name](const CollectorOptions& options)
             -> absl::StatusOr<std::unique_ptr<Collector>> {
    if (!options.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " takes no options, got '", options.begin()->first, "'"));
    }
    return std::make_unique<C>();
  };
}

struct CollectorRegistration {
  CollectorTraits traits;
  CollectorFactory factory;
};

// Every collector linked into this program, by name (see registry.h).
class CollectorRegistry : public Registry<CollectorRegistration> {
 public:
  static CollectorRegistry& Global();

  // Creates a collector from a spec "name[:key=value...]". Unknown names and
  // malformed or unknown options are errors that list what is valid.
  absl::StatusOr<std::unique_ptr<Collector>> Create(absl::string_view spec) const;
  // Every collector's test variants (or its name), sorted: what the suites run.
  std::vector<std::string> SpecsToTest() const;
  // Registers a plugin's collector; an error if the name is taken.
  absl::Status RegisterFromPlugin(CollectorRegistration registration);
  // The registration behind a spec "name[:options]"; null if the name is unknown.
  const CollectorRegistration* FindSpec(absl::string_view spec) const;

 private:
  CollectorRegistry()
      : Registry("collector", " (a plugin's collector is known once --plugin=PATH loads it)") {}
};

struct CollectorSpec {
  std::string name;
  CollectorOptions options;
};

// Parses "name[:key=value[:key=value...]]".
absl::StatusOr<CollectorSpec> ParseCollectorSpec(absl::string_view spec);

namespace internal {
struct CollectorRegistrar {
  explicit CollectorRegistrar(CollectorRegistration registration) {
    const std::string name = registration.traits.name;
    CollectorRegistry::Global().Register(name, std::move(registration));
  }
};
}  // namespace internal

}  // namespace gclab

// Registers a collector: GCLAB_REGISTER_COLLECTOR(traits, factory), at namespace
// scope in the collector's .cc file. In a plugin (GCLAB_PLUGIN defined) it only
// defers the registration until gclab has checked the plugin (see plugin.h).
#ifndef GCLAB_PLUGIN
#define GCLAB_REGISTER_COLLECTOR(traits, factory)                                  \
  static const ::gclab::internal::CollectorRegistrar GCLAB_CONCAT(               \
      gclab_collector_registrar_, __COUNTER__)(::gclab::CollectorRegistration{     \
      (traits), (factory)})
#else
#include "runtime/plugin.h"
#define GCLAB_REGISTER_COLLECTOR(traits, factory)                                  \
  static const ::gclab::plugin_internal::DeferredRegistrar GCLAB_CONCAT(         \
      gclab_collector_registrar_, __COUNTER__)(                                    \
      [] { return ::gclab::CollectorRegistration{(traits), (factory)}; })
#endif

#endif  // GCLAB_RUNTIME_COLLECTOR_H_
