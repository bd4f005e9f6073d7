// gclab-conformance: the conformance suite as a program of its own, for collectors
// that are not gclab's (also reached as `gclab conformance`).
//
//   gclab-conformance --plugin=libmygc.so                 every collector of the plugin
//   gclab-conformance --collectors=marksweep,copying      these (built-in or plugin)
//   gclab-conformance                                     every registered collector
//
// GoogleTest's own flags (--gtest_repeat, --gtest_filter...) pass through; a
// --gtest_filter replaces the one chosen from --collectors.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "runtime/collector.h"
#include "runtime/plugin_loader.h"
#include "tests/testing/test_program.h"

namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "gclab-conformance: %s\n", message.c_str());
  std::exit(2);
}

bool TakeFlag(const std::string& arg, const std::string& name, std::vector<std::string>* out) {
  const std::string prefix = "--" + name + "=";
  if (!arg.starts_with(prefix)) return false;
  for (absl::string_view item : absl::StrSplit(arg.substr(prefix.size()), ',', absl::SkipEmpty())) {
    out->emplace_back(item);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using gclab::CollectorRegistry;
  std::vector<std::string> plugins, collectors;
  // Our flags stay in what GoogleTest sees (it ignores them): death tests run this
  // program again with the same arguments, and the child must load the same plugins.
  std::vector<char*> rest(argv, argv + argc);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!TakeFlag(arg, "plugin", &plugins)) TakeFlag(arg, "collectors", &collectors);
  }
  const std::set<std::string> built_in = [] {
    std::vector<std::string> names = CollectorRegistry::Global().Names();
    return std::set<std::string>(names.begin(), names.end());
  }();
  for (const std::string& plugin : plugins) {
    if (absl::Status status = gclab::LoadPlugin(plugin); !status.ok()) {
      Fail(absl::StrCat("--plugin: ", status.message()));
    }
  }
  if (collectors.empty() && !plugins.empty()) {
    for (const std::string& name : CollectorRegistry::Global().Names()) {
      if (!built_in.contains(name)) collectors.push_back(name);
    }
  }
  std::vector<std::string> patterns;
  for (const std::string& name : collectors) {
    if (CollectorRegistry::Global().Find(name) == nullptr) {
      Fail(std::string(CollectorRegistry::Global().UnknownName(name).message()));
    }
    const std::string test_name = gclab::testing::TestNameOf(name);
    patterns.push_back("EveryCollector/ConformanceTest.*/" + test_name);
    patterns.push_back("EveryCollector/ConformanceTest.*/" + test_name + "_*");
  }
  std::string filter_flag;
  if (!patterns.empty()) {
    filter_flag = "--gtest_filter=" + absl::StrJoin(patterns, ":");
    rest.insert(rest.begin() + 1, filter_flag.data());
  }
  int rest_argc = static_cast<int>(rest.size());
  ::testing::InitGoogleTest(&rest_argc, rest.data());
  return RUN_ALL_TESTS();
}
