// The gclab command: see `gclab --help` and `gclab COMMAND --help`.
//
// Parsing and checking the command line: harness/command_line.h. Bad input gets one
// line on stderr naming what is valid, exit status 2, and leaves nothing behind.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/command_line.h"
#include "harness/commands.h"
#include "harness/compare.h"
#include "harness/manifest.h"
#include "harness/results_folder.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/plugin_loader.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

[[noreturn]] void Fail(absl::string_view message) {
  std::fprintf(stderr, "gclab: %.*s\n", static_cast<int>(message.size()), message.data());
  std::exit(kExitUsage);
}

// `gclab conformance ...` is `gclab-conformance ...` (a GoogleTest binary, installed
// next to gclab): the same flags, the suite's own output and exit status.
[[noreturn]] void RunConformance(int argc, char** argv) {
  const std::filesystem::path runner =
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "gclab-conformance";
  std::vector<std::string> args = {runner.string()};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) != "conformance") args.push_back(argv[i]);
  }
  std::vector<char*> pointers;
  for (std::string& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  std::fflush(stdout);
  execv(runner.c_str(), pointers.data());
  Fail(absl::StrCat("conformance: cannot run ", runner.string(), ": ", std::strerror(errno),
                    " (it is built with the tests: GCLAB_BUILD_TESTS=ON)"));
}

int List() {
  std::printf("collectors:\n");
  for (const std::string& name : CollectorRegistry::Global().Names()) {
    const CollectorTraits& t = CollectorRegistry::Global().Find(name)->traits;
    std::printf("  %-16s moving=%s concurrent=%s reclaims=%s barrier=%s fast-path=%s\n"
                "                   %s\n",
                name.c_str(), t.moving ? "yes" : "no", t.concurrent ? "yes" : "no",
                t.reclaims ? "yes" : "no", std::string(BarrierKindName(t.barrier)).c_str(),
                std::string(AllocFastPathName(t.fast_path)).c_str(),
                t.description.c_str());
  }
  std::printf("workloads:\n");
  for (const std::string& name : WorkloadRegistry::Global().Names()) {
    const WorkloadRegistration& w = *WorkloadRegistry::Global().Find(name);
    std::string live;
    for (WorkloadSize size : {WorkloadSize::kSmall, WorkloadSize::kDefault, WorkloadSize::kLarge}) {
      auto workload = w.factory(WorkloadParams{.size = size});
      const double bytes = static_cast<double>(workload->LiveBytesEstimate());
      absl::StrAppend(&live, live.empty() ? "" : ", ", WorkloadSizeName(size), " ",
                      bytes < MiB ? absl::StrFormat("%.0f KiB", bytes / KiB)
                                  : absl::StrFormat("%.1f MiB", bytes / MiB));
    }
    std::printf("  %-16s %s\n                   parameters: %s\n                   units: %s\n"
                "                   defaults: --size=default --threads=1 --seed=1 "
                "--escape-analysis=on\n                   live size estimate: %s\n",
                name.c_str(), w.description.c_str(), w.parameters.c_str(), w.units.c_str(),
                live.c_str());
  }
  return kExitOk;
}


}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  using namespace gclab;
  absl::StatusOr<ParsedCommand> parsed =
      ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.ok()) Fail(parsed.status().message());
  const std::string& command = parsed->name;
  if (parsed->help) {
    std::printf("%s", HelpText(command).c_str());
    return kExitOk;
  }
  for (const std::string& plugin : absl::GetFlag(FLAGS_plugin)) {
    if (absl::Status status = LoadPlugin(plugin); !status.ok()) {
      Fail(absl::StrCat("--plugin: ", status.message()));
    }
  }
  if (command == "conformance") RunConformance(argc, argv);
  if (command == "run" || command == "minheap") {
    for (const std::string& warning : PluginBuildWarnings()) {
      std::fprintf(stderr, "gclab: warning: %s\n", warning.c_str());
    }
  }
  if (command == "list") return List();
  if (command == "run-once") return RunOnceCommand(absl::GetFlag(FLAGS_spec));
  if (command == "merge") {
    if (absl::GetFlag(FLAGS_out).empty()) Fail("merge: --out is required; valid: --out=DIR");
    return Merge(absl::GetFlag(FLAGS_out), parsed->operands);
  }
  if (command == "compare") {
    return Compare(CompareOptions{.folders = parsed->operands,
                                  .baseline = absl::GetFlag(FLAGS_baseline),
                                  .candidate = absl::GetFlag(FLAGS_candidate),
                                  .metrics = absl::GetFlag(FLAGS_metrics)});
  }
  absl::StatusOr<MatrixSpec> spec = MatrixFromFlags(/*heaps=*/command == "run");
  if (!spec.ok()) Fail(spec.status().message());
  if (command == "minheap") {
    MinHeapOptions options{.spec = *spec,
                           .minheap_cache = absl::GetFlag(FLAGS_minheap_cache),
                           .refresh = absl::GetFlag(FLAGS_refresh)};
    return MinHeap(options);
  }
  RunOptions options;
  options.spec = *spec;
  absl::StatusOr<Shard> shard = ParseShard(absl::GetFlag(FLAGS_shard));
  if (!shard.ok()) Fail(shard.status().message());
  options.shard = *shard;
  if (spec->auto_reps_ci_percent > 0 && shard->count > 1) {
    Fail("--reps=auto decides from all of a cell's runs and cannot be sharded; valid: "
         "--reps=auto without --shard, or a fixed --reps with --shard");
  }
  options.rerun_noisy = absl::GetFlag(FLAGS_rerun_noisy);
  const bool default_out = absl::GetFlag(FLAGS_out).empty();
  if (default_out) {
    absl::StatusOr<std::string> claimed =
        ClaimResultsFolder("results", DefaultResultsFolderName(std::time(nullptr)));
    if (!claimed.ok()) Fail(absl::StrCat("results folder: ", claimed.status().message()));
    options.out_dir = *claimed;
  } else {
    options.out_dir = absl::GetFlag(FLAGS_out);
  }
  options.minheap_cache = absl::GetFlag(FLAGS_minheap_cache);
  options.command_line.assign(argv, argv + argc);
  const int status = RunMatrix(options);
  if (default_out && status != kExitOk) {
    // A folder this run claimed and never wrote to is not left behind (removing a
    // folder that holds anything fails, and leaves it).
    std::error_code ec;
    std::filesystem::remove(options.out_dir, ec);
  }
  return status;
}
