// File: bench/micro/micro_runtime.h
//
// A started runtime for a microbenchmark: `declare(runtime)` declares the types,
// sites, functions and globals; any failure ends the program with its message.
#ifndef GCLAB_HARNESS_MICRO_MICRO_RUNTIME_H_
#define GCLAB_HARNESS_MICRO_MICRO_RUNTIME_H_

#include <memory>
#include <string>
#include <utility>

#include "runtime/runtime.h"

namespace gclab {

template <typename Declare>
std::unique_ptr<Runtime> StartRuntime(const std::string& collector, const RuntimeConfig& config,
                                      Declare&& declare) {
  absl::StatusOr<std::unique_ptr<Collector>> made = CollectorRegistry::Global().Create(collector);
  if (!made.ok()) FatalError(made.status().ToString());
  auto runtime = Runtime::Create(config, *std::move(made));
  if (!runtime.ok()) FatalError(runtime.status().ToString());
  declare(**runtime);
  if (absl::Status s = (*runtime)->Start(); !s.ok()) FatalError(s.ToString());
  return *std::move(runtime);
}

}  // namespace gclab

#endif  // GCLAB_HARNESS_MICRO_MICRO_RUNTIME_H_
