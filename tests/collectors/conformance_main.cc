// gclab-conformance: the conformance suite as a program of its own, for collectors
// that are not gclab's (also reached as `gclab conformance`). It runs what every
// in-tree collector faces, each test batch in a process of its own, so that a
// collector that breaks an invariant fails its test instead of ending the run:
//
//   suite   the conformance tests, channels across threads, every workload's
//           checksum with the heap verified after every collection (both escape
//           modes, and the shared-object workloads on 2 and 4 threads), and the
//           randomised graph stress (--stress-seconds per collector, default 10);
//   stress  the conformance tests, channels and every workload again in stress mode
//           (GCLAB_STRESS=1): a collection at an allocation slow path once the
//           mutator has allocated 256 KiB since the last one (minor ones between
//           full ones for a collector with traits.stress_minor_collections)
//           (GCLAB_STRESS_EVERY_BYTES=262144; at every slow path, a collector
//           without allocation buffers would collect at every allocation).
//
//   gclab-conformance --plugin=libmygc.so                 every collector of the plugin
//   gclab-conformance --collectors=marksweep,copying      these (built-in or plugin)
//   gclab-conformance                                     every registered collector
//   --quick       the conformance tests alone, one pass (seconds, not minutes)
//   --jobs=N      worker processes at once (default: one per core)
//   --test-timeout=S  one test running longer is failed as hung (default 300 s more
//                 than --stress-seconds)
//
// Before any test, each collector (and test variant) is made and started once in a
// process of its own: one that cannot be (its factory fails, returns nothing, or its
// Init fails) ends the run with one line naming it and its plugin.
//
// GoogleTest's own flags pass through to the workers; a --gtest_filter replaces the
// passes with one pass of the tests it matches. --gtest_list_tests lists in-process.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "runtime/collector.h"
#include "absl/strings/numbers.h"
#include "runtime/plugin_loader.h"
#include "tests/collectors/isolated_test_run.h"
#include "tests/testing/test_program.h"

namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "gclab-conformance: %s\n", message.c_str());
  std::exit(2);
}

// --name=a,b (or --na_me=a,b for --na-me) appends a and b to *out.
bool TakeFlag(const std::string& arg, const std::string& name, std::vector<std::string>* out) {
  const size_t equals = arg.find('=');
  if (!arg.starts_with("--") || equals == std::string::npos) return false;
  if (absl::StrReplaceAll(arg.substr(2, equals - 2), {{"_", "-"}}) != name) return false;
  for (absl::string_view item : absl::StrSplit(arg.substr(equals + 1), ',', absl::SkipEmpty())) {
    out->emplace_back(item);
  }
  return true;
}

// The test patterns of the passes for one collector's tests ("name" and its variants
// "name_...": TestNameOf of "name:key=value").
// The suites each pass runs on a collector. `variants_only`: every test name carries a
// suffix after the collector's (the workload and escape analysis, or the threads).
struct SuiteUse {
  const char* suite;
  bool variants_only;
  bool in_quick;   // --quick runs only these
  bool in_stress;  // the stress pass (GCLAB_STRESS) runs these again
};
constexpr SuiteUse kSuites[] = {
    {"EveryCollector/ConformanceTest", false, true, true},
    {"EveryCollector/ChannelThreadsTest", false, false, true},
    {"EveryCollector/GraphStressTest", false, false, false},
    {"All/EveryWorkloadTest", true, false, true},       // "name_workload_escape_on"
    {"Shared/WorkloadThreadsTest", true, false, false},  // "name_workload_t2"
};

// Filter patterns for the tests of `test_name` in the suites `wanted` selects.
std::vector<std::string> Patterns(const std::string& test_name,
                                  bool (*wanted)(const SuiteUse&)) {
  std::vector<std::string> patterns;
  for (const SuiteUse& use : kSuites) {
    if (!wanted(use)) continue;
    const std::string prefix = absl::StrCat(use.suite, ".*/", test_name);
    if (!use.variants_only) patterns.push_back(prefix);
    patterns.push_back(prefix + "_*");
  }
  return patterns;
}

