// File: harness/results/results_folder.h
//
// The default results folder of `gclab run`: results/<UTC time to the second>-<commit>,
// claimed with mkdir, which fails if the name is taken, so that two runs started in the
// same second (a short run, then the next one in a script; or two at once) never share
// a folder: the second gets <name>-2, the third <name>-3, and so on.
#ifndef GCLAB_HARNESS_RESULTS_FOLDER_H_
#define GCLAB_HARNESS_RESULTS_FOLDER_H_

#include <ctime>
#include <string>

#include "absl/status/statusor.h"

namespace gclab {

// <UTC time>-<commit> for `when`, as 20261202T201500Z-ecf42a1.
std::string DefaultResultsFolderName(std::time_t when);

// Creates `parent` if needed, then a new, empty folder parent/name, or parent/name-2,
// name-3... if that is taken; returns its path. Each call gets a folder of its own,
// whichever process or thread makes it.
absl::StatusOr<std::string> ClaimResultsFolder(const std::string& parent, const std::string& name);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RESULTS_FOLDER_H_
