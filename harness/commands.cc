#include "harness/commands.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "harness/child_process.h"
#include "harness/csv.h"
#include "harness/manifest.h"
#include "harness/minheap.h"
#include "harness/results.h"
#include "harness/results_reader.h"
#include "harness/run_cell.h"
#include "harness/stats.h"
#include "harness/units.h"
#include "runtime/plugin_loader.h"
#include "runtime/clock.h"

namespace gclab {
namespace fs = std::filesystem;

namespace {

std::atomic<bool> interrupted{false};

void OnInterrupt(int) { interrupted.store(true); }

void InstallInterruptHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::string SelfPath() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "gclab" : self.string();
}

// Every key of the matrix in file order: cell-major, then repetition.
std::vector<std::string> KeysInFileOrder(size_t num_cells, int reps) {
  std::vector<std::string> keys;
  for (size_t cell = 0; cell < num_cells; ++cell) {
    for (int rep = 1; rep <= reps; ++rep) keys.push_back(PlannedRun{int(cell), rep}.Key());
  }
  return keys;
}

// --- What finished runs say ---

// The fields of a run folder's runs.csv that the matrix itself acts on.
struct RunRow {
  CellStatus status = CellStatus::kCrash;
  bool noisy = false;
  std::optional<double> wall_s;
};

std::optional<RunRow> ReadRunRow(RunFiles& runs, const std::string& key) {
  absl::StatusOr<std::string> text = runs.Read(key, "runs.csv");
  if (!text.ok()) return std::nullopt;
  absl::StatusOr<CsvTable> table = ParseCsv(*text);
  if (!table.ok() || table->rows.size() != 1 || table->Column("status") < 0) return std::nullopt;
  const std::vector<std::string>& row = table->rows[0];
  RunRow run;
  bool known = false;
  for (int i = 0; i <= int(CellStatus::kTimeout); ++i) {
    if (CellStatusName(CellStatus(i)) == row[table->Column("status")]) {
      run.status = CellStatus(i);
      known = true;
    }
  }
  if (!known) return std::nullopt;
  run.noisy = table->Column("noisy") >= 0 && row[table->Column("noisy")] == "1";
  double wall = 0;
  if (table->Column("wall_s") >= 0 && absl::SimpleAtod(row[table->Column("wall_s")], &wall)) {
    run.wall_s = wall;
  }
  return run;
}

enum class AutoRepsVerdict { kContinue, kConverged, kFailed };

// --reps=auto: whether `cell` needs another repetition after its first `reps_done`.
// A run that failed ends the cell (repeating a crash measures nothing); noisy runs
// do not count towards the interval.
AutoRepsVerdict JudgeCell(RunFiles& runs, int cell, int reps_done,
                          const MatrixSpec& spec) {
  std::vector<double> walls;
  for (int rep = 1; rep <= reps_done; ++rep) {
    std::optional<RunRow> row = ReadRunRow(runs, PlannedRun{cell, rep}.Key());
    if (!row) continue;
    if (row->status != CellStatus::kOk) return AutoRepsVerdict::kFailed;
    if (!row->noisy && row->wall_s) walls.push_back(*row->wall_s);
  }
  if (walls.size() < 2) return AutoRepsVerdict::kContinue;
  const MedianInterval m = MedianWithInterval(walls);
  const bool narrow = m.median > 0 && (m.high - m.low) / m.median * 100 <= spec.auto_reps_ci_percent;
  return m.confidence >= 0.95 && narrow ? AutoRepsVerdict::kConverged : AutoRepsVerdict::kContinue;
}

// --- One run in a child process ---

nlohmann::json CellJson(const MatrixSpec& spec, const Cell& cell, int rep,
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
                         {"runs_dir", runs_dir}};
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

// Runs one cell in a child process and makes sure runs/<key> describes what
// happened. Returns the status, or nullopt if interrupted or if the results could
// not be written (then *write_error says why; runs/<key> is absent either way).
std::optional<CellStatus> RunInChild(const nlohmann::json& cell_json, double timeout_seconds,
                                     const std::string& out_dir, std::string* write_error) {
  const RunIdentity run = IdentityFromJson(cell_json);
  const fs::path runs_dir = fs::path(out_dir) / "runs";
  const fs::path logs_dir = fs::path(out_dir) / "logs";
  std::error_code ec;
  fs::create_directories(logs_dir, ec);
  const std::string stderr_path = (logs_dir / (run.key + ".stderr")).string();
  fs::remove(stderr_path, ec);
  std::vector<std::string> child_argv = {SelfPath(), "cell", "--spec=" + cell_json.dump()};
  for (const LoadedPlugin& plugin : LoadedPlugins()) child_argv.push_back("--plugin=" + plugin.path);
  const ChildOutcome outcome = RunChild(child_argv, timeout_seconds, stderr_path, interrupted);
  if (outcome.kind == ChildOutcome::Kind::kInterrupted) {
    fs::remove(stderr_path, ec);
    return std::nullopt;
  }
  // A run folder appears whole (it is renamed into place), so one that is there was
  // written by this child, whatever happened to it afterwards (killed on its way
  // out, say): its results stand and are not replaced by a failure.
  RunFiles runs(out_dir);
  if (std::optional<RunRow> row = ReadRunRow(runs, run.key)) {
    fs::remove(stderr_path, ec);
    return row->status;
  }
  const std::string last_line = LastLine(stderr_path);
  CellStatus status = CellStatus::kCrash;
  std::string error;
  switch (outcome.kind) {
    case ChildOutcome::Kind::kExited:
      if (outcome.exit_code == kExitResultsUnwritten) {
        absl::string_view why = last_line;
        absl::ConsumePrefix(&why, "gclab: ");
        *write_error = absl::StrCat("run ", run.key, " could not write its results: ",
                                    why.empty() ? "(no message)" : why);
        return std::nullopt;
      }
      error = outcome.exit_code == 0
                  ? "the run exited without writing its results"
                  : absl::StrCat("exit status ", outcome.exit_code, ": ", last_line);
      break;
    case ChildOutcome::Kind::kSignaled:
      error = absl::StrCat("killed by ", strsignal(outcome.signal), ": ", last_line);
      break;
    case ChildOutcome::Kind::kTimedOut:
      status = CellStatus::kTimeout;
      error = absl::StrFormat("no result within the %gs time limit", timeout_seconds);
      break;
    case ChildOutcome::Kind::kNotStarted:
      error = outcome.error;
      break;
    case ChildOutcome::Kind::kInterrupted:
      break;
  }
  if (absl::StrContains(last_line, "heap verification failed")) {
    status = CellStatus::kVerifyFailed;
  }
  if (absl::Status s = WriteRunFolder(runs_dir.string(), run, nullptr, status, error, {});
      !s.ok()) {
    *write_error = std::string(s.message());
    return std::nullopt;
  }
  return status;
}

// --- Minimum heaps ---

MinHeapKey KeyOf(const MatrixSpec& spec, const std::string& collector,
                 const std::string& workload, int threads, bool escape) {
  absl::StatusOr<CollectorSpec> parsed = ParseCollectorSpec(collector);
  return MinHeapKey{collector, workload, std::string(WorkloadSizeName(spec.size)), threads,
                    escape, CollectorBuildId(parsed.ok() ? parsed->name : collector)};
}

absl::StatusOr<MinHeapCache> LoadMinHeapCache(const std::string& path) {
  absl::StatusOr<MinHeapCache> cache = MinHeapCache::Load(path);
  if (cache.ok() && cache->stale_rows() > 0) {
    std::fprintf(stderr,
                 "gclab: note: %d rows of the minimum-heap cache %s do not say which build "
                 "measured them; those minimum heaps will be measured again\n",
                 cache->stale_rows(), path.c_str());
  }
  return cache;
}

// Finds the minimum heap by bisection, each probe a child process.
absl::StatusOr<size_t> MeasureMinHeap(const MatrixSpec& spec, const MinHeapKey& key) {
  const fs::path scratch = fs::temp_directory_path() / absl::StrCat("gclab-minheap-", getpid());
  std::error_code ec;
  fs::create_directories(scratch / "runs", ec);
  absl::StatusOr<std::unique_ptr<Workload>> workload = WorkloadRegistry::Global().Create(
      key.workload, WorkloadParams{.size = spec.size, .threads = key.threads});
  if (!workload.ok()) return workload.status();
  Cell cell{0, key.collector, key.workload, {}, key.threads, key.escape_analysis};
  MatrixSpec probe_spec = spec;
  probe_spec.warmup = 0;
  probe_spec.verify = false;
  probe_spec.trace = false;
  // A probe asks only whether the run fits: no pause, phase or latency records, no
  // hiccup meter (server alone records millions of batches).
  probe_spec.instrument = false;
  probe_spec.hiccup_meter = false;
  probe_spec.raw_latency = false;
  int probes = 0;
  auto probe = [&](size_t bytes) -> absl::StatusOr<bool> {
    if (interrupted.load()) return absl::CancelledError("interrupted");
    const std::string probe_key = absl::StrCat("probe-", ++probes);
    std::string write_error;
    std::optional<CellStatus> status = RunInChild(
        CellJson(probe_spec, cell, 1, probe_key, bytes, std::nullopt,
                 (scratch / "runs").string()),
        spec.timeout_seconds, scratch.string(), &write_error);
    if (!write_error.empty()) return absl::UnavailableError(write_error);
    if (!status) return absl::CancelledError("interrupted");
    std::fprintf(stderr, "gclab: minheap %s %s: %.2f MiB %s\n", key.collector.c_str(),
                 key.workload.c_str(), bytes / double(MiB),
                 std::string(CellStatusName(*status)).c_str());
    if (*status == CellStatus::kOk) return true;
    if (*status == CellStatus::kOutOfMemory || *status == CellStatus::kTimeout) return false;
    return absl::InternalError(absl::StrCat(
        "minheap probe of ", key.collector, " on ", key.workload, " at ", bytes,
        " bytes ended with status ", CellStatusName(*status), "; see ", scratch.string()));
  };
  absl::StatusOr<size_t> result =
      BisectMinHeap(std::max<size_t>(4 * MiB, (*workload)->LiveBytesEstimate()), probe);
  if (result.ok()) fs::remove_all(scratch, ec);
  return result;
}

// --- Progress ---

class Progress {
 public:
  Progress(size_t total, size_t done) : total_(total), done_(done), start_(MonotonicNanos()) {
    tty_ = isatty(STDERR_FILENO);
  }
  void Starting(const std::string& key, const std::string& label) {
    if (!tty_) return;
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %s %s | %s elapsed%s", done_ + 1, total_,
                 key.c_str(), label.c_str(), Clock(MonotonicNanos() - start_).c_str(),
                 Eta().c_str());
  }
  void Finished(const std::string& key, const std::string& label, CellStatus status,
                double seconds) {
    ++done_;
    ++finished_here_;
    if (tty_) {
      std::fprintf(stderr, "\r\033[K");
      if (status == CellStatus::kOk) return;
    }
    std::fprintf(stderr, "gclab: [%zu/%zu] %s %s: %s (%.1fs)\n", done_, total_, key.c_str(),
                 label.c_str(), std::string(CellStatusName(status)).c_str(), seconds);
  }

