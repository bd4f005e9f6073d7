// File: harness/run_in_child.h
//
// One run of the matrix in a child process (`gclab run-once`), and what a finished run's
// folder says about it. The matrix never runs a workload in its own process: a crash,
// a hang or an out-of-memory kill ends only the child, and becomes that run's status.
#ifndef GCLAB_HARNESS_RUN_IN_CHILD_H_
#define GCLAB_HARNESS_RUN_IN_CHILD_H_

#include <optional>
#include <string>

#include "harness/matrix.h"
#include "harness/results.h"
#include "nlohmann/json.hpp"

namespace gclab {

// The fields of a run folder's runs.csv that the matrix itself acts on.
struct RunRow {
  RunStatus status = RunStatus::kCrash;
  bool noisy = false;
  std::optional<double> wall_s;
};

// What runs/<key> says, or nullopt if it is absent or unreadable.
std::optional<RunRow> ReadRunRow(RunFiles& runs, const std::string& key);

// The `gclab run-once --spec` of one repetition of `cell`.
nlohmann::json RunSpecJson(const MatrixSpec& spec, const Cell& cell, int rep,
                        const std::string& key, size_t heap_bytes,
                        std::optional<double> heap_x, const std::string& runs_dir);
RunIdentity IdentityFromJson(const nlohmann::json& json);

// Runs one cell in a child process and makes sure runs/<key> describes what
// happened. Returns the status, or nullopt if interrupted or if the results could
// not be written (then *write_error says why; runs/<key> is absent either way).
std::optional<RunStatus> RunInChild(const nlohmann::json& cell_json, double timeout_seconds,
                                     const std::string& out_dir, std::string* write_error);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RUN_IN_CHILD_H_
