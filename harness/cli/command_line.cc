#include "harness/cli/command_line.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/flags/flag.h"
#include "harness/cli/flags.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "runtime/collector.h"
#include "runtime/object.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

std::string CommandNames() {
  std::vector<std::string> names;
  for (const CommandSpec& command : Commands()) {
    if (!command.internal) names.push_back(command.name);
  }
  return absl::StrJoin(names, ", ");
}

std::string Dashed(absl::string_view flag) { return absl::StrReplaceAll(flag, {{"_", "-"}}); }

std::string FlagNames(const CommandSpec& command) {
  std::vector<std::string> valid;
  for (const absl::CommandLineFlag* flag : command.flags) {
    valid.push_back("--" + Dashed(flag->Name()));
  }
  return valid.empty() ? "(none)" : absl::StrJoin(valid, ", ");
}

// Parses every element of a comma list with `parse`; the first error wins.
template <typename T, typename Parse>
absl::StatusOr<std::vector<T>> ParseList(const char* flag, const std::vector<std::string>& texts,
                                         Parse parse) {
  if (texts.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": empty list"));
  std::vector<T> values;
  for (const std::string& text : texts) {
    absl::StatusOr<T> value = parse(text);
    if (!value.ok()) return value.status();
    values.push_back(*value);
  }
  return values;
}

absl::Status Invalid(absl::string_view message) { return absl::InvalidArgumentError(message); }

std::string Mib(double bytes) { return absl::StrFormat("%.1f MiB", bytes / MiB); }

