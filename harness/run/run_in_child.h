// File: harness/run/run_in_child.h
//
// One run of the matrix in a child process (`gclab run-once`), and what a finished run's
// folder says about it. The matrix never runs a workload in its own process: a crash,
// a hang or an out-of-memory kill ends only the child, and becomes that run's status.
#ifndef GCLAB_HARNESS_RUN_IN_CHILD_H_
#define GCLAB_HARNESS_RUN_IN_CHILD_H_

#include <optional>
#include <string>

#include "harness/matrix/matrix.h"
#include "harness/results/results.h"
#include "nlohmann/json.hpp"

namespace gclab {

// Where the child tells its run's status (one word, RunStatusName): logs/<key>.status
// beside `runs_dir`. The only way a status goes from the child to the matrix.
std::string StatusFilePath(const std::string& runs_dir, const std::string& key);

// The `gclab run-once --spec` of one repetition of `cell`.
nlohmann::json RunSpecJson(const MatrixSpec& spec, const Cell& cell, int rep,
                        const std::string& key, size_t heap_bytes,
                        std::optional<double> heap_x, const std::string& runs_dir);
RunIdentity IdentityFromJson(const nlohmann::json& json);

// How a run in a child process ended.
struct ChildRun {
  RunStatus status = RunStatus::kCrash;
  // False when the run could not start at all: the collector or workload could not
  // be made, or the collector's Init failed (not for want of heap). Recorded as a
  // crash whose error says so.
  bool started = true;
  // Why it failed, when this process wrote its row (the child did not); else empty.
  std::string error;
};

// Runs one cell in a child process and makes sure runs/<key> describes what
// happened: the child's status file says how the run ended, or else how the child
// ended does (crash, timeout); the text of its messages never decides. Returns how
// it ended, or nullopt if interrupted or if the results could not be written (then
// *write_error says why; runs/<key> is absent either way).
std::optional<ChildRun> RunInChild(const nlohmann::json& cell_json, double timeout_seconds,
                                     const std::string& out_dir, std::string* write_error);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RUN_IN_CHILD_H_