 private:
  static std::string Clock(int64_t nanos) {
    const int64_t s = nanos / 1'000'000'000;
    return absl::StrFormat("%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }
  std::string Eta() const {
    if (finished_here_ == 0) return "";
    const int64_t per_run = (MonotonicNanos() - start_) / finished_here_;
    return ", ETA " + Clock(per_run * int64_t(total_ - done_));
  }

  size_t total_;
  size_t done_;
  size_t finished_here_ = 0;
  int64_t start_;
  bool tty_;
};

// --- Summary ---

// "13.98 M ops/s [-2.1%, +3.0%]": the median in human units, the interval relative.
std::string MedianText(const std::string& column, const MedianInterval& m) {
  if (m.median == 0) return HumanValue(column, 0);
  return absl::StrFormat("%s [%+.1f%%, %+.1f%%]", HumanValue(column, m.median),
                         100 * (m.low / m.median - 1), 100 * (m.high / m.median - 1));
}

void PrintSummary(const std::string& out_dir, const std::vector<Cell>& cells) {
  absl::StatusOr<std::string> text = ReadFile((fs::path(out_dir) / "runs.csv").string());
  if (!text.ok()) return;
  absl::StatusOr<CsvTable> table = ParseCsv(*text);
  if (!table.ok()) return;
  const int cell_col = table->Column("cell"), status_col = table->Column("status");
  const int noisy_col = table->Column("noisy");
  // Throughput and pauses, then the slowest batches next to the host's floor in the
  // same runs (the hiccup meter's worst lateness).
  const std::vector<std::string> metrics = {"ops_per_s", "pause_p99_us", "pause_max_us",
                                            "latency_p999_us", "hiccup_max_us"};
  std::printf("\n%-52s %6s %6s %32s %24s %24s %24s %24s\n", "cell (median [interval]; ok runs)",
              "ok", "noisy", "throughput", "pause p99", "pause max", "batch p99.9",
              "host floor (hiccup max)");
  double lowest_confidence = 1;
  int noisy_total = 0;
  for (const Cell& cell : cells) {
    std::vector<std::vector<double>> values(metrics.size());
    int runs = 0, ok = 0, noisy = 0;
    for (const auto& row : table->rows) {
      if (row[cell_col] != absl::StrCat(cell.index)) continue;
      ++runs;
      if (row[status_col] != "ok") continue;
      ++ok;
      if (row[noisy_col] == "1") ++noisy;
      for (size_t m = 0; m < metrics.size(); ++m) {
        double value = 0;
        if (absl::SimpleAtod(row[table->Column(metrics[m])], &value)) values[m].push_back(value);
      }
    }
    if (runs == 0) continue;
    noisy_total += noisy;
    std::string columns;
    for (size_t m = 0; m < metrics.size(); ++m) {
      std::string value = "-";
      if (!values[m].empty()) {
        const MedianInterval interval = MedianWithInterval(values[m]);
        lowest_confidence = std::min(lowest_confidence, interval.confidence);
        value = MedianText(metrics[m], interval);
      }
      absl::StrAppend(&columns, absl::StrFormat(" %*s", m == 0 ? 32 : 24, value));
    }
    std::printf("%-52s %3d/%-2d %6s%s\n", cell.Label().c_str(), ok, runs,
                noisy > 0 ? absl::StrCat(noisy, " !").c_str() : "0", columns.c_str());
  }
  std::printf("intervals: distribution-free confidence intervals of the median, relative to "
              "it; with few reps the interval is [min, max] (lowest coverage here: %.1f%%)\n",
              100 * lowest_confidence);
  if (noisy_total > 0) {
    std::printf("noisy: %d runs ran while the machine was busy with other work (runs.csv "
                "noisy_because says how); they are included above. gclab run --rerun-noisy "
                "with the same flags repeats them\n",
                noisy_total);
  }
}

absl::Status WriteManifest(const RunOptions& options, const std::vector<Cell>& cells,
                           const nlohmann::json& heaps_resolved) {
  nlohmann::json cells_json = nlohmann::json::array();
  for (const Cell& cell : cells) {
    cells_json.push_back({{"cell", cell.index},
                          {"collector", cell.collector},
                          {"workload", cell.workload},
                          {"heap", cell.heap.Label()},
                          {"threads", cell.threads},
                          {"escape_analysis", cell.escape_analysis ? "on" : "off"}});
  }
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

bool Interrupted() { return interrupted.load(); }

int CommandError(absl::string_view message, int status) {
  std::fprintf(stderr, "gclab: %.*s\n", static_cast<int>(message.size()), message.data());
  return status;
}

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
  absl::StatusOr<MinHeapCache> cache = LoadMinHeapCache(options.minheap_cache);
  if (!cache.ok()) return CommandError(cache.status().message());
  std::vector<size_t> heap_bytes(cells.size());
  nlohmann::json heaps_resolved = nlohmann::json::object();
  InstallInterruptHandlers();
  for (const Cell& cell : cells) {
    if (!cell.heap.relative) {
      heap_bytes[cell.index] = static_cast<size_t>(cell.heap.value * MiB);
      continue;
    }
    const MinHeapKey key = KeyOf(spec, cell.collector, cell.workload, cell.threads,
                                 cell.escape_analysis);
    std::optional<size_t> min = cache->Find(key);
    if (!min) {
      std::fprintf(stderr, "gclab: measuring the minimum heap of %s on %s (not cached in %s)\n",
                   key.collector.c_str(), key.workload.c_str(), options.minheap_cache.c_str());
      absl::StatusOr<size_t> measured = MeasureMinHeap(spec, key);
      if (!measured.ok()) return CommandError(measured.status().message(), kExitFailed);
      cache->Put(key, *measured);
      if (absl::Status s = cache->Save(); !s.ok()) return CommandError(s.message(), kExitFailed);
      min = *measured;
    }
    heap_bytes[cell.index] = AlignUp(static_cast<size_t>(cell.heap.value * *min), 4 * KiB);
    heaps_resolved[absl::StrCat(cell.index)] = heap_bytes[cell.index];
  }
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
      if (interrupted.load()) {
        stopped = true;
        return false;
      }
      const Cell& cell = cells[run.cell];
      progress->Starting(run.Key(), cell.Label());
      const int64_t start = MonotonicNanos();
      std::optional<double> heap_x;
      if (cell.heap.relative) heap_x = cell.heap.value;
      std::optional<CellStatus> status = RunInChild(
          CellJson(spec, cell, run.rep, run.Key(), heap_bytes[run.cell], heap_x,
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
  PrintSummary(options.out_dir, cells);
  if (!capped_cells.empty()) {
    std::printf("--reps=auto: %zu cells ran --max-reps=%d times without their interval "
                "narrowing to %g%%: %s\n",
                capped_cells.size(), spec.reps, spec.auto_reps_ci_percent,
                absl::StrJoin(capped_cells, "; ").c_str());
  }
  std::printf("results: %s\n", options.out_dir.c_str());
  return kExitOk;
}

int MinHeap(const MinHeapOptions& options) {
  absl::StatusOr<MinHeapCache> cache = LoadMinHeapCache(options.minheap_cache);
  if (!cache.ok()) return CommandError(cache.status().message());
  InstallInterruptHandlers();
  std::printf("%-20s %-16s %-8s %7s %6s %14s\n", "collector", "workload", "size", "threads",
              "escape", "min_heap_MiB");
  for (const std::string& collector : options.spec.collectors) {
    for (const std::string& workload : options.spec.workloads) {
      for (int threads : options.spec.threads) {
        for (bool escape : options.spec.escape_analysis) {
          const MinHeapKey key = KeyOf(options.spec, collector, workload, threads, escape);
          std::optional<size_t> bytes = options.refresh ? std::nullopt : cache->Find(key);
          if (!bytes) {
            absl::StatusOr<size_t> measured = MeasureMinHeap(options.spec, key);
            if (!measured.ok()) {
              return CommandError(measured.status().message(),
                           Interrupted() ? kExitInterrupted : kExitFailed);
            }
            cache->Put(key, *measured);
            if (absl::Status s = cache->Save(); !s.ok()) return CommandError(s.message(), kExitFailed);
            bytes = *measured;
          }
          std::printf("%-20s %-16s %-8s %7d %6s %14.2f\n", collector.c_str(), workload.c_str(),
                      key.size.c_str(), threads, escape ? "on" : "off", *bytes / double(MiB));
        }
      }
    }
  }
  std::printf("cache: %s\n", options.minheap_cache.c_str());
  return kExitOk;
}

int Merge(const std::string& out_dir, const std::vector<std::string>& inputs) {
  if (inputs.empty()) return CommandError("merge: name the result folders to merge; valid: gclab merge --out=DIR A B ...");
  if (fs::exists(out_dir)) {
    return CommandError(absl::StrCat("merge: --out ", out_dir, " already exists; choose a new folder"));
  }
  std::vector<ResultsManifest> manifests;
  std::map<std::string, std::string> source_of;  // run key -> input folder
  for (const std::string& input : inputs) {
    absl::StatusOr<ResultsManifest> manifest = ReadResultsManifest(input);
    if (!manifest.ok()) return CommandError(absl::StrCat("merge: ", manifest.status().message()));
    if (!manifests.empty() && manifest->json["matrix"] != manifests[0].json["matrix"]) {
      return CommandError(absl::StrCat("merge: ", input, " holds a different matrix from ", inputs[0],
                                "; only shards or resumptions of one matrix can be merged"));
    }
    manifests.push_back(*std::move(manifest));
    const std::vector<std::string> keys =
        KeysInFileOrder(manifests.back().num_cells, manifests.back().reps);
    const std::set<std::string> matrix_keys(keys.begin(), keys.end());
    std::error_code ec;
    RunFiles runs(input);
    for (const auto& entry : fs::directory_iterator(fs::path(input) / "runs", ec)) {
      const std::string key = entry.path().filename().string();
      if (absl::StartsWith(key, ".")) continue;  // a run killed while writing
      if (!matrix_keys.contains(key)) {
        return CommandError(absl::StrCat("merge: ", input, "/runs/", key, " is not a run of its matrix"));
      }
      if (absl::Status s = CheckRunFolder(runs, key); !s.ok()) {
        return CommandError(absl::StrCat("merge: ", input, "/runs/", s.message()));
      }
      auto [it, added] = source_of.emplace(key, input);
      if (!added) {
        return CommandError(absl::StrCat("merge: run ", key, " is in both ", it->second, " and ", input));
      }
    }
  }
  // Write everything into a temporary folder, then rename it into place.
  const fs::path temporary = fs::path(out_dir).string() + absl::StrCat(".tmp-", getpid());
  std::error_code ec;
  fs::create_directories(temporary / "runs", ec);
  if (ec) return CommandError(absl::StrCat("merge: cannot create ", temporary.string(), ": ", ec.message()));
  // Each run's folder is copied (a trace, say) with its rows, wherever they are.
  std::map<std::string, RunFiles> inputs_runs;
  for (const auto& [key, input] : source_of) {
    RunFiles& runs = inputs_runs.try_emplace(input, input).first->second;
    fs::copy(fs::path(input) / "runs" / key, temporary / "runs" / key, fs::copy_options::recursive, ec);
    absl::Status copied = ec ? absl::UnavailableError(ec.message()) : absl::OkStatus();
    for (const std::string& name : ResultFileNames()) {
      if (!copied.ok()) break;
      absl::StatusOr<std::string> text = runs.Read(key, name);
      copied = text.ok() ? WriteFileAtomically((temporary / "runs" / key / name).string(), *text)
                         : text.status();
    }
    if (!copied.ok()) {
      fs::remove_all(temporary, ec);
      return CommandError(absl::StrCat("merge: cannot copy ", key, " from ", input, ": ",
                                       copied.message()), kExitFailed);
    }
  }
  nlohmann::json manifest = manifests[0].json;
  manifest["shard"] = "merged";
  manifest["merged_from"] = inputs;
  manifest["date_utc"] = UtcNow();
  absl::Status s = WriteFileAtomically((temporary / "manifest.json").string(), manifest.dump(2) + "\n");
  if (s.ok()) {
    s = AssembleResults(temporary.string(),
                        KeysInFileOrder(manifests[0].num_cells, manifests[0].reps));
  }
  if (s.ok()) {
    fs::rename(temporary, out_dir, ec);
    if (ec) s = absl::UnavailableError(absl::StrCat("cannot rename into ", out_dir));
  }
  if (!s.ok()) {
    fs::remove_all(temporary, ec);
    return CommandError(absl::StrCat("merge: ", s.message()), kExitFailed);
  }
  std::printf("merged %zu runs from %zu folders into %s\n", source_of.size(), inputs.size(),
              out_dir.c_str());
  return kExitOk;
}

int RunOneCell(const std::string& spec_json) {
  nlohmann::json json = nlohmann::json::parse(spec_json, nullptr, false);
  if (json.is_discarded()) return CommandError("cell: --spec is not valid JSON");
  RunIdentity run;
  CellSpec spec;
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
    files.trace = json.at("trace");
    files.raw_latency = json.value("raw_latency", false);
  } catch (const nlohmann::json::exception& e) {
    return CommandError(absl::StrCat("cell: malformed --spec: ", e.what()));
  }
  absl::StatusOr<CellResult> result = RunCell(spec);
  if (!result.ok()) return CommandError(result.status().message());
  absl::Status written =
      WriteRunFolder(runs_dir, run, &*result, result->status, result->error, files);
  if (!written.ok()) return CommandError(written.message(), kExitResultsUnwritten);
  return kExitOk;
}

}  // namespace gclab
