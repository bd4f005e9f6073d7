// The gclab command: see `gclab --help` and `gclab COMMAND --help`.
//
// Flags may be spelt with '-' or '_' (--heap-mb or --heap_mb). Bad input gets one
// line on stderr naming what is valid, exit status 2, and leaves nothing behind.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "harness/commands.h"
#include "harness/manifest.h"
#include "runtime/collector.h"
#include "runtime/out_of_memory.h"
#include "runtime/plugin_loader.h"
#include "workloads/workload.h"

ABSL_FLAG(std::vector<std::string>, collectors, {"marksweep"},
          "comma list of collectors, each name[:key=value...]");
ABSL_FLAG(std::vector<std::string>, workloads, {"binary-trees"}, "comma list of workloads");
ABSL_FLAG(std::vector<std::string>, heap_mb, {},
          "comma list of heap sizes in MiB (default 64 unless --heap-x is given)");
ABSL_FLAG(std::vector<std::string>, heap_x, {},
          "comma list of heap sizes as multiples of each workload's minimum heap");
ABSL_FLAG(std::vector<std::string>, threads, {"1"}, "comma list of mutator thread counts");
ABSL_FLAG(std::vector<std::string>, escape_analysis, {"on"},
          "comma list of on/off: whether non-escaping sites allocate in frame arenas");
ABSL_FLAG(int, reps, 1, "repetitions of every cell, each its own process");
ABSL_FLAG(int, warmup, 0, "unmeasured iterations before the measured one, in each process");
ABSL_FLAG(std::string, size, "default", "workload size preset: small, default or large");
ABSL_FLAG(uint64_t, seed, 1, "seed for the run order and the workloads");
ABSL_FLAG(double, timeout, 600, "wall-clock limit of one run, in seconds");
ABSL_FLAG(std::string, out, "", "results folder (default results/<UTC time>-<git commit>)");
ABSL_FLAG(std::string, shard, "1/1", "run only the K-th of N shares of the runs: K/N");
ABSL_FLAG(bool, verify, false, "verify the heap after every collection (slow)");
ABSL_FLAG(bool, trace, false, "write a Chrome trace (trace.json) for every run");
ABSL_FLAG(bool, instrument, true, "record pauses, phases and batch latencies");
ABSL_FLAG(std::string, minheap_cache, "results/minheap.csv", "minimum-heap cache file");
ABSL_FLAG(bool, refresh, false, "minheap: measure again even if cached");
ABSL_FLAG(std::string, spec, "", "internal: the run that `gclab cell` performs, as JSON");
ABSL_FLAG(std::vector<std::string>, plugin, {},
          "comma list of collector plugins (shared libraries) to load first");

namespace gclab {
namespace {

struct Command {
  std::string summary;
  std::vector<std::string> flags;
  std::string arguments;
};

const std::map<std::string, Command>& Commands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"list",
       {"registered collectors (with traits) and workloads (with parameters)", {"plugin"}, ""}},
      {"run",
       {"runs a matrix of collectors x workloads x heap sizes x threads x escape analysis",
        {"collectors", "workloads", "heap_mb", "heap_x", "threads", "escape_analysis", "reps",
         "warmup", "size", "seed", "timeout", "out", "shard", "verify", "trace", "instrument",
         "minheap_cache", "plugin"},
        ""}},
      {"minheap",
       {"finds (by bisection) and caches the minimum heap of each combination",
        {"collectors", "workloads", "threads", "escape_analysis", "size", "seed", "timeout",
         "minheap_cache", "refresh", "plugin"},
        ""}},
      {"merge",
       {"joins result folders of one matrix (shards, resumed runs) into --out",
        {"out"},
        " FOLDER..."}},
      {"conformance",
       {"runs the collector conformance suite (gclab-conformance) on collectors, plugins' "
        "included",
        {"plugin", "collectors"},
        ""}},
      {"cell",
       {"internal: one run in this process (used by run and minheap)", {"spec", "plugin"}, ""}},
  };
  return *commands;
}

[[noreturn]] void Fail(absl::string_view message) {
  std::fprintf(stderr, "gclab: %.*s\n", static_cast<int>(message.size()), message.data());
  std::exit(kExitUsage);
}

std::string CommandNames() {
  std::vector<std::string> names;
  for (const auto& [name, command] : Commands()) {
    if (name != "cell") names.push_back(name);
  }
  return absl::StrJoin(names, ", ");
}

