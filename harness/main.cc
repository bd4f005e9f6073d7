// The gclab command.
//
//   gclab list                     collectors (with traits) and workloads
//   gclab run [flags]              runs collectors x workloads x heap sizes, prints a table
//
// Flags may be spelt with '-' or '_' (--heap-mb or --heap_mb). Bad input gets one
// line on stderr naming what is valid, and exit status 2.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "harness/run_cell.h"
#include "runtime/collector.h"
#include "workloads/workload.h"

ABSL_FLAG(std::vector<std::string>, collectors, {"marksweep"},
          "comma list of collectors, each name[:key=value...]");
ABSL_FLAG(std::vector<std::string>, workloads, {"binary-trees"}, "comma list of workloads");
ABSL_FLAG(std::vector<std::string>, heap_mb, {"64"}, "comma list of heap sizes in MiB");
ABSL_FLAG(std::string, size, "default", "workload size preset: small, default or large");
ABSL_FLAG(int, threads, 1, "mutator threads per run");
ABSL_FLAG(std::vector<std::string>, escape_analysis, {"on"},
          "comma list of on/off: whether non-escaping sites allocate on the stack");
ABSL_FLAG(bool, verify, false, "verify the heap after every collection (slow)");

namespace gclab {
namespace {

constexpr int kUsageError = 2;

const std::set<std::string, std::less<>> kRunFlags = {
    "collectors", "workloads", "heap_mb", "size", "threads", "escape_analysis", "verify"};

[[noreturn]] void Fail(absl::string_view message) {
  std::fprintf(stderr, "gclab: %.*s\n", static_cast<int>(message.size()), message.data());
  std::exit(kUsageError);
}

// Rewrites --foo-bar to --foo_bar (absl flag names are identifiers) and rejects
// flags that the command does not take, listing the ones it does.
std::vector<char*> NormaliseFlags(int argc, char** argv, std::vector<std::string>& storage) {
  std::string command;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!arg.starts_with("-") && command.empty()) command = std::string(arg);
  }
  storage.assign(argv, argv + argc);
  for (size_t i = 1; i < storage.size(); ++i) {
    std::string& arg = storage[i];
    if (!arg.starts_with("--") || arg == "--") continue;
    const size_t end = std::min(arg.find('='), arg.size());
    std::string name = absl::StrReplaceAll(arg.substr(2, end - 2), {{"-", "_"}});
    if (name == "help" || name == "helpfull") continue;
    const std::string bare = name.starts_with("no") ? name.substr(2) : name;
    if (command != "run" || (!kRunFlags.contains(name) && !kRunFlags.contains(bare))) {
      Fail(absl::StrCat("unknown flag --", arg.substr(2, end - 2), " for '",
                        command.empty() ? "gclab" : "gclab " + command, "'; valid: ",
                        command == "run" ? "--" + absl::StrJoin(kRunFlags, ", --") : "(none)"));
    }
    arg = "--" + name + arg.substr(end);
  }
  std::vector<char*> result;
  for (std::string& arg : storage) result.push_back(arg.data());
  return result;
}

int List() {
  std::printf("collectors:\n");
  for (const std::string& name : CollectorRegistry::Global().Names()) {
    const CollectorTraits& t = CollectorRegistry::Global().Find(name)->traits;
    std::printf("  %-12s moving=%s concurrent=%s barrier=%s fast-path=%s\n    %s\n",
                name.c_str(), t.moving ? "yes" : "no", t.concurrent ? "yes" : "no",
                std::string(BarrierKindName(t.barrier)).c_str(),
                t.fast_path == AllocFastPath::kBump ? "bump" : "size-class-bump",
                t.description.c_str());
  }
  std::printf("workloads:\n");
  for (const std::string& name : WorkloadRegistry::Global().Names()) {
    const WorkloadRegistration& w = *WorkloadRegistry::Global().Find(name);
    std::printf("  %-12s %s\n", name.c_str(), w.description.c_str());
  }
  return 0;
}

size_t ParseHeapMiB(const std::string& text) {
  double mib = 0;
  if (!absl::SimpleAtod(text, &mib) || !(mib >= 1 && mib <= 1024 * 1024)) {
    Fail(absl::StrCat("--heap-mb: '", text,
                      "' is not a heap size; valid: a number of MiB from 1 to 1048576"));
  }
  return static_cast<size_t>(mib * MiB);
}

