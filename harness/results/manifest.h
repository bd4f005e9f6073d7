// File: harness/results/manifest.h
//
// A results folder's manifest.json: what it must carry to be reproduced and trusted,
// the matrix and command line, the build (version, git commit, compiler and flags,
// library versions) and the host (CPU model, cores, memory, kernel), as Google
// Benchmark's JSON context does.
#ifndef GCLAB_HARNESS_MANIFEST_H_
#define GCLAB_HARNESS_MANIFEST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace gclab {

// What `gclab run` records of the matrix it runs, with the build, host and date.
struct MatrixManifest {
  std::vector<std::string> command_line;
  nlohmann::json matrix;      // MatrixSpec::ToJson()
  nlohmann::json cells;       // each cell's Cell::ToJson()
  nlohmann::json heap_bytes;  // each cell's heap in bytes, by cell index
  std::string shard;          // "index/count"
  uint64_t run_order_seed = 0;
};

// Writes `out_dir`/manifest.json (atomically), once, as a results folder is made.
absl::Status WriteMatrixManifest(const std::string& out_dir, const MatrixManifest& manifest);

// gclab's build, and every loaded plugin's ("plugins": path, SHA-256, build type,
// flags, compiler, collectors).
nlohmann::json BuildContext();
// One line for each loaded plugin built unoptimised or with flags other than
// gclab's own, whose results are then not comparable with the built-ins'.
std::vector<std::string> PluginBuildWarnings();
// What determines a collector's code: "plugin-sha256:<first 16 hex digits>" for a
// plugin's collector, else "gclab-<commit>-<build type>".
std::string CollectorBuildId(const std::string& collector_name);
nlohmann::json HostContext();
// `shard_hosts` is a merged manifest's list of {"folder", "shard", "host"}. When the
// shards ran on machines with different CPU models or core counts, says how, for
// example "the shards ran on 2 kinds of machine: 2 cores of Intel Xeon 8375C (shards
// 1/3, 2/3), 4 cores of AMD EPYC 7R13 (shard 3/3)"; nullopt when they all agree.
std::optional<std::string> HostDifference(const nlohmann::json& shard_hosts);
// The current UTC time as 2026-11-25T18:00:00Z.
std::string UtcNow();
// The git commit gclab was built from (short), or "unknown".
std::string GitCommit();

}  // namespace gclab

#endif  // GCLAB_HARNESS_MANIFEST_H_
