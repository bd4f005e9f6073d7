// File: harness/commands/finished_runs.h
//
// What the matrix reads back from runs it has finished, to decide what to run next:
// whether a run was noisy (--rerun-noisy) and whether a cell's interval is narrow yet
// (--reps=auto). How a run ended is told by its child (run_in_child.h); this reads
// the results themselves.
#ifndef GCLAB_HARNESS_FINISHED_RUNS_H_
#define GCLAB_HARNESS_FINISHED_RUNS_H_

#include <optional>
#include <string>

#include "harness/matrix/matrix.h"
#include "harness/results/results.h"

namespace gclab {

// The fields of a finished run's row that the matrix acts on.
struct RunRow {
  RunStatus status = RunStatus::kCrash;
  bool noisy = false;
  std::optional<double> wall_s;
  std::string error;  // why it failed, if it did
};

// runs/<key>'s row, or nullopt if the run has none (yet).
std::optional<RunRow> ReadRunRow(RunFiles& runs, const std::string& key);

enum class AutoRepsVerdict { kContinue, kConverged, kFailed };

// --reps=auto: whether `cell` needs another repetition after its first `reps_done`.
// A run that failed ends the cell (repeating a crash measures nothing); noisy runs
// do not count towards the interval.
AutoRepsVerdict JudgeCell(RunFiles& runs, int cell, int reps_done, const MatrixSpec& spec);

}  // namespace gclab

#endif  // GCLAB_HARNESS_FINISHED_RUNS_H_
