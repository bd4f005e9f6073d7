// File: harness/commands/compare.h
//
// `gclab compare`: whether two sets of runs differ, cell by cell, as benchstat
// reports it. Either two collectors in one results folder (cells matched on
// workload, size, heap, threads and escape analysis) or the same matrix in two
// folders (cells matched on the collector too). For each metric and cell: the
// median of each side, the ratio candidate/baseline with a 95% bootstrap interval
// that carries both sides' noise, the Mann-Whitney U p-value, and '~' where the
// difference is not significant at alpha = 0.05. Only runs with status ok count;
// runs flagged noisy are left out and counted.
#ifndef GCLAB_HARNESS_COMPARE_H_
#define GCLAB_HARNESS_COMPARE_H_

#include <string>
#include <vector>

namespace gclab {

struct CompareOptions {
  std::vector<std::string> folders;  // one (with both collectors) or two
  std::string baseline;              // collector A, with one folder
  std::string candidate;             // collector B, with one folder
  std::vector<std::string> metrics;  // runs.csv columns; empty: the defaults
};

inline constexpr double kSignificanceLevel = 0.05;

// Prints the tables; returns the exit status (2 with one line on stderr for bad
// input: a folder of another schema, unknown collectors or metrics, no common cell).
int Compare(const CompareOptions& options);

}  // namespace gclab

#endif  // GCLAB_HARNESS_COMPARE_H_
