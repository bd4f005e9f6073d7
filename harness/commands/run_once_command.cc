// `gclab run-once` (internal): one run of the matrix in this process, described by the
// JSON the matrix wrote (run_in_child.h), its results written into runs/<key>.
#include "absl/strings/str_cat.h"
#include "harness/commands/commands.h"
#include "harness/results/results.h"
#include "harness/run/crash_report.h"
#include "harness/run/run_once.h"
#include "harness/run/run_in_child.h"
#include "nlohmann/json.hpp"

namespace gclab {
namespace {

// Where this run tells its status (run_in_child.h); set once, before the run starts.
std::string status_file;

bool TellStatus(RunStatus status) {
  return WriteFileAtomically(status_file, std::string(RunStatusName(status)) + "\n").ok();
}

void TellVerificationFailed() { TellStatus(RunStatus::kVerifyFailed); }

}  // namespace

int RunOnceCommand(const std::string& spec_json) {
  nlohmann::json json = nlohmann::json::parse(spec_json, nullptr, false);
  if (json.is_discarded()) return CommandError("run-once: --spec is not valid JSON");
  RunIdentity run;
  RunSpec spec;
  std::string runs_dir;
  RunFileOptions files;
  try {
    run = IdentityFromJson(json);
    absl::StatusOr<WorkloadSize> size = ParseWorkloadSize(run.size);
    if (!size.ok()) return CommandError(size.status().message());
    spec.collector = run.collector;
    spec.workload = run.workload;
    spec.params = {.size = *size, .threads = run.threads, .seed = run.seed};
    spec.heap_bytes = run.heap_bytes;
    spec.escape_analysis = run.escape_analysis;
    if (json.at("verify").get<bool>()) spec.verify_heap = true;
    spec.warmup = json.at("warmup");
    spec.instrument = json.at("instrument");
    spec.hiccup_meter = json.at("hiccup_meter");
    runs_dir = json.at("runs_dir");
    status_file = json.at("status_file");
    files.trace = json.at("trace");
    files.raw_latency = json.value("raw_latency", false);
  } catch (const nlohmann::json::exception& e) {
    return CommandError(absl::StrCat("run-once: malformed --spec: ", e.what()));
  }
  SetHeapVerificationFailureHook(TellVerificationFailed);
  InstallCrashReport(spec.collector);
  absl::StatusOr<RunResult> result = RunOnce(spec);
  if (!result.ok()) return CommandError(result.status().message(), kExitRunNotStarted);
  // The status first: once the folder is in place the run is done, whatever happens
  // to this process next.
  if (!TellStatus(result->status)) {
    return CommandError(absl::StrCat("cannot write ", status_file), kExitResultsUnwritten);
  }
  absl::Status written =
      WriteRunFolder(runs_dir, run, &*result, result->status, result->error, files);
  if (!written.ok()) return CommandError(written.message(), kExitResultsUnwritten);
  return kExitOk;
}

}  // namespace gclab
