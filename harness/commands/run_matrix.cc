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
#include "harness/commands/commands.h"
#include "harness/commands/finished_runs.h"
#include "harness/results/manifest.h"
#include "harness/commands/minheap_search.h"
#include "harness/commands/progress.h"
#include "harness/results/results.h"
#include "harness/results/results_reader.h"
#include "harness/run/run_in_child.h"
#include "harness/commands/summary.h"
#include "runtime/clock.h"

namespace gclab {
namespace fs = std::filesystem;

namespace {

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

// Whether `options.out_dir` can take this matrix: absent or empty (a new folder), or
// holding the same matrix and shard (resumed, *resuming set). The error is a usage one.
absl::Status CheckOutFolder(const RunOptions& options, bool* resuming) {
  *resuming = fs::exists(fs::path(options.out_dir) / "manifest.json");
  if (*resuming) {
    absl::StatusOr<ResultsManifest> manifest = ReadResultsManifest(options.out_dir);
    if (!manifest.ok()) return absl::InvalidArgumentError(manifest.status().message());
    const std::string shard = absl::StrCat(options.shard.index, "/", options.shard.count);
    if (manifest->json["matrix"] != options.spec.ToJson() || manifest->json["shard"] != shard) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.out_dir, " holds results of a different matrix or shard; resume with the "
          "same flags, or choose another --out"));
    }
  } else if (fs::exists(options.out_dir) && !fs::is_empty(options.out_dir)) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.out_dir, " exists and is not a gclab results folder; choose another --out"));
  }
  return absl::OkStatus();
}

// Makes the folder ready to take runs: a new folder gets its manifest first, so that
// a folder without one is never left behind (it would not be resumable: if the
// manifest cannot be written, the folder goes again); runs/ is created, and the
// leftovers of a run killed while writing its folder go. Returns the exit status of
// a failure, or nullopt.
std::optional<int> PrepareOutFolder(const RunOptions& options, const std::vector<Cell>& cells,
                                    const std::vector<size_t>& heap_bytes, bool resuming) {
  std::error_code ec;
  if (!resuming) {
    MatrixManifest manifest{
        .command_line = options.command_line,
        .matrix = options.spec.ToJson(),
        .cells = nlohmann::json::array(),
        .heap_bytes = nlohmann::json::object(),
        .shard = absl::StrCat(options.shard.index, "/", options.shard.count),
        .run_order_seed = options.spec.seed,
    };
    for (const Cell& cell : cells) {
      manifest.cells.push_back(cell.ToJson());
      manifest.heap_bytes[absl::StrCat(cell.index)] = heap_bytes[cell.index];
    }
    const bool existed = fs::exists(options.out_dir);
    fs::create_directories(options.out_dir, ec);
    if (ec) return CommandError(absl::StrCat("--out: cannot create ", options.out_dir, ": ", ec.message()));
    if (absl::Status s = WriteMatrixManifest(options.out_dir, manifest); !s.ok()) {
      if (!existed) fs::remove_all(options.out_dir, ec);
      return CommandError(s.message(), kExitFailed);
    }
  }
  const fs::path runs_dir = fs::path(options.out_dir) / "runs";
  fs::create_directories(runs_dir, ec);
  if (ec) {
    return CommandError(absl::StrCat("--out: cannot create ", runs_dir.string(), ": ", ec.message()),
                        kExitFailed);
  }
  for (const auto& entry : fs::directory_iterator(runs_dir, ec)) {
    if (absl::StartsWith(entry.path().filename().string(), kTemporaryFolderPrefix)) {
      fs::remove_all(entry, ec);
    }
  }
  return std::nullopt;
}

// Runs the matrix's runs into a prepared folder, in the order of `gclab run`'s
// repetition rule (a fixed count, or --reps=auto's rounds), skipping finished ones.
class MatrixRunner {
 public:
  MatrixRunner(const RunOptions& options, const std::vector<Cell>& cells,
               const std::vector<size_t>& heap_bytes)
      : options_(options), spec_(options.spec), cells_(cells), heap_bytes_(heap_bytes),
        runs_dir_(fs::path(options.out_dir) / "runs"), finished_(options.out_dir) {}

