// File: runtime/registry.h
//
// A name -> registration map filled by static initialisers before main (the
// BENCHMARK / ABSL_FLAG pattern) and read-only afterwards. Collectors and workloads
// each keep one; nothing else in gclab lists them.
#ifndef GCLAB_RUNTIME_REGISTRY_H_
#define GCLAB_RUNTIME_REGISTRY_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "runtime/base.h"

namespace gclab {

template <typename Registration>
class Registry {
 public:
  // `kind` names what is registered ("collector"), for messages.
  // `unknown_hint` ends the error for an unknown name (say, how to add one).
  explicit Registry(absl::string_view kind, absl::string_view unknown_hint = "")
      : kind_(kind), unknown_hint_(unknown_hint) {}

  // Fatal if the name is taken: two registrations with one name is a build error.
  void Register(const std::string& name, Registration registration) {
    if (!entries_.emplace(name, std::move(registration)).second) {
      FatalError(absl::StrCat("two ", kind_, "s are registered as '", name, "'"));
    }
  }

  // False (and nothing changed) if the name is taken.
  bool TryRegister(const std::string& name, Registration registration) {
    return entries_.emplace(name, std::move(registration)).second;
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& [name, registration] : entries_) names.push_back(name);
    return names;
  }

  const Registration* Find(absl::string_view name) const {
    auto it = entries_.find(std::string(name));
    return it == entries_.end() ? nullptr : &it->second;
  }

  // The error for a name that is not registered, listing the valid ones.
  absl::Status UnknownName(absl::string_view name) const {
    return absl::NotFoundError(absl::StrCat("unknown ", kind_, " '", name, "'; valid: ",
                                            absl::StrJoin(Names(), ", "), unknown_hint_));
  }

 private:
  std::string kind_;
  std::string unknown_hint_;
  std::map<std::string, Registration, std::less<>> entries_;
};

}  // namespace gclab

#endif  // GCLAB_RUNTIME_REGISTRY_H_