// A heap smaller than what a workload keeps live cannot complete: refused up front
// rather than reported as a matrix of out-of-memory runs.
absl::Status CheckHeapsHoldLiveData(const MatrixSpec& spec) {
  double smallest = 0;
  for (const HeapSetting& heap : spec.heaps) {
    if (heap.relative) continue;
    if (smallest == 0 || heap.value < smallest) smallest = heap.value;
  }
  if (smallest == 0) return absl::OkStatus();
  for (const std::string& name : spec.workloads) {
    for (int threads : spec.threads) {
      absl::StatusOr<std::unique_ptr<Workload>> workload = WorkloadRegistry::Global().Create(
          name, WorkloadParams{.size = spec.size, .threads = threads});
      if (!workload.ok()) return workload.status();
      const double live = static_cast<double>((*workload)->LiveBytesEstimate());
      if (smallest * MiB < live) {
        return Invalid(absl::StrFormat(
            "--heap-mb: %g MiB is smaller than %s's live data at --size=%s --threads=%d "
            "(about %s); valid: at least %.0f, or --heap-x to size heaps from measured minimums",
            smallest, name, WorkloadSizeName(spec.size), threads, Mib(live),
            std::ceil(live / MiB)));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t MachineMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  return pages > 0 && page_size > 0 ? uint64_t(pages) * uint64_t(page_size) : 0;
}

std::string HelpText(const std::string& name) {
  if (name.empty()) {
    std::string text = "gclab: a research harness for garbage collectors\n\nusage: gclab COMMAND "
                       "[flags]   (gclab COMMAND --help for its flags)\n\n";
    for (const CommandSpec& command : Commands()) {
      if (!command.internal) {
        absl::StrAppendFormat(&text, "  %-12s %s\n", command.name, command.summary);
      }
    }
    return text;
  }
  const CommandSpec& command = *FindCommand(name);
  std::string text = absl::StrFormat("usage: gclab %s%s%s\n  %s\n", name,
                                     command.flags.empty() ? "" : " [flags]", command.arguments,
                                     command.summary);
  for (const absl::CommandLineFlag* flag : command.flags) {
    if (auto own = command.flag_help.find(std::string(flag->Name()));
        own != command.flag_help.end()) {
      absl::StrAppendFormat(&text, "  --%-16s %s\n", Dashed(flag->Name()), own->second);
      continue;
    }
    absl::StrAppendFormat(&text, "  --%-16s %s (default: %s)\n", Dashed(flag->Name()),
                          flag->Help(), flag->DefaultValue().empty() ? "none" : flag->DefaultValue());
  }
  return text;
}

namespace {

// The flag name an argument "-name[=value]" or "--name[=value]" spells, dashes as
// underscores.
std::string FlagNameOf(const std::string& arg) {
  const size_t equals = arg.find('=');
  const size_t start = arg.starts_with("--") ? 2 : 1;
  return absl::StrReplaceAll(arg.substr(start, std::min(equals, arg.size()) - start),
                             {{"-", "_"}});
}

// The flag of `command` that `arg` (an argument starting with "-") sets, and the value:
// "--name=value", "--name" (a boolean: true) or "--noname" (a boolean: false). The error
// names what is valid.
absl::StatusOr<std::pair<absl::CommandLineFlag*, std::string>> FlagAndValue(
    const CommandSpec& command, const std::string& command_name, const std::string& arg) {
  const size_t equals = arg.find('=');
  const size_t start = arg.starts_with("--") ? 2 : 1;
  const std::string name = FlagNameOf(arg);
  // The command's own flag of that name, or null.
  auto flag_named = [&](const std::string& flag) -> absl::CommandLineFlag* {
    for (absl::CommandLineFlag* f : command.flags) {
      if (f->Name() == flag) return f;
    }
    return nullptr;
  };
  auto takes = [&](const std::string& flag) { return flag_named(flag) != nullptr; };
  std::string flag_name = name;
  std::string value;
  if (equals != std::string::npos) {
    value = arg.substr(equals + 1);
  } else if (takes(name)) {
    value = "true";  // only right for a boolean; checked below
  } else if (name.starts_with("no") && takes(name.substr(2))) {
    flag_name = name.substr(2);
    value = "false";
  }
  absl::CommandLineFlag* flag = flag_named(flag_name);
  if (start != 2 || flag == nullptr ||
      (flag_name != name && (equals != std::string::npos || !flag->IsOfType<bool>()))) {
    return Invalid(absl::StrCat("unknown flag ", arg.substr(0, std::min(equals, arg.size())),
                                " for 'gclab ", command_name,
                                "'; valid: ", FlagNames(command)));
  }
  if (value.empty() && flag->IsOfType<std::vector<std::string>>()) {
    return Invalid(absl::StrCat("--", Dashed(flag_name), ": empty list; valid: --",
                                Dashed(flag_name), "=A,B,..."));
  }
  if (equals == std::string::npos && !flag->IsOfType<bool>()) {
    return Invalid(absl::StrCat("--", Dashed(flag_name), " needs a value; valid: --",
                                Dashed(flag_name), "=VALUE"));
  }
  return std::make_pair(flag, value);
}

}  // namespace

absl::StatusOr<ParsedCommand> ParseCommandLine(const std::vector<std::string>& args) {
  ParsedCommand parsed;
  for (const std::string& arg : args) {
    if (!arg.starts_with("-")) {
      parsed.name = arg;
      break;
    }
  }
  parsed.argv.push_back("gclab");
  parsed.argv.insert(parsed.argv.end(), args.begin(), args.end());
  const CommandSpec* command = FindCommand(parsed.name);
  if (!parsed.name.empty() && command == nullptr) {
    return Invalid(absl::StrCat("unknown command '", parsed.name, "'; valid: ", CommandNames()));
  }
  std::vector<std::pair<absl::CommandLineFlag*, std::string>> values;
  bool seen_command = false, only_operands = false;
  for (const std::string& arg : args) {
    if (only_operands || !arg.starts_with("-")) {
      if (seen_command || only_operands) {
        parsed.operands.push_back(arg);
      } else {
        seen_command = true;
      }
      continue;
    }
    if (arg == "--") {
      only_operands = true;
      continue;
    }
    if (FlagNameOf(arg) == "help" || FlagNameOf(arg) == "helpfull") {
      parsed.help = true;
      continue;
    }
    if (command == nullptr) continue;  // no command yet: reported below
    absl::StatusOr<std::pair<absl::CommandLineFlag*, std::string>> flag_value =
        FlagAndValue(*command, parsed.name, arg);
    if (!flag_value.ok()) return flag_value.status();
    values.push_back(*std::move(flag_value));
  }
  if (parsed.name.empty() && !parsed.help) {
    return Invalid(absl::StrCat("expected a command; valid: ", CommandNames()));
  }
  if (!parsed.operands.empty() &&
      (command == nullptr || command->arguments.empty())) {
    return Invalid(absl::StrCat("'gclab", parsed.name.empty() ? "" : " ", parsed.name,
                                "' takes no arguments, got '",
                                parsed.operands[0], "'"));
  }
  for (const auto& [flag, value] : values) {
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return Invalid(absl::StrCat("--", Dashed(flag->Name()), ": '", value,
                                  "' is not valid (", error, ")"));
    }
  }
  return parsed;
}

namespace {

// The matrix's axes but heaps, and what every run shares: seed and time limit.
absl::Status AxesFromFlags(MatrixSpec* spec) {
  spec->collectors = absl::GetFlag(FLAGS_collectors);
  spec->workloads = absl::GetFlag(FLAGS_workloads);
  if (spec->collectors.empty()) return Invalid("--collectors: empty list");
  if (spec->workloads.empty()) return Invalid("--workloads: empty list");
  for (const std::string& collector : spec->collectors) {
    absl::StatusOr<std::unique_ptr<Collector>> c = CollectorRegistry::Global().Create(collector);
    if (!c.ok()) return Invalid(absl::StrCat("--collectors: ", c.status().message()));
  }
  for (const std::string& workload : spec->workloads) {
    if (WorkloadRegistry::Global().Find(workload) == nullptr) {
      return Invalid(absl::StrCat("--workloads: ",
                                  WorkloadRegistry::Global().UnknownName(workload).message()));
    }
  }
  absl::StatusOr<WorkloadSize> size = ParseWorkloadSize(absl::GetFlag(FLAGS_size));
  if (!size.ok()) return Invalid(absl::StrCat("--size: ", size.status().message()));
  spec->size = *size;
  absl::StatusOr<std::vector<int>> threads = ParseList<int>(
      "threads", absl::GetFlag(FLAGS_threads), [](const std::string& t) -> absl::StatusOr<int> {
        int n = 0;
        if (!absl::SimpleAtoi(t, &n) || n < 1 || n > kMaxThreads) {
          return Invalid(absl::StrCat("--threads: '", t, "' is not a thread count; valid: 1 to ",
                                      kMaxThreads));
        }
        return n;
      });
  if (!threads.ok()) return threads.status();
  spec->threads = *threads;
  absl::StatusOr<std::vector<bool>> escape = ParseList<bool>(
      "escape-analysis", absl::GetFlag(FLAGS_escape_analysis),
      [](const std::string& t) -> absl::StatusOr<bool> {
        if (t != "on" && t != "off") {
          return Invalid(absl::StrCat("--escape-analysis: '", t, "' is not valid; valid: on, off"));
        }
        return t == "on";
      });
  if (!escape.ok()) return escape.status();
  spec->escape_analysis = *escape;
  spec->seed = absl::GetFlag(FLAGS_seed);
  spec->timeout_seconds = absl::GetFlag(FLAGS_timeout);
  spec->probe_timeout_seconds = absl::GetFlag(FLAGS_probe_timeout);
  for (const auto& [flag, seconds] : {std::pair{"--timeout", spec->timeout_seconds},
                                      std::pair{"--probe-timeout", spec->probe_timeout_seconds}}) {
    if (!(seconds > 0 && seconds <= 7 * 24 * 3600)) {
      return Invalid(absl::StrCat(flag, ": ", seconds,
                                  " is out of range; valid: more than 0 and up to 604800 seconds"));
    }
  }
  return absl::OkStatus();
}

// --heap-mb or --heap-x.
absl::Status HeapsFromFlags(MatrixSpec* spec) {
  const auto heap_mb = absl::GetFlag(FLAGS_heap_mb);
  const auto heap_x = absl::GetFlag(FLAGS_heap_x);
  if (!heap_mb.empty() && !heap_x.empty()) {
    return Invalid("--heap-mb and --heap-x exclude each other; give one");
  }
  const double machine_mib = std::floor(MachineMemoryBytes() / double(MiB));
  absl::StatusOr<std::vector<HeapSetting>> heap_settings;
  if (!heap_x.empty()) {
    heap_settings = ParseList<HeapSetting>(
        "heap-x", heap_x, [](const std::string& t) -> absl::StatusOr<HeapSetting> {
          double x = 0;
          if (!absl::SimpleAtod(t, &x) || !(x >= 1 && x <= kMaxHeapMultiple)) {
            return Invalid(absl::StrCat("--heap-x: '", t,
                                        "' is not a heap multiple; valid: a number from 1 to ",
                                        kMaxHeapMultiple));
          }
          return HeapSetting{true, x};
        });
  } else {
    heap_settings = ParseList<HeapSetting>(
        "heap-mb", heap_mb.empty() ? std::vector<std::string>{"64"} : heap_mb,
        [machine_mib](const std::string& t) -> absl::StatusOr<HeapSetting> {
          double mib = 0;
          if (!absl::SimpleAtod(t, &mib) || !(mib >= 1)) {
            return Invalid(absl::StrFormat(
                "--heap-mb: '%s' is not a heap size; valid: a number of MiB from 1 to %.0f", t,
                machine_mib));
          }
          if (mib > machine_mib) {
            return Invalid(absl::StrFormat(
                "--heap-mb: '%s' is more than this machine's memory; valid: a number of MiB "
                "from 1 to %.0f",
                t, machine_mib));
          }
          return HeapSetting{false, mib};
        });
  }
  if (!heap_settings.ok()) return heap_settings.status();
  spec->heaps = *heap_settings;
  return CheckHeapsHoldLiveData(*spec);
}

// --reps (a count, or auto with --until-ci and --max-reps).
absl::Status RepsFromFlags(MatrixSpec* spec) {
  const std::string reps = absl::GetFlag(FLAGS_reps);
  const std::string until_ci = absl::GetFlag(FLAGS_until_ci);
  const std::string max_reps = absl::GetFlag(FLAGS_max_reps);
  if (reps == "auto") {
    spec->auto_reps_ci_percent = kDefaultAutoRepsCiPercent;
    if (!until_ci.empty() &&
        (!absl::SimpleAtod(until_ci, &spec->auto_reps_ci_percent) ||
         !(spec->auto_reps_ci_percent > 0 && spec->auto_reps_ci_percent <= 100))) {
      return Invalid(absl::StrCat("--until-ci: '", until_ci,
                                  "' is out of range; valid: a percentage of the median above "
                                  "0 and up to 100"));
    }
    spec->reps = kDefaultAutoRepsCap;
    if (!max_reps.empty() &&
        (!absl::SimpleAtoi(max_reps, &spec->reps) || spec->reps < 2 || spec->reps > kMaxReps)) {
      return Invalid(absl::StrCat("--max-reps: '", max_reps, "' is out of range; valid: 2 to ",
                                  kMaxReps));
    }
  } else {
    if (!absl::SimpleAtoi(reps, &spec->reps) || spec->reps < 1 || spec->reps > kMaxReps) {
      return Invalid(absl::StrCat("--reps: '", reps, "' is out of range; valid: 1 to ", kMaxReps,
                                  ", or auto"));
    }
    if (!until_ci.empty() || !max_reps.empty()) {
      return Invalid(absl::StrCat(until_ci.empty() ? "--max-reps" : "--until-ci",
                                  " goes with --reps=auto; valid: --reps=auto --until-ci=PCT "
                                  "--max-reps=N"));
    }
  }
  return absl::OkStatus();
}

// Warm-up, verification and what each run records.
absl::Status RunSettingsFromFlags(MatrixSpec* spec) {
  spec->warmup = absl::GetFlag(FLAGS_warmup);
  if (spec->warmup < 0 || spec->warmup > kMaxWarmup) {
    return Invalid(absl::StrCat("--warmup: ", spec->warmup, " is out of range; valid: 0 to ",
                                kMaxWarmup));
  }
  spec->verify = absl::GetFlag(FLAGS_verify);
  spec->trace = absl::GetFlag(FLAGS_trace);
  spec->instrument = absl::GetFlag(FLAGS_instrument);
  spec->hiccup_meter = absl::GetFlag(FLAGS_hiccup_meter);
  const std::string latency = absl::GetFlag(FLAGS_latency);
  if (latency != "histogram" && latency != "raw") {
    return Invalid(absl::StrCat("--latency: unknown '", latency, "'; valid: histogram, raw"));
  }
  spec->raw_latency = latency == "raw";
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MatrixSpec> MatrixFromFlags(bool heaps) {
  MatrixSpec spec;
  if (absl::Status s = AxesFromFlags(&spec); !s.ok()) return s;
  if (!heaps) return spec;
  for (auto from_flags : {HeapsFromFlags, RepsFromFlags, RunSettingsFromFlags}) {
    if (absl::Status s = from_flags(&spec); !s.ok()) return s;
  }
  return spec;
}

}  // namespace gclab