void PrintHelp(const std::string& name) {
  if (name.empty()) {
    std::printf("gclab: a research harness for garbage collectors\n\nusage: gclab COMMAND "
                "[flags]   (gclab COMMAND --help for its flags)\n\n");
    for (const auto& [command, info] : Commands()) {
      if (command != "cell") std::printf("  %-8s %s\n", command.c_str(), info.summary.c_str());
    }
    return;
  }
  const Command& command = Commands().at(name);
  std::printf("usage: gclab %s%s%s\n  %s\n", name.c_str(),
              command.flags.empty() ? "" : " [flags]", command.arguments.c_str(),
              command.summary.c_str());
  for (const std::string& flag : command.flags) {
    absl::CommandLineFlag* f = absl::FindCommandLineFlag(flag);
    std::printf("  --%-16s %s (default: %s)\n",
                absl::StrReplaceAll(flag, {{"_", "-"}}).c_str(), f->Help().c_str(),
                f->DefaultValue().empty() ? "none" : f->DefaultValue().c_str());
  }
}

// Finds the command, answers --help, rewrites --foo-bar to --foo_bar (absl flag
// names are identifiers) and rejects flags that the command does not take.
std::vector<char*> Normalise(int argc, char** argv, std::vector<std::string>& storage,
                             std::string& command) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!arg.starts_with("-")) {
      command = arg;
      break;
    }
  }
  bool help = false;
  storage.assign(argv, argv + argc);
  for (size_t i = 1; i < storage.size(); ++i) {
    std::string& arg = storage[i];
    if (!arg.starts_with("--") || arg == "--") continue;
    const size_t end = std::min(arg.find('='), arg.size());
    const std::string name = absl::StrReplaceAll(arg.substr(2, end - 2), {{"-", "_"}});
    if (name == "help" || name == "helpfull") {
      help = true;
      continue;
    }
    const std::string bare = name.starts_with("no") ? name.substr(2) : name;
    auto it = Commands().find(command);
    if (it == Commands().end()) continue;  // reported below
    const auto& allowed = it->second.flags;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end() &&
        std::find(allowed.begin(), allowed.end(), bare) == allowed.end()) {
      std::vector<std::string> valid;
      for (const std::string& flag : allowed) valid.push_back("--" + absl::StrReplaceAll(flag, {{"_", "-"}}));
      Fail(absl::StrCat("unknown flag --", arg.substr(2, end - 2), " for 'gclab ", command,
                        "'; valid: ", valid.empty() ? "(none)" : absl::StrJoin(valid, ", ")));
    }
    arg = "--" + name + arg.substr(end);
  }
  if (!command.empty() && !Commands().contains(command)) {
    Fail(absl::StrCat("unknown command '", command, "'; valid: ", CommandNames()));
  }
  if (help) {
    PrintHelp(command);
    std::exit(kExitOk);
  }
  if (command.empty()) Fail(absl::StrCat("expected a command; valid: ", CommandNames()));
  std::vector<char*> result;
  for (std::string& arg : storage) result.push_back(arg.data());
  return result;
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

template <typename T, typename Parse>
std::vector<T> ParseList(const char* flag, const std::vector<std::string>& texts, Parse parse) {
  if (texts.empty()) Fail(absl::StrCat("--", flag, ": empty list"));
  std::vector<T> values;
  for (const std::string& text : texts) values.push_back(parse(text));
  return values;
}

