// File: harness/results/results.h
//
// The files of a results folder (documented column by column in results/README.md):
//
//   manifest.json   what was run, on what, by which build (written by the runner)
//   runs.csv        one row per run
//   pauses.csv      every pause of every run
//   phases.csv      every annotated GC phase of every run
//   latency.csv     every run's batch latencies as a log-linear histogram
//   batches.csv     every batch time of every run, with --latency=raw (else a header)
//   site_decisions.csv  every change of where a site's objects go (pretenuring)
//   runs/<key>/     one run's files (the unit of resuming and merging), plus
//                   trace.json with --trace
//
// Each run's folder is complete or absent: a run writes into a temporary folder
// that is renamed into place. The top-level files are assembled from the run
// folders in matrix order and replaced atomically (temporary file, then rename), so
// no file is ever half-written and a resumed matrix ends with the same files as an
// uninterrupted one. Once assembled, a run folder's CSV files are removed: the
// top-level files hold the only copy of every row, and RunFiles reads a run's rows
// from wherever they are.
#ifndef GCLAB_HARNESS_RESULTS_H_
#define GCLAB_HARNESS_RESULTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/results/results_schema.h"
#include "harness/run/run_once.h"

namespace gclab {

// Who a run is: the cell's axes and the repetition.
struct RunIdentity {
  std::string key;  // e.g. "c0003-r2": cell 3, repetition 2
  int cell = 0;
  int rep = 0;
  std::string collector;
  std::string workload;
  std::string size;
  size_t heap_bytes = 0;
  std::optional<double> heap_x;  // the multiple of the minimum heap, if given so
  int threads = 1;
  bool escape_analysis = true;
  uint64_t seed = 0;
};


// What a run writes beyond the files every run has.
struct RunFileOptions {
  bool trace = false;        // trace.json
  bool raw_latency = false;  // every batch time in batches.csv (--latency=raw)
};

// Writes runs/<key>/ for a run that finished in this process (`result`), or for one
// the harness saw fail (`result` null: `status` and `error` say how).
absl::Status WriteRunFolder(const std::string& runs_dir, const RunIdentity& run,
                            const RunResult* result, RunStatus status,
                            const std::string& error, const RunFileOptions& options);

// Rebuilds the top-level CSV files of `out_dir` from the runs with a folder in
// runs/, in the order given, then removes the CSV files of those folders (their
// rows are now in the top-level files only).
absl::Status AssembleResults(const std::string& out_dir, const std::vector<std::string>& keys);

// The CSV files of the runs of results folder `out_dir`, wherever their rows are: a
// run folder's own file while it has one, else the run's rows of the top-level
// file (read once, on first need). Files are cut or removed only whole, so each is
// either in the run folder or in the top-level file, and both agree if in both.
class RunFiles {
 public:
  explicit RunFiles(std::string out_dir) : out_dir_(std::move(out_dir)) {}
  bool Has(const std::string& key) const;  // runs/<key>/ exists
  // Header and rows of `file` (one of ResultFileNames()) of run `key`.
  absl::StatusOr<std::string> Read(const std::string& key, const std::string& file);

 private:
  std::string out_dir_;
  // Top-level file -> run key -> that run's data lines.
  std::map<std::string, std::map<std::string, std::string>> assembled_;
};

// Writes `contents` to `path` through a temporary file (`path` + kTemporaryFileInfix +
// pid) and a rename.
inline constexpr char kTemporaryFileInfix[] = ".tmp.";
// A folder being written (a run's, a merge's) is named with this prefix until it is
// renamed into place; one left behind was killed half-way and may be removed.
inline constexpr char kTemporaryFolderPrefix[] = ".tmp-";
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);
absl::StatusOr<std::string> ReadFile(const std::string& path);


}  // namespace gclab

#endif  // GCLAB_HARNESS_RESULTS_H_