// --gclab-preflight=SPEC: makes and starts a runtime with collector SPEC, allocates an
// object and stops. Exit 0, or 1 with the reason as the last line.
int Preflight(const std::string& spec) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  gclab::testing::TestProgram program;
  absl::StatusOr<std::unique_ptr<gclab::Runtime>> runtime =
      gclab::testing::TryMakeTestRuntime(spec, program);
  if (!runtime.ok()) {
    std::fprintf(stderr, "cannot test: %s\n", std::string(runtime.status().message()).c_str());
    return 1;
  }
  gclab::Mutator mutator(**runtime);
  gclab::FrameScope frame(mutator, *program.frame);
  frame[0] = mutator.Allocate(*program.new_node);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using gclab::CollectorRegistry;
  namespace gt = gclab::testing;
  std::vector<std::string> plugins, collectors, jobs_flag, stress_seconds_flag, timeout_flag,
      preflight_spec;
  bool quick = false, user_filter = false, listing = false;
  // Our flags stay in what GoogleTest sees (it ignores them): workers and death tests
  // run this program again with the same arguments, and must load the same plugins.
  std::vector<char*> rest(argv, argv + argc);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (TakeFlag(arg, "plugin", &plugins) || TakeFlag(arg, "collectors", &collectors) ||
        TakeFlag(arg, "jobs", &jobs_flag) || TakeFlag(arg, "stress-seconds", &stress_seconds_flag) ||
        TakeFlag(arg, "test-timeout", &timeout_flag) ||
        TakeFlag(arg, "gclab-preflight", &preflight_spec)) {
      continue;
    }
    if (arg == "--quick") quick = true;
    if (arg.starts_with("--gtest_filter=")) user_filter = true;
    if (arg == "--gtest_list_tests" || arg == "--help" || arg == "-h") listing = true;
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
  if (!preflight_spec.empty()) return Preflight(preflight_spec.front());
  if (gt::IsWorker(argc, argv)) {
    ::testing::InitGoogleTest(&argc, argv);
    return gt::RunWorker(argc, argv);
  }
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!jobs_flag.empty() && (!absl::SimpleAtoi(jobs_flag.back(), &jobs) || jobs < 1 || jobs > 256)) {
    Fail("--jobs: '" + jobs_flag.back() + "' is not a number of processes from 1 to 256");
  }
  double stress_seconds = 10;
  if (!stress_seconds_flag.empty() &&
      (!absl::SimpleAtod(stress_seconds_flag.back(), &stress_seconds) || !(stress_seconds > 0) ||
       stress_seconds > 86400)) {
    Fail("--stress-seconds: '" + stress_seconds_flag.back() +
         "' is not a number of seconds above 0 (at most 86400)");
  }
  double test_timeout = 0;
  if (!timeout_flag.empty() &&
      (!absl::SimpleAtod(timeout_flag.back(), &test_timeout) || !(test_timeout >= 0) ||
       test_timeout > 86400)) {
    Fail("--test-timeout: '" + timeout_flag.back() +
         "' is not a number of seconds from 0 (the default) to 86400");
  }
  // The longest test is the graph stress, which runs for --stress-seconds.
  if (test_timeout == 0) test_timeout = 300 + stress_seconds;
  if (collectors.empty() && !plugins.empty()) {
    for (const std::string& name : CollectorRegistry::Global().Names()) {
      if (!built_in.contains(name)) collectors.push_back(name);
    }
  }
  if (collectors.empty()) collectors = CollectorRegistry::Global().Names();
  std::vector<std::string> suite, stress;
  std::vector<std::vector<std::string>> preflight;
  std::vector<std::string> variant_names;  // as they begin a test's parameter name
  std::set<std::string> test_alone;        // variants whose tests run one per process
  for (const std::string& name : collectors) {
    const gclab::CollectorRegistration* registration = CollectorRegistry::Global().Find(name);
    if (registration == nullptr) {
      Fail(std::string(CollectorRegistry::Global().UnknownName(name).message()));
    }
    for (const std::string& spec : registration->traits.test_variants.empty()
                                       ? std::vector<std::string>{name}
                                       : registration->traits.test_variants) {
      preflight.push_back({"--gclab-preflight=" + spec});
      variant_names.push_back(gt::TestNameOf(spec));
      if (registration->traits.process_wide_heap) test_alone.insert(variant_names.back());
    }
    const std::string test_name = gt::TestNameOf(name);
    auto in_suite = quick ? +[](const SuiteUse& use) { return use.in_quick; }
                          : +[](const SuiteUse&) { return true; };
    for (std::string& p : Patterns(test_name, in_suite)) suite.push_back(std::move(p));
    for (std::string& p : Patterns(test_name, [](const SuiteUse& use) { return use.in_stress; })) {
      stress.push_back(std::move(p));
    }
  }
  std::string filter_flag = "--gtest_filter=" + absl::StrJoin(suite, ":");
  if (!user_filter) rest.insert(rest.begin() + 1, filter_flag.data());
  int rest_argc = static_cast<int>(rest.size());
  ::testing::InitGoogleTest(&rest_argc, rest.data());
  if (listing) return RUN_ALL_TESTS();

  std::vector<gt::TestPass> passes;
  const std::string seconds = absl::StrCat(stress_seconds);
  if (user_filter) {
    passes.push_back({"filter", gt::TestsMatching(GTEST_FLAG_GET(filter)),
                      {{"GCLAB_STRESS_SECONDS", seconds}}});
  } else {
    passes.push_back({quick ? "quick" : "suite", gt::TestsMatching(absl::StrJoin(suite, ":")),
                      {{"GCLAB_STRESS_SECONDS", seconds}}});
    if (!quick) {
      passes.push_back({"stress", gt::TestsMatching(absl::StrJoin(stress, ":")),
                        {{"GCLAB_STRESS", "1"}, {"GCLAB_STRESS_EVERY_BYTES", "262144"}}});
    }
  }
  if (passes.front().tests.empty()) Fail("no test matches " + GTEST_FLAG_GET(filter));
  // One collector variant per worker process: the longest variant name that begins
  // the test's parameter ("bdw_layout_typed_server_t2" is bdw:layout=typed's, not
  // bdw's); one test per process for a collector whose heap is the process's.
  auto process_group_of = [variant_names, test_alone](const std::string& test) {
    const std::string parameter = test.substr(test.rfind('/') + 1);
    std::string best;
    for (const std::string& variant : variant_names) {
      if (variant.size() > best.size() && parameter.starts_with(variant) &&
          (parameter.size() == variant.size() || parameter[variant.size()] == '_')) {
        best = variant;
      }
    }
    return test_alone.contains(best) ? test : best;
  };
  for (gt::TestPass& pass : passes) pass.process_group = process_group_of;
  // Workers: this program, with every argument but the filter (each worker gets its
  // own list of tests).
  std::vector<std::string> worker_argv = {
      std::filesystem::read_symlink("/proc/self/exe").string()};
  for (int i = 1; i < argc; ++i) {
    if (!std::string_view(argv[i]).starts_with("--gtest_filter=")) worker_argv.push_back(argv[i]);
  }
  return gt::RunIsolated(worker_argv, passes,
                        {.jobs = jobs, .test_timeout_seconds = test_timeout, .preflight = preflight});
}
