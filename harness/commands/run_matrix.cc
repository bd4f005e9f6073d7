// `gclab run`: the matrix, run (or resumed) into one results folder, each run in a
// child process, in an interleaved order, until every run of the shard is done or
// (with --reps=auto) every cell's interval is narrow.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/commands.h"
#include "harness/finished_runs.h"
#include "harness/manifest.h"
#include "harness/minheap_search.h"
#include "harness/progress.h"
#include "harness/results.h"
#include "harness/results_reader.h"
#include "harness/run_in_child.h"
#include "harness/summary.h"
#include "runtime/clock.h"

namespace gclab {
namespace fs = std::filesystem;

namespace {

absl::Status WriteManifest(const RunOptions& options, const std::vector<Cell>& cells,
                           const nlohmann::json& heaps_resolved) {
  nlohmann::json cells_json = nlohmann::json::array();
  for (const Cell& cell : cells) cells_json.push_back(cell.ToJson());
  nlohmann::json manifest = {{"schema_version", kSchemaVersion},
                             {"command_line", options.command_line},
                             {"matrix", options.spec.ToJson()},
                             {"cells", cells_json},
                             {"heap_bytes", heaps_resolved},
                             {"shard", absl::StrCat(options.shard.index, "/", options.shard.count)},
                             {"run_order_seed", options.spec.seed},
                             {"build", BuildContext()},
                             {"host", HostContext()},
                             {"date_utc", UtcNow()}};
  return WriteFileAtomically((fs::path(options.out_dir) / "manifest.json").string(),
                             manifest.dump(2) + "\n");
}

// Removes the temporary files a gclab killed while writing left in `out_dir` (only
// names it makes: manifest.json or a results file, the infix, a process id); the
// files they were to replace are intact.
void RemoveTemporaryFiles(const std::string& out_dir) {
  std::vector<std::string> names = ResultFileNames();
  names.push_back("manifest.json");
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string file = entry.path().filename().string();
    for (const std::string& name : names) {
      const std::string prefix = name + kTemporaryFileInfix;
      uint64_t pid = 0;
      if (absl::StartsWith(file, prefix) && absl::SimpleAtoi(file.substr(prefix.size()), &pid)) {
        fs::remove(entry.path(), ec);
      }
    }
  }
}

}  // namespace

