// File: harness/results.h
//
// The files of a results folder (documented column by column in results/README.md):
//
//   manifest.json   what was run, on what, by which build (written by the runner)
//   runs.csv        one row per run
//   pauses.csv      every pause of every run
//   phases.csv      every annotated GC phase of every run
//   latency.csv     every mutator batch time of every run
//   runs/<key>/     the same files for one run (the unit of resuming and merging),
//                   plus trace.json with --trace
//
// Each run's folder is complete or absent: a run writes into a temporary folder
// that is renamed into place. The top-level files are assembled from the run
// folders in matrix order and replaced atomically (temporary file, then rename), so
// no file is ever half-written and a resumed matrix ends with the same files as an
// uninterrupted one.
#ifndef GCLAB_HARNESS_RESULTS_H_
#define GCLAB_HARNESS_RESULTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/run_cell.h"

namespace gclab {

// Bumped whenever a column or file changes meaning.
inline constexpr int kSchemaVersion = 4;

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

// The columns of runs.csv, in order.
const std::vector<std::string>& RunColumns();

// The CSV files of every run folder and of the results folder, in file order, and
// the columns of each (null for any other name).
const std::vector<std::string>& ResultFileNames();
const std::vector<std::string>* ColumnsOfResultFile(const std::string& file_name);

// Writes runs/<key>/ for a run that finished in this process (`result`), or for one
// the harness saw fail (`result` null: `status` and `error` say how).
absl::Status WriteRunFolder(const std::string& runs_dir, const RunIdentity& run,
                            const CellResult* result, CellStatus status,
                            const std::string& error, bool trace);

// Rebuilds the top-level CSV files of `out_dir` from runs/<key>/ for each key
// present, in the order given.
absl::Status AssembleResults(const std::string& out_dir, const std::vector<std::string>& keys);

// Writes `contents` to `path` through a temporary file (`path` + kTemporaryFileInfix +
// pid) and a rename.
inline constexpr char kTemporaryFileInfix[] = ".tmp.";
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);
absl::StatusOr<std::string> ReadFile(const std::string& path);

// One CSV field, quoted when it must be.
std::string CsvField(const std::string& value);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RESULTS_H_
