// File: harness/commands/commands.h
//
// The gclab commands that run, resume and join matrices, callable from the command
// table and from tests. Each returns the process exit status (run/exit_status.h).
#ifndef GCLAB_HARNESS_COMMANDS_COMMANDS_H_
#define GCLAB_HARNESS_COMMANDS_COMMANDS_H_

#include <string>
#include <vector>

#include "harness/matrix/matrix.h"
#include "harness/run/exit_status.h"

namespace gclab {

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

}  // namespace gclab

#endif  // GCLAB_HARNESS_COMMANDS_COMMANDS_H_
