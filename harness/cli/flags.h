// File: harness/cli/flags.h
//
// The flags of the gclab commands (harness/cli/flags.cc defines them, with their help and
// defaults; harness/cli/command_table.cc says which command takes which).
#ifndef GCLAB_HARNESS_FLAGS_H_
#define GCLAB_HARNESS_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::vector<std::string>, collectors);
ABSL_DECLARE_FLAG(std::vector<std::string>, workloads);
ABSL_DECLARE_FLAG(std::vector<std::string>, heap_mb);
ABSL_DECLARE_FLAG(std::vector<std::string>, heap_x);
ABSL_DECLARE_FLAG(std::vector<std::string>, threads);
ABSL_DECLARE_FLAG(std::vector<std::string>, escape_analysis);
ABSL_DECLARE_FLAG(std::string, reps);
ABSL_DECLARE_FLAG(std::string, until_ci);
ABSL_DECLARE_FLAG(std::string, max_reps);
ABSL_DECLARE_FLAG(bool, rerun_noisy);
ABSL_DECLARE_FLAG(bool, hiccup_meter);
ABSL_DECLARE_FLAG(std::string, baseline);
ABSL_DECLARE_FLAG(std::string, candidate);
ABSL_DECLARE_FLAG(std::vector<std::string>, metrics);
ABSL_DECLARE_FLAG(int, warmup);
ABSL_DECLARE_FLAG(std::string, size);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(double, timeout);
ABSL_DECLARE_FLAG(double, probe_timeout);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, shard);
ABSL_DECLARE_FLAG(bool, verify);
ABSL_DECLARE_FLAG(bool, trace);
ABSL_DECLARE_FLAG(bool, instrument);
ABSL_DECLARE_FLAG(std::string, latency);
ABSL_DECLARE_FLAG(std::string, minheap_cache);
ABSL_DECLARE_FLAG(bool, refresh);
ABSL_DECLARE_FLAG(bool, quick);
ABSL_DECLARE_FLAG(int, jobs);
ABSL_DECLARE_FLAG(double, stress_seconds);
ABSL_DECLARE_FLAG(double, test_timeout);
ABSL_DECLARE_FLAG(std::string, spec);
ABSL_DECLARE_FLAG(std::vector<std::string>, plugin);

#endif  // GCLAB_HARNESS_FLAGS_H_