  // Every repetition of every cell of the shard.
  void RunFixedReps() {
    const std::vector<PlannedRun> runs =
        RunsOfShard(InterleavedOrder(cells_.size(), spec_.reps, spec_.seed), options_.shard);
    std::vector<PlannedRun> todo;
    for (const PlannedRun& run : runs) {
      if (ToDo(run)) todo.push_back(run);
    }
    std::fprintf(stderr, "gclab: %zu runs (%zu cells x %d reps%s), %zu already done; results in %s\n",
                 runs.size(), cells_.size(), spec_.reps,
                 options_.shard.count > 1
                     ? absl::StrCat(", shard ", options_.shard.index, "/", options_.shard.count).c_str()
                     : "",
                 runs.size() - todo.size(), options_.out_dir.c_str());
    progress_.emplace(runs.size(), runs.size() - todo.size());
    RunAll(todo);
  }

  // --reps=auto: round r runs repetition r of every cell that is still open, in a
  // shuffled order. The decisions depend only on the folders of earlier rounds, so a
  // resumed matrix makes the same ones. Returns the cells that hit the cap still open.
  std::vector<std::string> RunAutoReps() {
    std::fprintf(stderr, "gclab: %zu cells, each repeated until the 95%% interval of its median "
                 "wall time is within %g%% of the median, at most %d times; results in %s\n",
                 cells_.size(), spec_.auto_reps_ci_percent, spec_.reps, options_.out_dir.c_str());
    progress_.emplace(cells_.size() * spec_.reps, 0);
    std::vector<bool> open(cells_.size(), true);
    for (int rep = 1; rep <= spec_.reps && !stopped_; ++rep) {
      std::vector<PlannedRun> round;
      for (const PlannedRun& run : InterleavedOrder(cells_.size(), 1, spec_.seed + rep)) {
        if (!open[run.cell]) continue;
        if (JudgeCell(finished_, run.cell, rep - 1, spec_) != AutoRepsVerdict::kContinue) {
          open[run.cell] = false;
          continue;
        }
        const PlannedRun planned{run.cell, rep};
        if (ToDo(planned)) round.push_back(planned);
      }
      RunAll(round);
    }
    std::vector<std::string> capped;
    for (const Cell& cell : cells_) {
      if (!stopped_ && open[cell.index] &&
          JudgeCell(finished_, cell.index, spec_.reps, spec_) == AutoRepsVerdict::kContinue) {
        capped.push_back(cell.Label());
      }
    }
    return capped;
  }

  bool stopped() const { return stopped_; }
  // Runs made by this invocation, and how many of them could not start (the first's error).
  size_t runs_here() const { return runs_here_; }
  size_t not_started() const { return not_started_; }
  const std::string& first_not_started() const { return first_not_started_; }
  const std::string& write_error() const { return write_error_; }

 private:
  // A run is to do if its folder is absent, or (with --rerun-noisy) if it was noisy.
  bool ToDo(const PlannedRun& run) {
    if (!fs::exists(runs_dir_ / run.Key())) return true;
    if (!options_.rerun_noisy) return false;
    std::optional<RunRow> row = ReadRunRow(finished_, run.Key());
    return row && row->noisy;
  }

