// File: harness/manifest.h
//
// What a results folder must carry to be reproduced and trusted: the build (version,
// git commit, compiler and flags, library versions) and the host (CPU model, cores,
// memory, kernel), as Google Benchmark's JSON context does.
#ifndef GCLAB_HARNESS_MANIFEST_H_
#define GCLAB_HARNESS_MANIFEST_H_

#include <string>

#include "nlohmann/json.hpp"

namespace gclab {

nlohmann::json BuildContext();
nlohmann::json HostContext();
// The current UTC time as 2026-11-25T18:00:00Z.
std::string UtcNow();
// The git commit gclab was built from (short), or "unknown".
std::string GitCommit();

}  // namespace gclab

#endif  // GCLAB_HARNESS_MANIFEST_H_
