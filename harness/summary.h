// File: harness/summary.h
//
// The table `gclab run` and `gclab merge` print at the end: for each cell, how many
// runs ended ok and how many were noisy, and the medians of throughput, pauses, the
// slowest batches and the host's floor, each with its confidence interval.
#ifndef GCLAB_HARNESS_SUMMARY_H_
#define GCLAB_HARNESS_SUMMARY_H_

#include <string>
#include <vector>

#include "harness/matrix.h"

namespace gclab {

// Reads out_dir/runs.csv; prints nothing if it cannot be read.
void PrintSummary(const std::string& out_dir, const std::vector<Cell>& cells);

}  // namespace gclab

#endif  // GCLAB_HARNESS_SUMMARY_H_
