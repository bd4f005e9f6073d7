// File: harness/commands/progress.h
//
// The matrix's progress on stderr: on a terminal, one line rewritten in place (run,
// elapsed time, ETA) and a line for each run that did not end ok; elsewhere (a log,
// a batch job) a line for every finished run.
#ifndef GCLAB_HARNESS_PROGRESS_H_
#define GCLAB_HARNESS_PROGRESS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/results/results.h"

namespace gclab {

class Progress {
 public:
  // `done` of the `total` runs were finished before this process started.
  Progress(size_t total, size_t done);
  void Starting(const std::string& key, const std::string& label);
  // A run that did not end ok is one line on stderr, with `error` (why) when known.
  void Finished(const std::string& key, const std::string& label, RunStatus status,
                double seconds, const std::string& error = "");

 private:
  std::string Eta() const;

  size_t total_;
  size_t done_;
  size_t finished_here_ = 0;
  int64_t start_;
  bool tty_;
};

}  // namespace gclab

#endif  // GCLAB_HARNESS_PROGRESS_H_
