#include "harness/run/run_in_child.h"

#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "harness/run/child_process.h"
#include "harness/run/exit_status.h"
#include "harness/results/csv.h"
#include "runtime/plugin_loader.h"

namespace gclab {
namespace fs = std::filesystem;

namespace {

std::string SelfPath() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "gclab" : self.string();
}

std::optional<RunStatus> ReadStatusFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return std::nullopt;
  return ParseRunStatus(absl::StripAsciiWhitespace(*text));
}

}  // namespace

std::string StatusFilePath(const std::string& runs_dir, const std::string& key) {
  return (fs::path(runs_dir).parent_path() / "logs" / (key + ".status")).string();
}

nlohmann::json RunSpecJson(const MatrixSpec& spec, const Cell& cell, int rep,
                        const std::string& key, size_t heap_bytes,
                        std::optional<double> heap_x, const std::string& runs_dir) {
  nlohmann::json json = {{"collector", cell.collector},
                         {"workload", cell.workload},
                         {"size", std::string(WorkloadSizeName(spec.size))},
                         {"heap_bytes", heap_bytes},
                         {"threads", cell.threads},
                         {"escape_analysis", cell.escape_analysis},
                         {"seed", spec.seed},
                         {"warmup", spec.warmup},
                         {"verify", spec.verify},
                         {"trace", spec.trace},
                         {"instrument", spec.instrument},
                         {"hiccup_meter", spec.hiccup_meter},
                         {"raw_latency", spec.raw_latency},
                         {"key", key},
                         {"cell", cell.index},
                         {"rep", rep},
                         {"runs_dir", runs_dir},
                         {"status_file", StatusFilePath(runs_dir, key)}};
  if (heap_x) json["heap_x"] = *heap_x;
  return json;
}

RunIdentity IdentityFromJson(const nlohmann::json& json) {
  RunIdentity run;
  run.key = json.at("key");
  run.cell = json.at("cell");
  run.rep = json.at("rep");
  run.collector = json.at("collector");
  run.workload = json.at("workload");
  run.size = json.at("size");
  run.heap_bytes = json.at("heap_bytes");
  if (json.contains("heap_x")) run.heap_x = json.at("heap_x").get<double>();
  run.threads = json.at("threads");
  run.escape_analysis = json.at("escape_analysis");
  run.seed = json.at("seed");
  return run;
}

std::optional<ChildRun> RunInChild(const nlohmann::json& cell_json, double timeout_seconds,
                                     const std::string& out_dir, std::string* write_error) {
  const RunIdentity run = IdentityFromJson(cell_json);
  const fs::path runs_dir = fs::path(out_dir) / "runs";
  const fs::path logs_dir = fs::path(out_dir) / "logs";
  std::error_code ec;
  fs::create_directories(logs_dir, ec);
  const std::string stderr_path = (logs_dir / (run.key + ".stderr")).string();
  fs::remove(stderr_path, ec);
  std::vector<std::string> child_argv = {SelfPath(), "run-once", "--spec=" + cell_json.dump()};
  for (const LoadedPlugin& plugin : LoadedPlugins()) child_argv.push_back("--plugin=" + plugin.path);
  const std::string status_path = StatusFilePath(runs_dir.string(), run.key);
  fs::remove(status_path, ec);
  const ChildOutcome outcome = RunChild(child_argv, timeout_seconds, stderr_path, InterruptFlag());
  if (outcome.kind == ChildOutcome::Kind::kInterrupted) {
    fs::remove(stderr_path, ec);
    fs::remove(status_path, ec);
    return std::nullopt;
  }
  const std::string last_line = LastLine(stderr_path);
  if (outcome.kind == ChildOutcome::Kind::kExited && outcome.exit_code == kExitResultsUnwritten) {
    fs::remove(status_path, ec);
    absl::string_view why = last_line;
    absl::ConsumePrefix(&why, "gclab: ");
    *write_error = absl::StrCat("run ", run.key, " could not write its results: ",
                                why.empty() ? "(no message)" : why);
    return std::nullopt;
  }
  // What the child said of its run: it writes the status file before it renames its
  // run folder into place, and before it aborts on a failed heap verification.
  const std::optional<RunStatus> told = ReadStatusFile(status_path);
  fs::remove(status_path, ec);
  // A run folder appears whole, so one that is there was written by this child,
  // whatever happened to it afterwards (killed on its way out, say): its results
  // stand and are not replaced by a failure.
  if (fs::exists(runs_dir / run.key)) {
    fs::remove(stderr_path, ec);
    return ChildRun{.status = told.value_or(RunStatus::kCrash)};
  }
  RunStatus status = RunStatus::kCrash;
  bool started = true;
  std::string error;
  switch (outcome.kind) {
    case ChildOutcome::Kind::kExited:
      if (outcome.exit_code == kExitRunNotStarted) {
        absl::string_view why = last_line;
        absl::ConsumePrefix(&why, "gclab: ");
        error = absl::StrCat("the run could not start: ", why);
        started = false;
        break;
      }
      error = outcome.exit_code == 0
                  ? "the run exited without writing its results"
                  : absl::StrCat("exit status ", outcome.exit_code, ": ", last_line);
      break;
    case ChildOutcome::Kind::kSignaled:
      error = absl::StrCat("killed by ", strsignal(outcome.signal), ": ", last_line);
      // A plugin's collector is the first suspect: say which, unless the line does.
      if (const LoadedPlugin* plugin = PluginOf(run.collector.substr(0, run.collector.find(':')));
          plugin != nullptr && !absl::StrContains(last_line, plugin->path)) {
        absl::StrAppend(&error, " (in a run of ", CollectorForMessages(run.collector), ")");
      }
      break;
    case ChildOutcome::Kind::kTimedOut:
      status = RunStatus::kTimeout;
      error = absl::StrFormat("no result within the %gs time limit", timeout_seconds);
      break;
    case ChildOutcome::Kind::kNotStarted:
      error = outcome.error;
      break;
    case ChildOutcome::Kind::kInterrupted:
      break;
  }
  // Told "ok" (or any status) and then no folder: the child died while writing it.
  if (told == RunStatus::kVerifyFailed) status = RunStatus::kVerifyFailed;
  if (absl::Status s = WriteRunFolder(runs_dir.string(), run, nullptr, status, error, {});
      !s.ok()) {
    *write_error = std::string(s.message());
    return std::nullopt;
  }
  return ChildRun{status, started, error};
}

}  // namespace gclab
