// The gclab commands: the one table (name, help, flags, handler) that main.cc, the
// parser and the help text read, and each command's handler, which turns its flags
// into the options of the function that does the work.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/cli/command_line.h"
#include "harness/commands/commands.h"
#include "harness/commands/compare.h"
#include "harness/cli/flags.h"
#include "harness/results/manifest.h"
#include "harness/results/results_folder.h"
#include "runtime/collector.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

int List(const ParsedCommand&) {
  std::printf("collectors:\n");
  for (const std::string& name : CollectorRegistry::Global().Names()) {
    const CollectorTraits& t = CollectorRegistry::Global().Find(name)->traits;
    std::printf("  %-16s moving=%s concurrent=%s reclaims=%s barrier=%s fast-path=%s\n"
                "                   %s\n",
                name.c_str(), t.moving ? "yes" : "no", t.concurrent ? "yes" : "no",
                t.reclaims ? "yes" : "no", std::string(BarrierKindName(t.barrier)).c_str(),
                std::string(AllocFastPathName(t.fast_path)).c_str(),
                t.description.c_str());
    for (const std::string& option : DescribeOptions(t.options)) {
      std::printf("                   option %s\n", option.c_str());
    }
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

// `gclab conformance ...` is `gclab-conformance ...` (a GoogleTest binary, installed
// next to gclab): the same flags, the suite's own output and exit status.
int Conformance(const ParsedCommand& parsed) {
  const std::filesystem::path runner =
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "gclab-conformance";
  std::vector<std::string> args = {runner.string()};
  for (size_t i = 1; i < parsed.argv.size(); ++i) {
    if (parsed.argv[i] != "conformance") args.push_back(parsed.argv[i]);
  }
  std::vector<char*> pointers;
  for (std::string& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  std::fflush(stdout);
  execv(runner.c_str(), pointers.data());
  return CommandError(absl::StrCat("conformance: cannot run ", runner.string(), ": ",
                                   std::strerror(errno),
                                   " (it is built with the tests: GCLAB_BUILD_TESTS=ON)"));
}

void PrintPluginBuildWarnings() {
  for (const std::string& warning : PluginBuildWarnings()) {
    std::fprintf(stderr, "gclab: warning: %s\n", warning.c_str());
  }
}

int Run(const ParsedCommand& parsed) {
  PrintPluginBuildWarnings();
  absl::StatusOr<MatrixSpec> spec = MatrixFromFlags(/*heaps=*/true);
  if (!spec.ok()) return CommandError(spec.status().message());
  RunOptions options;
  options.spec = *spec;
  absl::StatusOr<Shard> shard = ParseShard(absl::GetFlag(FLAGS_shard));
  if (!shard.ok()) return CommandError(shard.status().message());
  options.shard = *shard;
  if (spec->auto_reps_ci_percent > 0 && shard->count > 1) {
    return CommandError(
        "--reps=auto decides from all of a cell's runs and cannot be sharded; valid: "
        "--reps=auto without --shard, or a fixed --reps with --shard");
  }
  options.rerun_noisy = absl::GetFlag(FLAGS_rerun_noisy);
  const bool default_out = absl::GetFlag(FLAGS_out).empty();
  if (default_out) {
    absl::StatusOr<std::string> claimed =
        ClaimResultsFolder("results", DefaultResultsFolderName(std::time(nullptr)));
    if (!claimed.ok()) {
      return CommandError(absl::StrCat("results folder: ", claimed.status().message()));
    }
    options.out_dir = *claimed;
  } else {
    options.out_dir = absl::GetFlag(FLAGS_out);
  }
  options.minheap_cache = absl::GetFlag(FLAGS_minheap_cache);
  options.command_line = parsed.argv;
  const int status = RunMatrix(options);
  if (default_out && status != kExitOk) {
    // A folder this run claimed and never wrote to is not left behind (removing a
    // folder that holds anything fails, and leaves it).
    std::error_code ec;
    std::filesystem::remove(options.out_dir, ec);
  }
  return status;
}

int MinHeapCommand(const ParsedCommand&) {
  PrintPluginBuildWarnings();
  absl::StatusOr<MatrixSpec> spec = MatrixFromFlags(/*heaps=*/false);
  if (!spec.ok()) return CommandError(spec.status().message());
  return MinHeap(MinHeapOptions{.spec = *spec,
                                .minheap_cache = absl::GetFlag(FLAGS_minheap_cache),
                                .refresh = absl::GetFlag(FLAGS_refresh)});
}

int MergeCommand(const ParsedCommand& parsed) {
  if (absl::GetFlag(FLAGS_out).empty()) return CommandError("merge: --out is required; valid: --out=DIR");
  return Merge(absl::GetFlag(FLAGS_out), parsed.operands);
}

int CompareCommand(const ParsedCommand& parsed) {
  return Compare(CompareOptions{.folders = parsed.operands,
                                .baseline = absl::GetFlag(FLAGS_baseline),
                                .candidate = absl::GetFlag(FLAGS_candidate),
                                .metrics = absl::GetFlag(FLAGS_metrics)});
}

int RunOnceFromFlags(const ParsedCommand&) { return RunOnceCommand(absl::GetFlag(FLAGS_spec)); }

// The flag's reflection handle, through which the parser sets it.
template <typename T>
absl::CommandLineFlag* F(const absl::Flag<T>& flag) {
  return absl::FindCommandLineFlag(absl::GetFlagReflectionHandle(flag).Name());
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"compare",
       "whether two collectors (in one results folder) or two results folders differ, cell "
       "by cell: medians, ratio with a 95% interval, Mann-Whitney p-value",
       {F(FLAGS_baseline), F(FLAGS_candidate), F(FLAGS_metrics)},
       " FOLDER [FOLDER]",
       CompareCommand},
      {"conformance",
       "runs the collector conformance suite (gclab-conformance) on collectors, plugins' "
       "included: everything the in-tree collectors face, a stress pass too",
       {F(FLAGS_plugin), F(FLAGS_collectors), F(FLAGS_quick), F(FLAGS_jobs),
        F(FLAGS_stress_seconds), F(FLAGS_test_timeout)},
       "",
       Conformance,
       false,
       {{"collectors",
         "comma list of collectors to test, each name[:key=value...] (default: with "
         "--plugin, every collector the plugins register and no built-in one; without "
         "--plugin, every registered collector)"}}},
      {"list",
       "registered collectors (with traits) and workloads (with parameters)",
       {F(FLAGS_plugin)},
       "",
       List},
      {"merge",
       "joins result folders of one matrix (shards, resumed runs) into --out",
       {F(FLAGS_out)},
       " FOLDER...",
       MergeCommand},
      {"minheap",
       "finds (by bisection) and caches the minimum heap of each combination",
       {F(FLAGS_collectors), F(FLAGS_workloads), F(FLAGS_threads), F(FLAGS_escape_analysis),
        F(FLAGS_size), F(FLAGS_seed), F(FLAGS_probe_timeout), F(FLAGS_minheap_cache),
        F(FLAGS_refresh), F(FLAGS_plugin)},
       "",
       MinHeapCommand},
      {"run",
       "runs a matrix of collectors x workloads x heap sizes x threads x escape analysis",
       {F(FLAGS_collectors), F(FLAGS_workloads), F(FLAGS_heap_mb), F(FLAGS_heap_x),
        F(FLAGS_threads), F(FLAGS_escape_analysis), F(FLAGS_reps), F(FLAGS_until_ci),
        F(FLAGS_max_reps), F(FLAGS_warmup), F(FLAGS_size), F(FLAGS_seed), F(FLAGS_timeout),
        F(FLAGS_probe_timeout),
        F(FLAGS_out), F(FLAGS_shard), F(FLAGS_verify), F(FLAGS_trace), F(FLAGS_instrument),
        F(FLAGS_latency), F(FLAGS_hiccup_meter), F(FLAGS_rerun_noisy), F(FLAGS_minheap_cache),
        F(FLAGS_plugin)},
       "",
       Run},
      {"run-once",
       "internal: one run in this process (used by run and minheap)",
       {F(FLAGS_spec), F(FLAGS_plugin)},
       "",
       RunOnceFromFlags,
       /*internal=*/true},
  };
  return *commands;
}

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& command : Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

}  // namespace gclab
