#include "runtime/collector.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/plugin_loader.h"

namespace gclab {

CollectorRegistry& CollectorRegistry::Global() {
  static auto* const registry = new CollectorRegistry;  // never destroyed
  return *registry;
}

absl::StatusOr<std::unique_ptr<Collector>> CollectorRegistry::Create(
    absl::string_view spec_text) const {
  absl::StatusOr<CollectorSpec> spec = ParseCollectorSpec(spec_text);
  if (!spec.ok()) return spec.status();
  const CollectorRegistration* registration = Find(spec->name);
  if (registration == nullptr) return UnknownName(spec->name);
  if (!registration->traits.options.empty()) {
    absl::Status checked = CheckOptions(spec->name, registration->traits.options, spec->options);
    if (!checked.ok()) return checked;
  }
  // A plugin's factory is code gclab has not seen: an empty one, one that throws and
  // one that makes nothing are each an error line, not a crash later.
  if (!registration->factory) {
    return absl::InvalidArgumentError(
        absl::StrCat(CollectorForMessages(spec_text), " has an empty factory"));
  }
  absl::StatusOr<std::unique_ptr<Collector>> collector;
  try {
    collector = registration->factory(spec->options);
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat(CollectorForMessages(spec_text), ": its factory threw: ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat(CollectorForMessages(spec_text), ": its factory threw"));
  }
  if (collector.ok() && *collector == nullptr) {
    return absl::InternalError(absl::StrCat(CollectorForMessages(spec_text),
                                            ": its factory returned no collector (null)"));
  }
  return collector;
}

std::vector<std::string> CollectorRegistry::SpecsToTest() const {
  std::vector<std::string> specs;
  for (const std::string& name : Names()) {
    const std::vector<std::string>& variants = Find(name)->traits.test_variants;
    if (variants.empty()) {
      specs.push_back(name);
    } else {
      specs.insert(specs.end(), variants.begin(), variants.end());
    }
  }
  return specs;
}

absl::Status CollectorRegistry::RegisterFromPlugin(CollectorRegistration registration) {
  const std::string name = registration.traits.name;
  if (name.empty()) return absl::InvalidArgumentError("a collector has an empty name");
  if (!TryRegister(name, std::move(registration))) {
    return absl::AlreadyExistsError(absl::StrCat("a collector named '", name,
                                                 "' is registered already; taken: ",
                                                 absl::StrJoin(Names(), ", ")));
  }
  return absl::OkStatus();
}

const CollectorRegistration* CollectorRegistry::FindSpec(absl::string_view spec) const {
  absl::StatusOr<CollectorSpec> parsed = ParseCollectorSpec(spec);
  return parsed.ok() ? Find(parsed->name) : nullptr;
}

absl::StatusOr<CollectorSpec> ParseCollectorSpec(absl::string_view spec) {
  std::vector<absl::string_view> parts = absl::StrSplit(spec, ':');
  CollectorSpec result;
  result.name = std::string(parts[0]);
  if (result.name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("collector spec '", spec, "' has no name; expected name[:key=value...]"));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(parts[i], '=');
    if (kv.first.empty() || parts[i].find('=') == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "collector spec '", spec, "': option '", parts[i], "' is not key=value"));
    }
    if (!result.options.emplace(kv.first, kv.second).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("collector spec '", spec, "': option '", kv.first, "' given twice"));
    }
  }
  return result;
}

}  // namespace gclab
