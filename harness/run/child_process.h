// File: harness/run/child_process.h
//
// Runs a command as a child process with a wall-clock limit, in its own process
// group, with its standard error captured to a file. Used for every run of a matrix:
// a fresh process gives every run a fresh heap and allocator, and a crash, a hang or
// an abort in one run cannot take the matrix down.
#ifndef GCLAB_HARNESS_CHILD_PROCESS_H_
#define GCLAB_HARNESS_CHILD_PROCESS_H_

#include <atomic>
#include <string>
#include <vector>

namespace gclab {

struct ChildOutcome {
  enum class Kind {
    kExited,       // exit_code is valid
    kSignaled,     // killed by `signal`
    kTimedOut,     // killed by us at the time limit
    kInterrupted,  // killed by us because `interrupted` became true
    kNotStarted,   // could not be started (error says why)
  };
  Kind kind = Kind::kNotStarted;
  int exit_code = 0;
  int signal = 0;
  double seconds = 0;
  std::string error;
};

// Runs argv[0] (a path) with `argv`, stdout discarded, stderr appended to
// `stderr_path`. Kills the child's process group with SIGKILL after `timeout_seconds`
// or as soon as `interrupted` is set.
ChildOutcome RunChild(const std::vector<std::string>& argv, double timeout_seconds,
                      const std::string& stderr_path, const std::atomic<bool>& interrupted);

// The last non-empty line of a file (at most 1000 characters), for error columns.
std::string LastLine(const std::string& path);

}  // namespace gclab

#endif  // GCLAB_HARNESS_CHILD_PROCESS_H_