  // Runs `runs` in order until one must stop the matrix (interrupted, unwritable).
  void RunAll(const std::vector<PlannedRun>& runs) {
    for (const PlannedRun& run : runs) {
      if (Interrupted()) {
        stopped_ = true;
        return;
      }
      const Cell& cell = cells_[run.cell];
      progress_->Starting(run.Key(), cell.Label());
      const int64_t start = MonotonicNanos();
      std::optional<double> heap_x;
      if (cell.heap.relative) heap_x = cell.heap.value;
      std::optional<ChildRun> ended = RunInChild(
          RunSpecJson(spec_, cell, run.rep, run.Key(), heap_bytes_[run.cell], heap_x,
                      runs_dir_.string()),
          spec_.timeout_seconds, options_.out_dir, &write_error_);
      if (!ended) {
        stopped_ = true;
        return;
      }
      ++runs_here_;
      std::string error;
      if (ended->status != RunStatus::kOk) {
        const std::optional<RunRow> row = ReadRunRow(finished_, run.Key());
        error = row ? row->error : ended->error;
      }
      if (!ended->started) {
        ++not_started_;
        if (first_not_started_.empty()) first_not_started_ = error;
      }
      progress_->Finished(run.Key(), cell.Label(), ended->status, (MonotonicNanos() - start) / 1e9,
                          error);
    }
  }

  const RunOptions& options_;
  const MatrixSpec& spec_;
  const std::vector<Cell>& cells_;
  const std::vector<size_t>& heap_bytes_;
  const fs::path runs_dir_;
  RunFiles finished_;
  bool stopped_ = false;
  size_t runs_here_ = 0;
  size_t not_started_ = 0;
  std::string first_not_started_;
  std::string write_error_;
  std::optional<Progress> progress_;
};

// The top-level files assembled, then the ending the runner's state calls for.
int FinishMatrix(const RunOptions& options, const std::vector<Cell>& cells,
                 const MatrixRunner& runner, const std::vector<std::string>& capped_cells) {
  const MatrixSpec& spec = options.spec;
  absl::Status assembled =
      AssembleResults(options.out_dir, KeysInFileOrder(cells.size(), spec.reps));
  if (!runner.write_error().empty() || !assembled.ok()) {
    return CommandError(absl::StrCat("cannot write results: ",
                                     runner.write_error().empty() ? assembled.message()
                                                                  : runner.write_error(),
                                     "; finished runs are kept in ", options.out_dir,
                                     ". Make room and run the same command again to resume."),
                        kExitFailed);
  }
  if (runner.stopped()) {
    std::fprintf(stderr, "\ngclab: interrupted; finished runs are kept in %s. Run the same "
                 "command again to resume.\n", options.out_dir.c_str());
    return kExitInterrupted;
  }
  if (runner.runs_here() > 0 && runner.not_started() == runner.runs_here()) {
    return CommandError(absl::StrCat("every run failed before it started (", runner.runs_here(),
                                     " of ", runner.runs_here(), "); the first: ",
                                     runner.first_not_started(), "; their rows are in ",
                                     options.out_dir),
                        kExitFailed);
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

}  // namespace

int RunMatrix(const RunOptions& options) {
  const MatrixSpec& spec = options.spec;
  const std::vector<Cell> cells = ExpandCells(spec);
  RemoveTemporaryFiles(options.out_dir);
  bool resuming = false;
  if (absl::Status usable = CheckOutFolder(options, &resuming); !usable.ok()) {
    return CommandError(absl::StrCat("--out: ", usable.message()));
  }
  // Heap sizes: absolute, or multiples of cached (or now measured) minimum heaps.
  InstallInterruptHandlers();
  absl::StatusOr<std::vector<size_t>> heap_bytes =
      ResolveHeapBytes(spec, cells, options.minheap_cache);
  if (!heap_bytes.ok()) {
    return CommandError(heap_bytes.status().message(),
                        absl::IsInvalidArgument(heap_bytes.status()) ? kExitUsage : kExitFailed);
  }
  if (std::optional<int> failed = PrepareOutFolder(options, cells, *heap_bytes, resuming)) {
    return *failed;
  }
  MatrixRunner runner(options, cells, *heap_bytes);
  std::vector<std::string> capped_cells;
  if (spec.auto_reps_ci_percent == 0) {
    runner.RunFixedReps();
  } else {
    capped_cells = runner.RunAutoReps();
  }
  return FinishMatrix(options, cells, runner, capped_cells);
}

}  // namespace gclab
