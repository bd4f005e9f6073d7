// File: harness/commands.h
//
// The gclab commands other than `list`, callable from main.cc and from tests. Each
// returns the process exit status: 0 done, 1 the work failed (for example a results
// folder could not be written: the disk is full), 2 bad input (one line on stderr
// said why), 130 interrupted. A `gclab run-once` that cannot write its run's results
// exits 4, so that the matrix stops instead of recording the run as failed.
#ifndef GCLAB_HARNESS_COMMANDS_H_
#define GCLAB_HARNESS_COMMANDS_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "harness/matrix.h"

namespace gclab {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitResultsUnwritten = 4;
inline constexpr int kExitInterrupted = 130;

struct RunOptions {
  MatrixSpec spec;
  std::string out_dir;
  Shard shard;
  std::string minheap_cache;
  std::vector<std::string> command_line;
  bool rerun_noisy = false;  // run again the finished runs that were flagged noisy
};

// `gclab run`: runs (or resumes) the matrix into out_dir.
int RunMatrix(const RunOptions& options);

struct MinHeapOptions {
  MatrixSpec spec;  // collectors, workloads, threads, escape_analysis, size, timeout, seed
  std::string minheap_cache;
  bool refresh = false;  // measure again even when cached
};

// `gclab minheap`: finds and caches the minimum heap of every combination.
int MinHeap(const MinHeapOptions& options);

// `gclab merge`: joins result folders of one matrix (shards, resumed runs) into out_dir.
int Merge(const std::string& out_dir, const std::vector<std::string>& inputs);

// `gclab run-once` (internal): one run in this process, as described by `spec_json`.
int RunOnceCommand(const std::string& spec_json);

// Prints "gclab: <message>" as one line on stderr and returns `status`.
int CommandError(absl::string_view message, int status = kExitUsage);

// SIGINT and SIGTERM set a flag (from InstallInterruptHandlers on, which RunMatrix
// calls) that the commands check between runs, so that no run is cut in half.
void InstallInterruptHandlers();
bool Interrupted();
const std::atomic<bool>& InterruptFlag();

}  // namespace gclab

#endif  // GCLAB_HARNESS_COMMANDS_H_