int RunMatrix(const RunOptions& options) {
  const MatrixSpec& spec = options.spec;
  const std::vector<Cell> cells = ExpandCells(spec);
  RemoveTemporaryFiles(options.out_dir);
  const bool resuming = fs::exists(fs::path(options.out_dir) / "manifest.json");
  if (resuming) {
    absl::StatusOr<ResultsManifest> manifest = ReadResultsManifest(options.out_dir);
    if (!manifest.ok()) return CommandError(absl::StrCat("--out: ", manifest.status().message()));
    const std::string shard = absl::StrCat(options.shard.index, "/", options.shard.count);
    if (manifest->json["matrix"] != spec.ToJson() || manifest->json["shard"] != shard) {
      return CommandError(absl::StrCat("--out: ", options.out_dir,
                                " holds results of a different matrix or shard; resume with "
                                "the same flags, or choose another --out"));
    }
  } else if (fs::exists(options.out_dir) && !fs::is_empty(options.out_dir)) {
    return CommandError(absl::StrCat("--out: ", options.out_dir,
                              " exists and is not a gclab results folder; choose another --out"));
  }

  // Heap sizes: absolute, or multiples of cached (or now measured) minimum heaps.
  InstallInterruptHandlers();
  absl::StatusOr<std::vector<size_t>> resolved = ResolveHeapBytes(spec, cells, options.minheap_cache);
  if (!resolved.ok()) {
    return CommandError(resolved.status().message(),
                        absl::IsInvalidArgument(resolved.status()) ? kExitUsage : kExitFailed);
  }
  const std::vector<size_t>& heap_bytes = *resolved;
  nlohmann::json heaps_resolved = nlohmann::json::object();
  for (const Cell& cell : cells) heaps_resolved[absl::StrCat(cell.index)] = heap_bytes[cell.index];

  // A new folder gets its manifest first, so that a folder without one is never
  // left behind (it would not be resumable): if the manifest cannot be written, the
  // folder goes again.
  std::error_code ec;
  if (!resuming) {
    const bool existed = fs::exists(options.out_dir);
    fs::create_directories(options.out_dir, ec);
    if (ec) return CommandError(absl::StrCat("--out: cannot create ", options.out_dir, ": ", ec.message()));
    if (absl::Status s = WriteManifest(options, cells, heaps_resolved); !s.ok()) {
      if (!existed) fs::remove_all(options.out_dir, ec);
      return CommandError(s.message(), kExitFailed);
    }
  }
  fs::create_directories(fs::path(options.out_dir) / "runs", ec);
  if (ec) return CommandError(absl::StrCat("--out: cannot create ", options.out_dir, "/runs: ", ec.message()), kExitFailed);
  // Leftovers of a run killed while writing its folder.
  for (const auto& entry : fs::directory_iterator(fs::path(options.out_dir) / "runs", ec)) {
    if (absl::StartsWith(entry.path().filename().string(), ".tmp-")) fs::remove_all(entry, ec);
  }

  const fs::path runs_dir = fs::path(options.out_dir) / "runs";
  const bool rerun_noisy = options.rerun_noisy;
  RunFiles finished(options.out_dir);
  // A run is to do if its folder is absent, or (with --rerun-noisy) if it was noisy.
  auto to_do = [&](const PlannedRun& run) {
    if (!fs::exists(runs_dir / run.Key())) return true;
    if (!rerun_noisy) return false;
    std::optional<RunRow> row = ReadRunRow(finished, run.Key());
    return row && row->noisy;
  };
  bool stopped = false;
  std::string write_error;
  std::optional<Progress> progress;
  // Runs `runs` in order; false if the matrix must stop (interrupted, unwritable).
  auto run_all = [&](const std::vector<PlannedRun>& runs) {
    for (const PlannedRun& run : runs) {
      if (Interrupted()) {
        stopped = true;
        return false;
      }
      const Cell& cell = cells[run.cell];
      progress->Starting(run.Key(), cell.Label());
      const int64_t start = MonotonicNanos();
      std::optional<double> heap_x;
      if (cell.heap.relative) heap_x = cell.heap.value;
      std::optional<RunStatus> status = RunInChild(
          RunSpecJson(spec, cell, run.rep, run.Key(), heap_bytes[run.cell], heap_x,
                   runs_dir.string()),
          spec.timeout_seconds, options.out_dir, &write_error);
      if (!status) {
        stopped = true;
        return false;
      }
      progress->Finished(run.Key(), cell.Label(), *status, (MonotonicNanos() - start) / 1e9);
    }
    return true;
  };

  std::vector<std::string> capped_cells;
  if (spec.auto_reps_ci_percent == 0) {
    const std::vector<PlannedRun> runs =
        RunsOfShard(InterleavedOrder(cells.size(), spec.reps, spec.seed), options.shard);
    std::vector<PlannedRun> todo;
    for (const PlannedRun& run : runs) {
      if (to_do(run)) todo.push_back(run);
    }
    std::fprintf(stderr, "gclab: %zu runs (%zu cells x %d reps%s), %zu already done; results in %s\n",
                 runs.size(), cells.size(), spec.reps,
                 options.shard.count > 1
                     ? absl::StrCat(", shard ", options.shard.index, "/", options.shard.count).c_str()
                     : "",
                 runs.size() - todo.size(), options.out_dir.c_str());
    progress.emplace(runs.size(), runs.size() - todo.size());
    run_all(todo);
  } else {
    std::fprintf(stderr, "gclab: %zu cells, each repeated until the 95%% interval of its median "
                 "wall time is within %g%% of the median, at most %d times; results in %s\n",
                 cells.size(), spec.auto_reps_ci_percent, spec.reps, options.out_dir.c_str());
    progress.emplace(cells.size() * spec.reps, 0);
    // Round r runs repetition r of every cell that is still open, in a shuffled order:
    // the decisions depend only on the folders of earlier rounds, so a resumed matrix
    // makes the same ones.
    std::vector<bool> open(cells.size(), true);
    for (int rep = 1; rep <= spec.reps && !stopped; ++rep) {
      std::vector<PlannedRun> round;
      for (const PlannedRun& run : InterleavedOrder(cells.size(), 1, spec.seed + rep)) {
        if (!open[run.cell]) continue;
        const AutoRepsVerdict verdict = JudgeCell(finished, run.cell, rep - 1, spec);
        if (verdict != AutoRepsVerdict::kContinue) {
          open[run.cell] = false;
          continue;
        }
        const PlannedRun planned{run.cell, rep};
        if (to_do(planned)) round.push_back(planned);
      }
      run_all(round);
    }
    for (const Cell& cell : cells) {
      if (!stopped && open[cell.index] &&
          JudgeCell(finished, cell.index, spec.reps, spec) == AutoRepsVerdict::kContinue) {
        capped_cells.push_back(cell.Label());
      }
    }
  }
  absl::Status assembled =
      AssembleResults(options.out_dir, KeysInFileOrder(cells.size(), spec.reps));
  if (!write_error.empty() || !assembled.ok()) {
    return CommandError(absl::StrCat("cannot write results: ",
                              write_error.empty() ? assembled.message() : write_error,
                              "; finished runs are kept in ", options.out_dir,
                              ". Make room and run the same command again to resume."),
                 kExitFailed);
  }
  if (stopped) {
    std::fprintf(stderr, "\ngclab: interrupted; finished runs are kept in %s. Run the same "
                 "command again to resume.\n", options.out_dir.c_str());
    return kExitInterrupted;
  }
  PrintSummary(options.out_dir, CellLabels(cells));
  if (!capped_cells.empty()) {
    std::printf("--reps=auto: %zu cells ran --max-reps=%d times without their interval "
                "narrowing to %g%%: %s\n",
                capped_cells.size(), spec.reps, spec.auto_reps_ci_percent,
                absl::StrJoin(capped_cells, "; ").c_str());
  }
  std::printf("results: %s\n", options.out_dir.c_str());
  return kExitOk;
}

}  // namespace gclab
