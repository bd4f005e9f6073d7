// File: harness/commands/summary.h
//
// The table `gclab run` and `gclab merge` print at the end: for each cell, how many
// runs ended ok and how many were noisy, and the medians of throughput, pauses, the
// slowest batches and the host's floor, each with its confidence interval; below it,
// whether the runs came from machines that differ.
#ifndef GCLAB_HARNESS_SUMMARY_H_
#define GCLAB_HARNESS_SUMMARY_H_

#include <string>
#include <vector>

#include "harness/matrix/matrix.h"

namespace gclab {

// Reads out_dir/runs.csv (and manifest.json, for the hosts of a merged folder);
// prints nothing if runs.csv cannot be read. cell_labels[i] names cell i.
void PrintSummary(const std::string& out_dir, const std::vector<std::string>& cell_labels);
std::vector<std::string> CellLabels(const std::vector<Cell>& cells);

}  // namespace gclab

#endif  // GCLAB_HARNESS_SUMMARY_H_
