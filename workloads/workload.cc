#include "workloads/workload.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/base.h"

namespace gclab {

absl::StatusOr<WorkloadSize> ParseWorkloadSize(absl::string_view text) {
  if (text == "small") return WorkloadSize::kSmall;
  if (text == "default") return WorkloadSize::kDefault;
  if (text == "large") return WorkloadSize::kLarge;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown workload size '", text, "'; valid: small, default, large"));
}

absl::string_view WorkloadSizeName(WorkloadSize size) {
  switch (size) {
    case WorkloadSize::kSmall:
      return "small";
    case WorkloadSize::kDefault:
      return "default";
    case WorkloadSize::kLarge:
      return "large";
  }
  return "?";
}

WorkloadRegistry& WorkloadRegistry::Global() {
  static auto* const registry = new WorkloadRegistry;  // never destroyed
  return *registry;
}

absl::StatusOr<std::unique_ptr<Workload>> WorkloadRegistry::Create(
    absl::string_view name, const WorkloadParams& params) const {
  const WorkloadRegistration* registration = Find(name);
  if (registration == nullptr) return UnknownName(name);
  return registration->factory(params);
}

}  // namespace gclab
