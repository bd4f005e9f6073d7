// File: harness/results/results_reader.h
//
// Reading results folders that gclab did not just write itself (merge's inputs,
// a folder being resumed): nothing is trusted. A manifest must be of this schema
// version and describe a matrix; a run's CSV files must have gclab's header, whole
// rows, their run's key in every row, and as many pauses and batches (in each
// latency histogram) as runs.csv counts, so a file cut short at a line boundary is
// caught as well.
#ifndef GCLAB_HARNESS_RESULTS_READER_H_
#define GCLAB_HARNESS_RESULTS_READER_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "harness/results/results.h"
#include "nlohmann/json.hpp"

namespace gclab {

struct ResultsManifest {
  nlohmann::json json;
  size_t num_cells = 0;
  int reps = 0;
};

// `text` is the manifest.json of results folder `dir` (named in errors).
absl::StatusOr<ResultsManifest> ParseResultsManifest(const std::string& text,
                                                     const std::string& dir);
absl::StatusOr<ResultsManifest> ReadResultsManifest(const std::string& dir);

// The CSV files of run `key` (file name -> contents); each of ResultFileNames()
// must be there. Errors name "<key>/<file>".
absl::Status CheckRunFiles(const std::string& key,
                           const std::map<std::string, std::string>& files);
// The same for run `key` of a results folder, wherever its rows are.
absl::Status CheckRunFolder(RunFiles& runs, const std::string& key);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RESULTS_READER_H_