bool ParseOnOff(const std::string& text) {
  if (text == "on") return true;
  if (text == "off") return false;
  Fail(absl::StrCat("--escape-analysis: '", text, "' is not valid; valid: on, off"));
}

int Run() {
  std::vector<CellSpec> cells;
  absl::StatusOr<WorkloadSize> size = ParseWorkloadSize(absl::GetFlag(FLAGS_size));
  if (!size.ok()) Fail(absl::StrCat("--size: ", size.status().message()));
  const int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 1 || threads > 256) {
    Fail(absl::StrCat("--threads: ", threads, " is out of range; valid: 1 to 256"));
  }
  // Check every name before running anything.
  for (const std::string& collector : absl::GetFlag(FLAGS_collectors)) {
    absl::StatusOr<std::unique_ptr<Collector>> c = CollectorRegistry::Global().Create(collector);
    if (!c.ok()) Fail(absl::StrCat("--collectors: ", c.status().message()));
  }
  for (const std::string& workload : absl::GetFlag(FLAGS_workloads)) {
    if (WorkloadRegistry::Global().Find(workload) == nullptr) {
      Fail(absl::StrCat("--workloads: ",
                        WorkloadRegistry::Global().UnknownName(workload).message()));
    }
  }
  for (const std::string& collector : absl::GetFlag(FLAGS_collectors)) {
    for (const std::string& workload : absl::GetFlag(FLAGS_workloads)) {
      for (const std::string& heap : absl::GetFlag(FLAGS_heap_mb)) {
        for (const std::string& escape : absl::GetFlag(FLAGS_escape_analysis)) {
          CellSpec cell{.collector = collector,
                        .workload = workload,
                        .params = {.size = *size, .threads = threads},
                        .heap_bytes = ParseHeapMiB(heap),
                        .escape_analysis = ParseOnOff(escape),
                        .verify_heap = std::nullopt};
          if (absl::GetFlag(FLAGS_verify)) cell.verify_heap = true;
          cells.push_back(cell);
        }
      }
    }
  }

  std::printf("%-12s %-14s %8s %6s %-8s %10s %6s %7s %12s %12s %10s %10s\n", "collector",
              "workload", "heap_MiB", "escape", "status", "wall_ms", "gcs", "pauses",
              "pause_tot_ms", "pause_max_ms", "heap_MB", "stack_MB");
  for (const CellSpec& cell : cells) {
    absl::StatusOr<CellResult> result = RunCell(cell);
    if (!result.ok()) Fail(result.status().message());
    std::printf("%-12s %-14s %8.0f %6s %-8s %10.1f %6llu %7zu %12.2f %12.3f %10.1f %10.1f\n",
                cell.collector.c_str(), cell.workload.c_str(),
                static_cast<double>(cell.heap_bytes) / MiB, cell.escape_analysis ? "on" : "off",
                std::string(CellStatusName(result->status)).c_str(), result->wall_nanos / 1e6,
                static_cast<unsigned long long>(result->collections), result->pauses.size(),
                result->total_pause_nanos() / 1e6, result->max_pause_nanos() / 1e6,
                result->heap_bytes_allocated / 1e6, result->stack_bytes_allocated / 1e6);
    // A run that ran out of memory or failed its checksum is a result, not an error
    // of the command: the matrix goes on.
    if (result->status != CellStatus::kOk) std::printf("  %s\n", result->error.c_str());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace gclab

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "gclab: a research harness for garbage collectors\n"
      "  gclab list                     registered collectors and workloads\n"
      "  gclab run [--collectors=...] [--workloads=...] [--heap-mb=...] [--size=...]\n"
      "            [--threads=N] [--escape-analysis=on,off] [--verify]");
  std::vector<std::string> storage;
  std::vector<char*> args = gclab::NormaliseFlags(argc, argv, storage);
  std::vector<char*> positional = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (positional.size() != 2) {
    gclab::Fail("expected one command; valid: list, run (see --help)");
  }
  const absl::string_view command = positional[1];
  if (command == "list") return gclab::List();
  if (command == "run") return gclab::Run();
  gclab::Fail(absl::StrCat("unknown command '", command, "'; valid: list, run"));
}