// The flags shared by run and minheap, checked before anything runs.
MatrixSpec MatrixFromFlags(bool heaps) {
  MatrixSpec spec;
  spec.collectors = absl::GetFlag(FLAGS_collectors);
  spec.workloads = absl::GetFlag(FLAGS_workloads);
  if (spec.collectors.empty()) Fail("--collectors: empty list");
  if (spec.workloads.empty()) Fail("--workloads: empty list");
  for (const std::string& collector : spec.collectors) {
    absl::StatusOr<std::unique_ptr<Collector>> c = CollectorRegistry::Global().Create(collector);
    if (!c.ok()) Fail(absl::StrCat("--collectors: ", c.status().message()));
  }
  for (const std::string& workload : spec.workloads) {
    if (WorkloadRegistry::Global().Find(workload) == nullptr) {
      Fail(absl::StrCat("--workloads: ", WorkloadRegistry::Global().UnknownName(workload).message()));
    }
  }
  absl::StatusOr<WorkloadSize> size = ParseWorkloadSize(absl::GetFlag(FLAGS_size));
  if (!size.ok()) Fail(absl::StrCat("--size: ", size.status().message()));
  spec.size = *size;
  spec.threads = ParseList<int>("threads", absl::GetFlag(FLAGS_threads), [](const std::string& t) {
    int n = 0;
    if (!absl::SimpleAtoi(t, &n) || n < 1 || n > 256) {
      Fail(absl::StrCat("--threads: '", t, "' is not a thread count; valid: 1 to 256"));
    }
    return n;
  });
  spec.escape_analysis = ParseList<bool>(
      "escape-analysis", absl::GetFlag(FLAGS_escape_analysis), [](const std::string& t) {
        if (t != "on" && t != "off") {
          Fail(absl::StrCat("--escape-analysis: '", t, "' is not valid; valid: on, off"));
        }
        return t == "on";
      });
  spec.seed = absl::GetFlag(FLAGS_seed);
  spec.timeout_seconds = absl::GetFlag(FLAGS_timeout);
  if (!(spec.timeout_seconds > 0 && spec.timeout_seconds <= 7 * 24 * 3600)) {
    Fail(absl::StrCat("--timeout: ", spec.timeout_seconds,
                      " is out of range; valid: more than 0 and up to 604800 seconds"));
  }
  if (!heaps) return spec;
  const auto heap_mb = absl::GetFlag(FLAGS_heap_mb);
  const auto heap_x = absl::GetFlag(FLAGS_heap_x);
  if (!heap_mb.empty() && !heap_x.empty()) Fail("--heap-mb and --heap-x exclude each other; give one");
  if (!heap_x.empty()) {
    spec.heaps = ParseList<HeapSetting>("heap-x", heap_x, [](const std::string& t) {
      double x = 0;
      if (!absl::SimpleAtod(t, &x) || !(x >= 1 && x <= 1000)) {
        Fail(absl::StrCat("--heap-x: '", t,
                          "' is not a heap multiple; valid: a number from 1 to 1000"));
      }
      return HeapSetting{true, x};
    });
  } else {
    spec.heaps = ParseList<HeapSetting>(
        "heap-mb", heap_mb.empty() ? std::vector<std::string>{"64"} : heap_mb,
        [](const std::string& t) {
          double mib = 0;
          if (!absl::SimpleAtod(t, &mib) || !(mib >= 1 && mib <= 1024 * 1024)) {
            Fail(absl::StrCat("--heap-mb: '", t,
                              "' is not a heap size; valid: a number of MiB from 1 to 1048576"));
          }
          return HeapSetting{false, mib};
        });
  }
  spec.reps = absl::GetFlag(FLAGS_reps);
  if (spec.reps < 1 || spec.reps > 10000) {
    Fail(absl::StrCat("--reps: ", spec.reps, " is out of range; valid: 1 to 10000"));
  }
  spec.warmup = absl::GetFlag(FLAGS_warmup);
  if (spec.warmup < 0 || spec.warmup > 1000) {
    Fail(absl::StrCat("--warmup: ", spec.warmup, " is out of range; valid: 0 to 1000"));
  }
  spec.verify = absl::GetFlag(FLAGS_verify);
  spec.trace = absl::GetFlag(FLAGS_trace);
  spec.instrument = absl::GetFlag(FLAGS_instrument);
  return spec;
}

std::string DefaultOutDir() {
  std::string stamp = UtcNow();  // 2026-11-25T18:00:00Z -> 20261125T180000Z
  stamp.erase(std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
              stamp.end());
  return absl::StrCat("results/", stamp, "-", GitCommit());
}

}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  using namespace gclab;
  absl::SetProgramUsageMessage("a research harness for garbage collectors (gclab --help)");
  std::vector<std::string> storage;
  std::string command;
  std::vector<char*> args = Normalise(argc, argv, storage, command);
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::vector<std::string> operands(positional.begin() + 2, positional.end());
  if (command != "merge" && !operands.empty()) {
    Fail(absl::StrCat("'gclab ", command, "' takes no arguments, got '", operands[0], "'"));
  }
  for (const std::string& plugin : absl::GetFlag(FLAGS_plugin)) {
    if (absl::Status status = LoadPlugin(plugin); !status.ok()) {
      Fail(absl::StrCat("--plugin: ", status.message()));
    }
  }
  if (command == "conformance") RunConformance(argc, argv);
  if (command == "list") return List();
  if (command == "cell") return RunOneCell(absl::GetFlag(FLAGS_spec));
  if (command == "merge") {
    if (absl::GetFlag(FLAGS_out).empty()) Fail("merge: --out is required; valid: --out=DIR");
    return Merge(absl::GetFlag(FLAGS_out), operands);
  }
  if (command == "minheap") {
    MinHeapOptions options{.spec = MatrixFromFlags(false),
                           .minheap_cache = absl::GetFlag(FLAGS_minheap_cache),
                           .refresh = absl::GetFlag(FLAGS_refresh)};
    return MinHeap(options);
  }
  RunOptions options;
  options.spec = MatrixFromFlags(true);
  absl::StatusOr<Shard> shard = ParseShard(absl::GetFlag(FLAGS_shard));
  if (!shard.ok()) Fail(shard.status().message());
  options.shard = *shard;
  options.out_dir = absl::GetFlag(FLAGS_out).empty() ? DefaultOutDir() : absl::GetFlag(FLAGS_out);
  options.minheap_cache = absl::GetFlag(FLAGS_minheap_cache);
  options.command_line.assign(argv, argv + argc);
  return RunMatrix(options);
}
